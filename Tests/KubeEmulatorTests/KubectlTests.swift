import Foundation
import HedgehogResources
import KubeAPI
import Testing
import TestSupport
@testable import KubeEmulator

/// The real kubectl against the emulator: discovery, tables, describe with events, apply of a CRD.
@Suite(.serialized) struct KubectlTests {
    struct Kubectl {
        let binary: String
        let kubeconfig: String
        let home: String

        func run(_ args: [String], stdin: String? = nil) async throws -> ChildProcess.Result {
            let env = ["KUBECONFIG": kubeconfig, "HOME": home, "PATH": "/usr/bin:/bin"]
            return try await ChildProcess.run(binary, ["--request-timeout=10s"] + args, environment: env, stdin: stdin, timeout: .seconds(20))
        }
    }

    /// An HTTPS emulator with token auth and a kubeconfig for it, or nil when a tool is missing.
    func withKubectl(_ body: (EmulatedAPIServer, Kubectl) async throws -> Void) async throws {
        guard let binary = ChildProcess.which("kubectl") else {
            missingTool("kubectl not installed: kubectl tests skipped")
            return
        }
        guard let certs = try await TestPKI.make() else {
            missingTool("openssl not installed: kubectl tests skipped")
            return
        }
        defer { certs.remove() }
        let token = "kubectl-\(UUID().uuidString)"
        try await withEmulator(EmulatorConfiguration(tls: certs.emulatorTLS(clientCA: false), bearerToken: token)) { server in
            let kubeconfig = certs.directory.appendingPathComponent("kubeconfig").path
            let text = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: emulator
                  cluster:
                    server: \(server.baseURL)
                    certificate-authority: \(certs.caPath)
                users:
                - name: tester
                  user:
                    token: \(token)
                contexts:
                - name: emulator
                  context:
                    cluster: emulator
                    user: tester
                    namespace: default
                current-context: emulator

                """
            try text.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
            try await body(server, Kubectl(binary: binary, kubeconfig: kubeconfig, home: certs.directory.path))
        }
    }

    @Test func getAndDescribeGatewayAgentWithItsEvent() async throws {
        try await withKubectl { server, kubectl in
            var object = agent("gateway-1")
            object["spec"] = ["gateway": ["protocolIP": "172.30.8.1/32"]]
            let created = try server.store.create(.gatewayAgents, object)
            _ = try server.store.updateStatus(.gatewayAgents, created.with(status: ["lastAppliedGen": 1, "agentVersion": "v0.9.0"]))
            let uid = created[path: "metadata", "uid"] ?? .null
            try server.store.create(.events, [
                "metadata": ["name": "gateway-1.medic1", "namespace": "default"],
                "involvedObject": ["apiVersion": "gwint.githedgehog.com/v1alpha1", "kind": "GatewayAgent", "name": "gateway-1",
                                   "namespace": "default", "uid": uid],
                "reason": "GatewayDown", "message": "heartbeat is 95s old", "type": "Warning", "count": 1,
                "firstTimestamp": .string(KubeTime.format(Date())), "lastTimestamp": .string(KubeTime.format(Date())),
                "source": ["component": "gateway-medic"],
            ])

            let list = try await kubectl.run(["get", "gatewayagents"])
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.contains("gateway-1"))
            #expect(list.stdout.contains("APPLIEDG") && list.stdout.contains("v0.9.0"))

            let yaml = try await kubectl.run(["get", "gwag", "gateway-1", "-o", "yaml"])
            #expect(yaml.status == 0, "\(yaml.stderr)")
            #expect(yaml.stdout.contains("kind: GatewayAgent") && yaml.stdout.contains("name: gateway-1"))
            #expect(yaml.stdout.contains("lastAppliedGen: 1"))

            let describe = try await kubectl.run(["describe", "gatewayagent", "gateway-1"])
            #expect(describe.status == 0, "\(describe.stderr)")
            #expect(describe.stdout.contains("GatewayDown"))
            #expect(describe.stdout.contains("heartbeat is 95s old"))
        }
    }

    @Test func getWatchPrintsTheSameColumns() async throws {
        try await withKubectl { server, kubectl in
            let created = try server.store.create(.gatewayAgents, agent("gateway-1"))
            let watch = try ChildProcess.start("/usr/bin/env", ["KUBECONFIG=\(kubectl.kubeconfig)", "HOME=\(kubectl.home)", kubectl.binary,
                                                        "get", "gwag", "-w", "--request-timeout=15s"])
            defer { watch.terminateIfRunning() }
            #expect(await watch.nextLine()?.contains("APPLIEDG") == true)
            #expect(await watch.nextLine()?.hasPrefix("gateway-1") == true)
            #expect(await eventually { server.openWatchCount == 1 })
            _ = try server.store.updateStatus(.gatewayAgents, created.with(status: ["lastAppliedGen": 5, "agentVersion": "v9.9"]))
            let row = await watch.nextLine()
            #expect(row?.contains("v9.9") == true, "a watch event prints in the table's columns: \(row ?? "nil")")
        }
    }

    /// kubectl's built-in `create secret` and `create configmap` send protobuf, as client-go's
    /// typed clients do (Helm's release records too): stored as the JSON objects they encode.
    @Test func createSecretAndConfigMapSentAsProtobuf() async throws {
        try await withKubectl { server, kubectl in
            let secret = try await kubectl.run(["create", "secret", "generic", "hook", "--from-literal=token=s3cret", "--type=Opaque"])
            #expect(secret.status == 0, "\(secret.stderr)")
            let configMap = try await kubectl.run(["create", "configmap", "draft", "--from-literal=id=42"])
            #expect(configMap.status == 0, "\(configMap.stderr)")
            let protobufWrites = server.requestLog.filter { $0.isWrite && $0.code == 201 && ["secrets", "configmaps"].contains($0.resource) }
            #expect(protobufWrites.count == 2)
            let stored = try server.store.get(InstallKindsTests.secrets, namespace: "default", name: "hook")
            #expect(stored["data"] == ["token": .string(Data("s3cret".utf8).base64EncodedString())])
            #expect(stored["type"] == "Opaque")
            #expect(try server.store.get(.configMaps, namespace: "default", name: "draft")["data"] == ["id": "42"])
            let read = try await kubectl.run(["get", "secret", "hook", "-o", "jsonpath={.data.token}"])
            #expect(read.stdout == Data("s3cret".utf8).base64EncodedString(), "\(read.stderr)")
        }
    }

    @Test func applyCRDThenUseIt() async throws {
        try await withKubectl { server, kubectl in
            let crd = """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata:
                  name: widgets.example.com
                spec:
                  group: example.com
                  scope: Namespaced
                  names:
                    plural: widgets
                    singular: widget
                    kind: Widget
                    shortNames: [wd]
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema:
                        type: object
                        x-kubernetes-preserve-unknown-fields: true
                    subresources:
                      status: {}
                    additionalPrinterColumns:
                    - name: Size
                      type: integer
                      jsonPath: .spec.size

                """
            let applied = try await kubectl.run(["apply", "-f", "-"], stdin: crd)
            #expect(applied.status == 0, "\(applied.stderr)")
            let widget = """
                apiVersion: example.com/v1
                kind: Widget
                metadata:
                  name: blue
                spec:
                  size: 7

                """
            let created = try await kubectl.run(["apply", "-f", "-"], stdin: widget)
            #expect(created.status == 0, "\(created.stderr)")
            let got = try await kubectl.run(["get", "wd"])
            #expect(got.status == 0, "\(got.stderr)")
            #expect(got.stdout.contains("blue") && got.stdout.contains("SIZE") && got.stdout.contains("7"))
            #expect(try server.store.get(ResourceType(group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true),
                                         name: "blue")[path: "spec", "size"] == .int(7))
        }
    }
}
