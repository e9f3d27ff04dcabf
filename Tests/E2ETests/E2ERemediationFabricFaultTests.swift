import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import Remediation
import Testing

/// Issue 17, acceptance 1: fault attribution before any restart, end to end on the simulated
/// fabric (docs/remediation.md §2.1). Evictions are counted in the emulator's request log.
extension E2ETests {
    /// Leaf maintenance — every leaf stale, every gateway's sessions idle while its heartbeat stays
    /// fresh, for longer than the BGP-down restart window — restarts nothing, and each gateway's
    /// Events say the leaves are down. When the leaves come back but one gateway's sessions stay
    /// down while the leaves hold sessions with the other gateway, frr is restarted once, after
    /// the rule's whole window counted from the fabric's recovery.
    @Test func leafMaintenanceRestartsNothingAndOneGatewayDownAloneRestartsFRROnce() async throws {
        try await Self.withOperator(config: remediationConfig()) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            let sim = world.simulator
            let leaves = sim.leafNames
            #expect(leaves == ["leaf-01", "leaf-02"] && sim.leaves(gateway: "gateway-1") == leaves && sim.leaves(gateway: "gateway-2") == leaves)
            try await world.advance(to: 10, settle: settle)
            await Self.expectState(world, "gateway-1", .up)

            try await sim.startLeafMaintenance(leaves: leaves)
            #expect(await sim.isBGPEstablished(gateway: "gateway-1") == false)
            // Twice the window (120 s) and more: every leaf stale long since.
            try await world.advance(to: 400, step: 5, settle: settle)
            #expect(world.evictions.isEmpty, "no restart during a leaf maintenance: \(world.evictions)")
            for gateway in gateways {
                await Self.expectState(world, gateway, .up)
                let bgp = world.health(gateway)?[path: "status", "evidence", "bgpEstablished"]?.intValue
                #expect(bgp == 0, "\(gateway)'s sessions are down, its heartbeat fresh")
                let skipped = try await world.events(about: gateway).filter { $0.reason == "RemediationSkipped" }
                let fault = skipped.filter { ($0.message ?? "").hasPrefix("FabricFault: ") }
                #expect(fault.count == 1, "one Event per episode: \(skipped.map { $0.message ?? "" })")
                let message = fault.first?.message ?? ""
                #expect(message.contains("the leaves at the other end of \(gateway) are down"), "\(message)")
                #expect(message.contains("leaf-01 (stale since ") && message.contains("leaf-02 (stale since "), "\(message)")
                #expect(fault.first?.involvedObject.kind == "GatewayAgent")
                let record = world.remediationRecord(gateway)
                #expect(record?.restartTimes.isEmpty != false && record?.exhaustedAt == nil, "no budget spent")
                #expect(record?.lastSkip == .fabricFault)
            }

            // The leaves come back; gateway-1's sessions do not (its frr is stuck now).
            try await sim.bgpDown(gateway: "gateway-1")
            let recovered = world.elapsed
            try await sim.endLeafMaintenance(leaves: leaves)
            while world.evictions.isEmpty, world.elapsed < recovered + 300 {
                try await world.advance(to: world.elapsed + 5, step: 5, settle: settle)
            }
            let evictedAt = world.elapsed
            #expect(world.evictions.count == 1 && world.evictions.first?.hasPrefix("gw--gateway-1--frr") == true, "\(world.evictions)")
            #expect(evictedAt >= recovered + 120, "the window starts again when the leaves are back: evicted at t+\(evictedAt), leaves back at t+\(recovered)")
            // The new frr process brings the sessions up.
            try await sim.bgpUp(gateway: "gateway-1")
            try await world.advance(to: evictedAt + 300, step: 5, settle: settle)
            #expect(world.evictions.count == 1, "frr restarted once: \(world.evictions)")
            await Self.expectState(world, "gateway-1", .up)
            await Self.expectState(world, "gateway-2", .up)
            let events = try await world.eventCounts(about: "gateway-1", client: running.client)
            #expect(events["PodRestarted"] == 1, "\(events)")
            #expect(try await world.events(about: "gateway-2").filter { $0.reason == "PodRestarted" }.isEmpty)
        }
    }
}
