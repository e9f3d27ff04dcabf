import FabricSimulator
import Foundation
import HedgehogResources
import KubeAPI
import Locking
import Testing

@Suite("FabricSimulator heartbeats and config")
struct FabricSimulatorHeartbeatTests {
    @Test func dataplaneWritesInitStatusThenAppliesTheGeneration() async throws {
        let f = try await SimulatedFabric.make()
        try await f.step(to: 0.9)
        #expect(try await f.agentStatus("gateway-1") == nil)  // never reported yet

        try await f.step(to: 1)  // the dataplane starts at t0 + 1
        let initial = try #require(try await f.agentStatus("gateway-1"))
        #expect(initial["lastAppliedGen"] == 0)
        #expect(initial["lastAppliedTime"] == "1970-01-01T00:00:00Z")
        #expect(initial["lastHeartbeat"]?.time == f.at(1))
        #expect(initial[path: "state", "bgp"] == nil)
        #expect(initial[path: "state", "frr"] == nil)

        try await f.step(to: 2)  // applyDelay later
        let applied = try #require(try await f.agentStatus("gateway-1"))
        #expect(applied["lastAppliedGen"] == 1)
        #expect(applied["lastAppliedTime"]?.time == f.at(2))
        #expect(applied["agentVersion"]?.stringValue != nil)
        #expect(applied[path: "state", "frr", "lastAppliedGen"] == 1)
        #expect(applied[path: "state", "dataplane", "version"]?.stringValue != nil)
        #expect(applied[path: "state", "lastCollectedTime"]?.time == f.at(2))
        let neighbors = try #require(applied[path: "state", "bgp", "vrfs", "default", "neighbors"]?.objectValue)
        #expect(neighbors.count == 2)
        for (_, n) in neighbors {
            #expect(n["sessionState"] == "established")
            #expect(n["enabled"] == true)
            #expect(n["localAS"] == 65534)
            #expect(n["establishedTransitions"] == 1)
            #expect(n["connectionsDropped"] == 0)
            #expect(n[path: "ipv4UnicastPrefixes", "received"]?.intValue ?? 0 > 0)
        }
        #expect(applied[path: "state", "vpcs", "vpc-01"]?["p"] != nil)
        #expect(applied[path: "state", "peerings", "vpc-01->vpc-02"]?["bps"] != nil)
        #expect(await f.statusWrites(.gatewayAgents, name: "gateway-1").count == 2)
    }

    @Test func steadyFabricWritesExactlyOneHeartbeatPerGatewayPerInterval() async throws {
        let f = try await SimulatedFabric.make(gateways: 6, spread: 15)
        try await f.step(to: 60)
        await f.store.clearWrites()
        try await f.step(to: 60 + 10 * 15)
        let writes = await f.store.writes()
        for name in f.simulator.gatewayNames {
            let mine = writes.filter { $0.resource == .gatewayAgents && $0.name == name }
            #expect(mine.count == 10, "\(name) wrote \(mine.count) times")
            #expect(mine.allSatisfy { $0.verb == .updateStatus })
        }
        for leaf in f.simulator.leafNames {
            #expect(writes.filter { $0.resource == .switchAgents && $0.name == leaf }.count == 10)
        }
        // Nothing else changes in a steady fabric: no pod, Gateway or spec writes.
        #expect(writes.count == 10 * (6 + f.simulator.leafNames.count))
        #expect(await f.simulator.errorCount == 0)
    }

    @Test func heartbeatsAreSpacedByTheInterval() async throws {
        let f = try await SimulatedFabric.make(gateways: 1)
        try await f.step(to: 20)
        let first = try #require(try await f.agentStatus("gateway-1")?["lastHeartbeat"]?.time)
        #expect(first == f.at(16))  // started at 1, beats at 16, 31, …
        let next = try #require(await f.simulator.nextEventTime())
        #expect(next > f.at(20))
        try await f.step(to: 31)
        #expect(try await f.agentStatus("gateway-1")?["lastHeartbeat"]?.time == f.at(31))
    }

    @Test func generationBumpIsAppliedOnTheNextWrite() async throws {
        let f = try await SimulatedFabric.make()
        try await f.step(to: 10)
        let generation = try await f.simulator.bumpGeneration(gateway: "gateway-2", now: f.at(10))
        #expect(generation == 2)
        #expect(try await f.agent("gateway-2")?[path: "metadata", "generation"] == 2)
        #expect(try await f.agentStatus("gateway-2")?["lastAppliedGen"] == 1)
        try await f.step(to: 11)
        let status = try #require(try await f.agentStatus("gateway-2"))
        #expect(status["lastAppliedGen"] == 2)
        #expect(status["lastAppliedTime"]?.time == f.at(11))
        #expect(status[path: "state", "frr", "lastAppliedGen"] == 2)
        #expect(status["lastHeartbeat"]?.time == f.at(11))
    }

    @Test func carrierCountersGrowBackupStaysIdle() async throws {
        let f = try await SimulatedFabric.make()
        try await f.step(to: 16)
        let early = try #require(try await f.agentStatus("gateway-1")?[path: "state", "peerings", "vpc-01->vpc-02"])
        try await f.step(to: 31)
        let later = try #require(try await f.agentStatus("gateway-1")?[path: "state", "peerings", "vpc-01->vpc-02"])
        #expect((later["p"]?.intValue ?? 0) > (early["p"]?.intValue ?? 0))
        #expect((later["b"]?.intValue ?? 0) > (early["b"]?.intValue ?? 0))
        #expect(later["d"] == 0)
        #expect((later["pps"]?.doubleValue ?? 0) > 0)
        #expect((try await f.agentStatus("gateway-1")?[path: "state", "vpcs", "vpc-01", "p"]?.intValue ?? 0) > 0)
        let backup = try #require(try await f.agentStatus("gateway-2")?[path: "state", "peerings", "vpc-01->vpc-02"])
        #expect(backup["p"] == 0)
        #expect(backup["pps"]?.doubleValue == 0)
        #expect(await f.simulator.activeGateway(group: "gw-group-1") == "gateway-1")
    }

    @Test func leavesReportSessionsWithTheGatewaysRouterID() async throws {
        let f = try await SimulatedFabric.make()
        try await f.step(to: 40)
        let sessions = try await f.leafSessions()
        for name in f.simulator.gatewayNames {
            let gateway = try #require(try await f.store.get(.gateways, namespace: "default", name: name))
            let protocolIP = try #require(gateway[path: "spec", "protocolIP"]?.stringValue)
            let links = try await f.gatewayLinkIPs(name)
            #expect(links.count == 2)
            for ip in links {
                let session = try #require(sessions[ip], "no leaf session for \(name) at \(ip)")
                #expect(session["state"] == "established")
                #expect(session["remoteRouterID"]?.stringValue == String(protocolIP.dropLast(3)))
                #expect(session["estabTrans"] == 1)
                #expect(session["connDropped"] == 0)
                #expect(session["lastEstab"]?.time != nil)
            }
        }
        let leaf = try #require(try await f.leafStatus("leaf-01"))
        #expect(leaf["lastHeartbeat"]?.time != nil)
        #expect(leaf["conditions"] == [])
    }

    @Test func runDrivesTheSimulationWithAnInjectedClock() async throws {
        let f = try await SimulatedFabric.make(gateways: 2)
        let clock = SimulatedTestClock(f.t0)
        try await f.simulator.run(until: f.at(40), sleep: { clock.set($0) }, now: { clock.now })
        #expect(await f.simulator.currentTime == f.at(40))
        #expect(await f.statusWrites(.gatewayAgents, name: "gateway-1").count == 4)  // init, apply, 16, 31
    }

    @Test func manyGatewaysHeartbeatOnSchedule() async throws {
        let f = try await SimulatedFabric.make(gateways: 500, spread: 15, sweep: nil)
        try await f.step(to: 20)
        await f.store.clearWrites()
        try await f.step(to: 50)
        #expect(await f.statusWrites(.gatewayAgents).count == 1000)
        #expect((2000...2500).contains(await f.simulator.gatewayStatusWrites))
    }
}

/// A clock the test moves by hand; `sleep` jumps it forward.
final class SimulatedTestClock: Sendable {
    private let value: Locked<Date>
    init(_ start: Date) { value = Locked(start) }
    var now: Date { value.current }
    func set(_ t: Date) { value.withLock { $0 = t } }
}

@Suite("FabricSimulator external spec changes")
struct FabricSimulatorExternalChangeTests {
    @Test func specChangedByAnotherWriterIsAppliedAfterTheNextWriteOrAHint() async throws {
        let f = try await SimulatedFabric.make()
        try await f.step(to: 10)
        for name in ["gateway-1", "gateway-2"] {
            var agent = try #require(try await f.agent(name))
            agent["spec"]?["vpcs"] = [:]
            _ = try await f.store.update(.gatewayAgents, agent)
        }
        try await f.simulator.generationChanged(gateway: "gateway-2", generation: 2, now: f.at(10))
        try await f.step(to: 11)
        #expect(try await f.agentStatus("gateway-2")?["lastAppliedGen"] == 2)  // hinted: applied at once
        #expect(try await f.agentStatus("gateway-1")?["lastAppliedGen"] == 1)
        try await f.step(to: 17)  // learns generation 2 from its heartbeat at 16, applies at 17
        #expect(try await f.agentStatus("gateway-1")?["lastAppliedGen"] == 2)
    }
}
