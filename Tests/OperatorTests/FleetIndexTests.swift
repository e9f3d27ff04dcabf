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
}
