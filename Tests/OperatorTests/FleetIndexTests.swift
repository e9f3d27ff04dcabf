import Testing
import KubeAPI
import HealthModel
@testable import OperatorRuntime

@Suite struct FleetIndexTests {
    func gateway(_ name: String, ip: String) -> GatewayView {
        GatewayView(json: ["metadata": ["name": .string(name), "namespace": "default"], "spec": ["protocolIP": .string(ip + "/32")]])
    }
    func pod(_ name: String, owner: String) -> PodView {
        PodView(json: ["metadata": ["name": .string(name), "namespace": "fab",
                                    "ownerReferences": [["apiVersion": "apps/v1", "kind": "DaemonSet", "name": .string(owner), "uid": "u"]]],
                       "status": ["phase": "Running"]])
    }
    func leaf(_ name: String, sessionTo routerID: String) -> SwitchAgentView {
        SwitchAgentView(json: ["metadata": ["name": .string(name), "namespace": "default"],
                               "status": ["state": ["bgpNeighbors": ["default": ["172.31.0.1": ["state": "established", "remoteRouterID": .string(routerID)]]]]]])
    }

    @Test func podsAndLeavesReachOnlyTheirGateway() {
        var index = FleetIndex()
        index.upsert(gateway: gateway("gateway-1", ip: "172.30.8.1"))
        index.upsert(gateway: gateway("gateway-2", ip: "172.30.8.2"))
        let g1 = ObjectKey(namespace: "default", name: "gateway-1")
        #expect(index.upsert(pod: pod("gw--gateway-1--frr-abcde", owner: "gw--gateway-1--frr")) == [g1])
        #expect(index.upsert(pod: pod("unrelated", owner: "something-else")).isEmpty)
        #expect(index.upsert(switchAgent: leaf("leaf-01", sessionTo: "172.30.8.1")) == [g1])
        #expect(index.inputs(for: g1).pods.map(\.name) == ["gw--gateway-1--frr-abcde"])
        #expect(index.inputs(for: ObjectKey(namespace: "default", name: "gateway-2")).pods.isEmpty)
        // A leaf that moves its session to another gateway affects both: the old one lost evidence.
        #expect(Set(index.upsert(switchAgent: leaf("leaf-01", sessionTo: "172.30.8.2"))) ==
                [g1, ObjectKey(namespace: "default", name: "gateway-2")])
        index.removeGateway(g1)
        #expect(index.upsert(pod: pod("gw--gateway-1--frr-abcde", owner: "gw--gateway-1--frr")).isEmpty)
    }

    /// A gateway's inputs carry the leaves that report a session with its router ID, and the
    /// fleet's Agent count (so "no switch Agents exist" still means the whole fleet has none).
    @Test func inputsCarryOnlyTheLeavesThatSeeTheGateway() {
        var index = FleetIndex()
        index.upsert(gateway: gateway("gateway-1", ip: "172.30.8.1"))
        index.upsert(gateway: gateway("gateway-2", ip: "172.30.8.2"))
        let g1 = ObjectKey(namespace: "default", name: "gateway-1")
        let g2 = ObjectKey(namespace: "default", name: "gateway-2")
        index.upsert(switchAgent: leaf("leaf-02", sessionTo: "172.30.8.1"))
        index.upsert(switchAgent: leaf("leaf-01", sessionTo: "172.30.8.1"))
        index.upsert(switchAgent: leaf("leaf-03", sessionTo: "172.30.8.9"))
        #expect(index.inputs(for: g1).switchAgents.map(\.name) == ["leaf-01", "leaf-02"])
        #expect(index.inputs(for: g1).switchAgentCount == 3)
        #expect(index.inputs(for: g2).switchAgents.isEmpty)
        #expect(index.inputs(for: g2).switchAgentCount == 3)
        // The session moves: the index follows; a removed Agent leaves it.
        index.upsert(switchAgent: leaf("leaf-02", sessionTo: "172.30.8.2"))
        #expect(index.inputs(for: g1).switchAgents.map(\.name) == ["leaf-01"])
        #expect(index.inputs(for: g2).switchAgents.map(\.name) == ["leaf-02"])
        index.removeSwitchAgent(ObjectKey(namespace: "default", name: "leaf-01"))
        #expect(index.inputs(for: g1).switchAgents.isEmpty)
        #expect(index.inputs(for: g1).switchAgentCount == 2)
        // A wholesale replacement (the one-shot check) rebuilds the index.
        index.setSwitchAgents([leaf("leaf-09", sessionTo: "172.30.8.1")], visible: true)
        #expect(index.inputs(for: g1).switchAgents.map(\.name) == ["leaf-09"])
        #expect(index.inputs(for: g2).switchAgents.isEmpty)
    }
}
