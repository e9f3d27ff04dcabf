import FabricSimulator
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
@testable import OperatorRuntime
import Testing

/// Issue 17: a Gateway without a GatewayAgent is not invisible to `run`. It gets its
/// GatewayHealth — WAITING, then DOWN `NeverReported`; DOWN `AgentMissing` once its GatewayAgent
/// existed and went away — and its Events are raised on the Gateway.
extension E2ETests {
    @Test func aGatewayWithoutAGatewayAgentGetsItsHealthAndEventsOnTheGateway() async throws {
        try await Self.withOperator { world, running in
            let settle = Self.settler(world, running, ["gateway-1", "gateway-2"])
            try await world.advance(to: 10, settle: settle)
            // Someone creates a Gateway; the fabric controller never makes its GatewayAgent.
            let user = try world.client(userAgent: "kubectl-e2e")
            defer { user.shutdown() }
            _ = try await user.create(.gateways, namespace: "default", body: [
                "apiVersion": .string(ResourceType.gateways.apiVersion), "kind": "Gateway",
                "metadata": ["name": "gateway-9", "namespace": "default"],
                "spec": ["protocolIP": "172.30.8.9/32", "asn": 65534, "neighbors": [["source": "enp2s1", "ip": "172.31.9.0", "asn": 65100]]],
            ])
            // Its pods run (a dataplane that cannot find its GatewayAgent reports nothing).
            for (role, containers) in [("dataplane", ["dataplane"]), ("frr", ["frr", "frr-exporter"])] {
                let started = JSONValue.string(KubeTime.format(world.clock.now()))
                var pod = try world.server.store.create(.pods, [
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": ["name": .string("gw--gateway-9--\(role)-x9x9x"), "namespace": "fab",
                                 "ownerReferences": [["apiVersion": "apps/v1", "kind": "DaemonSet", "name": .string("gw--gateway-9--\(role)"),
                                                      "uid": .string("ds-9-\(role)"), "controller": true]]],
                    "spec": ["nodeName": "gateway-9", "containers": .array(containers.map { ["name": .string($0), "image": "x"] })],
                ], namespace: "fab")
                pod["status"] = ["phase": "Running",
                                 "conditions": [["type": "Ready", "status": "True", "lastTransitionTime": started]],
                                 "containerStatuses": .array(containers.map { ["name": .string($0), "ready": true, "restartCount": 0,
                                                                               "state": ["running": ["startedAt": started]]] })]
                _ = try world.server.store.updateStatus(.pods, pod, namespace: "fab")
            }
            await settle()
            await Self.expectState(world, "gateway-9", .waiting)
            let health = world.health("gateway-9")
            #expect(health?[path: "status", "reason"]?.stringValue == "AwaitingFirstHeartbeat")
            let owner = health?[path: "metadata", "ownerReferences"]?.arrayValue?.first
            let gatewayUID = (try? world.server.store.get(.gateways, namespace: "default", name: "gateway-9"))?[path: "metadata", "uid"]?.stringValue
            #expect(owner?["kind"]?.stringValue == "Gateway" && owner?["uid"]?.stringValue == gatewayUID && gatewayUID != nil,
                    "owned by the Gateway: \(String(describing: owner))")
            let heartbeat = health?[path: "status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "Heartbeat" }
            #expect(heartbeat?["reason"]?.stringValue == "AgentMissing")

            // Past the startup grace (300 s from the Gateway's creation).
            try await world.advance(to: 320, step: 10, settle: settle)
            await Self.expectState(world, "gateway-9", .down)
            #expect(world.health("gateway-9")?[path: "status", "reason"]?.stringValue == "NeverReported")
            let events = try await world.events(about: "gateway-9")
            #expect(events.allSatisfy { $0.involvedObject.kind == "Gateway" && $0.involvedObject.uid == gatewayUID },
                    "\(events.map(\.involvedObject))")
            #expect(Set(events.compactMap(\.reason)).isSuperset(of: ["GatewayWaiting", "GatewayDown"]), "\(events.map(\.reason))")
            #expect(events.contains { $0.reason == "GatewayDown" && ($0.message ?? "").contains("NeverReported") })

            // gateway-2's GatewayAgent is deleted; the garbage collector takes the GatewayHealth it owned.
            _ = try world.server.store.delete(.gatewayAgents, namespace: "default", name: "gateway-2")
            await settle()
            await Self.expectState(world, "gateway-2", .down)
            #expect(world.health("gateway-2")?[path: "status", "reason"]?.stringValue == "AgentMissing")
            _ = try world.server.store.delete(.gatewayHealths, namespace: "default", name: "gateway-2")
            await settle()
            await Self.expectState(world, "gateway-2", .down)
            let recreated = world.health("gateway-2")
            #expect(recreated?[path: "status", "reason"]?.stringValue == "AgentMissing", "it existed: not NeverReported")
            #expect(recreated?[path: "metadata", "ownerReferences"]?.arrayValue?.first?["kind"]?.stringValue == "Gateway")
            let two = try await world.events(about: "gateway-2")
            let down = two.filter { $0.reason == "GatewayDown" }
            #expect(down.count == 1 && down.first?.involvedObject.kind == "Gateway" && (down.first?.message ?? "").contains("AgentMissing"),
                    "\(two.map { "\($0.involvedObject.kind ?? ""): \($0.reason ?? ""): \($0.message ?? "")" })")
        }
    }
}
