import Foundation
import HedgehogResources
import KubeAPI
import KubeClient
import Testing
import TestSupport
@testable import KubeEmulator

/// The real kubectl reads what the client wrote: an Event about a GatewayAgent shows up in
/// `kubectl describe`.
@Suite(.timeLimit(.minutes(1))) struct E2EKubectlTests {
    @Test func kubectlShowsTheEventTheClientCreated() async throws {
        let binary = "/usr/bin/kubectl"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            missingTool("kubectl not installed at \(binary): kubectl end-to-end test skipped")
            return
        }
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let agent = try await client.create(.gatewayAgents, namespace: "default", body: [
                "apiVersion": "gwint.githedgehog.com/v1alpha1", "kind": "GatewayAgent",
                "metadata": ["name": "gateway-1", "namespace": "default"],
                "spec": ["gateway": ["protocolIP": "172.30.8.1/32", "asn": 65534]],
            ])
            let now = KubeTime.format(Date())
            let event = Event(
                metadata: ObjectMeta(name: "gateway-1.e2e\(UInt32.random(in: 0...UInt32.max))", namespace: "default"),
                involvedObject: ObjectReference(apiVersion: "gwint.githedgehog.com/v1alpha1", kind: "GatewayAgent", name: "gateway-1",
                                                namespace: "default", uid: agent[path: "metadata", "uid"]?.stringValue),
                reason: "GatewayKeepaliveFail", message: "BGP keepalives to spine-1 missing for 95s", type: "Warning",
                count: 1, firstTimestamp: now, lastTimestamp: now, source: EventSource(component: "gateway-medic"))
            _ = try await client.create(.events, namespace: "default", body: try JSONValue(encoding: event))

            let kubeconfig = try cluster.writeKubeconfig("kubectl.yaml", user: ["token: \(cluster.token)"],
                                                         cluster: ["certificate-authority: \(cluster.pki.path("ca.crt"))"])
            let env = ["KUBECONFIG": kubeconfig, "HOME": cluster.folder.path, "PATH": "/usr/bin:/bin"]
            func kubectl(_ args: [String]) async throws -> ChildProcess.Result {
                try await ChildProcess.run(binary, ["--request-timeout=10s"] + args, environment: env, timeout: .seconds(15))
            }
            let get = try await kubectl(["get", "gatewayagents"])
            #expect(get.status == 0, "\(get.stderr)")
            #expect(get.stdout.contains("gateway-1"), "\(get.stdout)")
            let events = try await kubectl(["get", "events"])
            #expect(events.status == 0, "\(events.stderr)")
            #expect(events.stdout.contains("GatewayKeepaliveFail"), "\(events.stdout)")
            let describe = try await kubectl(["describe", "gatewayagent", "gateway-1"])
            #expect(describe.status == 0, "\(describe.stderr)")
            #expect(describe.stdout.contains("GatewayKeepaliveFail"), "\(describe.stdout)")
            #expect(describe.stdout.contains("BGP keepalives to spine-1 missing for 95s"), "\(describe.stdout)")
        }
    }
}
