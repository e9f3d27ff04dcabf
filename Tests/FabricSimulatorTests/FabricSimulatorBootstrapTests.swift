import FabricSimulator
import Foundation
import HedgehogResources
import KubeAPI
import Testing

@Suite("FabricSimulator bootstrap")
struct FabricSimulatorBootstrapTests {
    @Test func createsEveryObjectOfTheFabric() async throws {
        let f = try await SimulatedFabric.make(gateways: 4)
        #expect(await f.store.count(.gateways) == 4)
        #expect(await f.store.count(.gatewayAgents) == 4)
        #expect(await f.store.count(.gatewayGroups) == 3)  // default + gw-group-1, gw-group-2
        #expect(await f.store.count(.gatewayPeerings) == 2)
        #expect(await f.store.count(.switchAgents) == 2)
        #expect(await f.store.count(.pods) == 8)
        #expect(try await f.store.get(.gatewayGroups, namespace: "default", name: "default") != nil)
        #expect(f.simulator.groupNames == ["gw-group-1", "gw-group-2"])
    }

    @Test func gatewayCarriesHedgehogFieldNames() async throws {
        let f = try await SimulatedFabric.make()
        let gw = try #require(try await f.store.get(.gateways, namespace: "default", name: "gateway-1"))
        #expect(gw["apiVersion"] == "gateway.githedgehog.com/v1alpha1")
        #expect(gw[path: "spec", "protocolIP"] == "172.30.8.1/32")
        #expect(gw[path: "spec", "vtepIP"]?.stringValue?.hasSuffix("/32") == true)
        #expect(gw[path: "spec", "asn"] == 65534)
        let neighbors = try #require(gw[path: "spec", "neighbors"]?.arrayValue)
        #expect(neighbors.count == 2)
        for n in neighbors {
            #expect(n["ip"]?.stringValue != nil && n["asn"]?.intValue != nil && n["source"]?.stringValue != nil)
        }
        #expect(gw[path: "spec", "groups"] == [["name": "gw-group-1", "priority": 20]])
        let backup = try #require(try await f.store.get(.gateways, namespace: "default", name: "gateway-2"))
        #expect(backup[path: "spec", "groups"] == [["name": "gw-group-1", "priority": 10]])
        #expect(f.simulator.routerID(gateway: "gateway-1") == "172.30.8.1")
    }

    @Test func gatewayAgentHasSpecAndNoStatus() async throws {
        let f = try await SimulatedFabric.make()
        let agent = try #require(try await f.agent("gateway-3"))
        #expect(agent["apiVersion"] == "gwint.githedgehog.com/v1alpha1")
        #expect(agent[path: "metadata", "generation"] == 1)
        #expect(agent["status"] == nil)
        #expect(agent[path: "spec", "gateway", "protocolIP"] == "172.30.8.3/32")
        let members = try #require(agent[path: "spec", "groups", "gw-group-2", "members"]?.arrayValue)
        #expect(members.map { $0["name"] } == ["gateway-3", "gateway-4"])
        #expect(members.allSatisfy { $0["vtepIP"]?.stringValue != nil && $0["priority"]?.intValue != nil })
        #expect(agent[path: "spec", "peerings", "vpc-02--vpc-03", "gatewayGroup"] == "gw-group-2")
        #expect(agent[path: "spec", "vpcs", "vpc-02", "vni"]?.intValue != nil)
        let peering = try #require(try await f.store.get(.gatewayPeerings, namespace: "default", name: "vpc-01--vpc-02"))
        #expect(peering[path: "spec", "gatewayGroup"] == "gw-group-1")
        #expect(peering[path: "spec", "peering", "vpc-01", "expose"]?.arrayValue?.isEmpty == false)
    }

    @Test func podsLookLikeDaemonSetPods() async throws {
        let f = try await SimulatedFabric.make()
        let dataplaneName = try #require(await f.simulator.podName(gateway: "gateway-2", pod: .dataplane))
        #expect(dataplaneName.hasPrefix("gw--gateway-2--dataplane-"))
        #expect(dataplaneName.count == "gw--gateway-2--dataplane-".count + 5)
        let dataplane = try #require(try await f.pod(dataplaneName))
        #expect(dataplane[path: "metadata", "namespace"] == "fab")
        let owner = try #require(dataplane[path: "metadata", "ownerReferences"]?.arrayValue?.first)
        #expect(owner["kind"] == "DaemonSet")
        #expect(owner["name"] == "gw--gateway-2--dataplane")
        #expect(owner["controller"] == true)
        #expect(dataplane[path: "spec", "nodeName"] == "gateway-2")
        #expect(dataplane[path: "status", "phase"] == "Running")
        let ready = dataplane[path: "status", "conditions"]?.arrayValue?.first { $0["type"] == "Ready" }
        #expect(ready?["status"] == "True")
        let container = try #require(dataplane[path: "status", "containerStatuses"]?.arrayValue?.first)
        #expect(container["name"] == "dataplane")
        #expect(container["ready"] == true)
        #expect(container["restartCount"] == 0)
        #expect(container[path: "state", "running", "startedAt"]?.time == f.t0)

        let frr = try #require(try await f.pod(await f.simulator.podName(gateway: "gateway-2", pod: .frr)))
        #expect(frr[path: "metadata", "name"]?.stringValue?.hasPrefix("gw--gateway-2--frr-") == true)
        #expect(frr[path: "status", "containerStatuses"]?.arrayValue?.map { $0["name"] } == ["frr", "frr-exporter"])
        #expect(frr[path: "metadata", "ownerReferences"]?.arrayValue?.first?["name"] == "gw--gateway-2--frr")
    }

    @Test func leavesAreSwitchAgents() async throws {
        let f = try await SimulatedFabric.make()
        #expect(f.simulator.leafNames == ["leaf-01", "leaf-02"])
        let leaf = try #require(try await f.store.get(.switchAgents, namespace: "default", name: "leaf-01"))
        #expect(leaf["apiVersion"] == "agent.githedgehog.com/v1beta1")
        #expect(leaf["kind"] == "Agent")
    }

    @Test func sameSeedSameFabricOtherSeedOtherNames() async throws {
        let a = try await SimulatedFabric.make(seed: 42)
        let b = try await SimulatedFabric.make(seed: 42)
        let c = try await SimulatedFabric.make(seed: 43)
        let nameA = await a.simulator.podName(gateway: "gateway-1", pod: .frr)
        #expect(nameA == (await b.simulator.podName(gateway: "gateway-1", pod: .frr)))
        #expect(nameA != (await c.simulator.podName(gateway: "gateway-1", pod: .frr)))
    }

    @Test func rejectsBadSpecsAndSecondBootstrap() async throws {
        let store = InMemoryFabricStore()
        #expect(throws: FabricSimulatorError.invalidSpec(field: "gatewayCount", reason: "must be between 1 and 20000, got 0")) {
            _ = try FabricSimulator(spec: FabricSpec(gatewayCount: 0), store: store, startTime: Date())
        }
        #expect(throws: FabricSimulatorError.self) {
            _ = try FabricSimulator(spec: FabricSpec(gatewayNamespace: "Fab_NS"), store: store, startTime: Date())
        }
        let f = try await SimulatedFabric.make()
        await #expect(throws: FabricSimulatorError.alreadyBootstrapped) { try await f.simulator.bootstrap(now: f.t0) }
        let idle = try FabricSimulator(spec: FabricSpec(), store: store, startTime: Date())
        await #expect(throws: FabricSimulatorError.notBootstrapped) { try await idle.step(now: Date()) }
        #expect(await idle.nextEventTime() == nil)
    }
}
