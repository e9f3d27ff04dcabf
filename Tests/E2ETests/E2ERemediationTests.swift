import ControllerKit
import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import Remediation
import Testing

/// Issue 5's acceptance, end to end: the operator over HTTPS against the emulator, the simulated
/// fabric, a ManualClock. Evictions are counted in the emulator's request log.
extension E2ETests {
    @Test func stuckFRRIsEvictedOnceAndTheGatewayComesBack() async throws {
        try await Self.withOperator(config: remediationConfig()) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            try await world.advance(to: 10, settle: settle)
            await Self.expectState(world, "gateway-1", .up)
            try await world.simulator.stickFRR(gateway: "gateway-1")
            _ = try await world.simulator.bumpGeneration(gateway: "gateway-1")
            var unstuck = false
            while world.elapsed < 400 {
                try await world.advance(to: world.elapsed + 5, step: 5, settle: settle)
                // The new frr pod comes up healthy: the fault was in the old process.
                if !unstuck, world.evictions(of: "gateway-1") == 1 {
                    try await world.simulator.unstickFRR(gateway: "gateway-1")
                    unstuck = true
                }
            }
            #expect(world.evictions.count == 1, "evictions: \(world.evictions)")
            #expect(world.evictions.first?.hasPrefix("gw--gateway-1--frr") == true)
            await Self.expectState(world, "gateway-1", .up)
            let record = world.remediationRecord("gateway-1")
            #expect(record?.lastAction?.result == .evicted && record?.lastAction?.role == .frr)
            let events = try await world.eventCounts(about: "gateway-1", client: running.client)
            #expect(events["PodRestarted"] == 1, "\(events)")
        }
    }

    @Test func crashLoopingDataplaneIsRestartedThreeTimesThenExhaustedWithATicket() async throws {
        let config = remediationConfig { $0.cooldown = 120; $0.inFlightTimeout = 120 }
        try await Self.withOperator(config: config) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            try await world.advance(to: 10, settle: settle)
            await Self.expectState(world, "gateway-1", .up)
            try await world.simulator.crashLoop(gateway: "gateway-1", container: .dataplane)
            try await world.advance(to: 1200, step: 10, settle: settle)
            #expect(world.evictions(of: "gateway-1") == 3, "evictions: \(world.evictions)")
            #expect(world.evictions(of: "gateway-2") == 0)
            let events = try await world.eventCounts(about: "gateway-1", client: running.client)
            #expect(events["RemediationExhausted"] == 1, "\(events)")
            #expect(world.remediationRecord("gateway-1")?.exhaustedAt != nil)
            let drafts = world.ticketDrafts(of: "gateway-1")
            #expect(drafts.contains { $0.incident == .remediationExhausted && $0.status == .open }, "\(drafts.map(\.id))")
        }
    }

    @Test func keepaliveAndConfigFailuresOpenTicketsWithoutEvictionAndRecoveryResolvesThem() async throws {
        try await Self.withOperator(config: remediationConfig()) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            let sim = world.simulator
            try await world.advance(to: 10, settle: settle)
            try await sim.stopHeartbeats(gateway: "gateway-1")
            try await sim.rejectConfig(gateway: "gateway-2")
            _ = try await sim.bumpGeneration(gateway: "gateway-2")
            try await world.advance(to: 120, step: 5, settle: settle)
            await Self.expectState(world, "gateway-1", .keepaliveFail)
            #expect(world.ticketDrafts().isEmpty, "no draft before 2 min of the state")
            try await world.advance(to: 400, step: 5, settle: settle)
            await Self.expectState(world, "gateway-2", .configFail)
            let one = world.ticketDrafts(of: "gateway-1")
            let two = world.ticketDrafts(of: "gateway-2")
            #expect(one.count == 1 && one.first?.incident == .keepaliveFail && one.first?.status == .open)
            #expect(two.count == 1 && two.first?.incident == .configFail && two.first?.status == .open)
            #expect(world.evictions.isEmpty, "never restarted: \(world.evictions)")

            try await sim.resumeHeartbeats(gateway: "gateway-1")
            try await world.advance(to: 460, step: 5, settle: settle)
            await Self.expectState(world, "gateway-1", .up)
            let resolved = world.ticketDrafts(of: "gateway-1")
            #expect(resolved.count == 1 && resolved.first?.status == .resolved && resolved.first?.resolvedAt != nil)
            let map = try? world.server.store.get(.configMaps, namespace: "default",
                                                  name: ConfigMapTicketSink.configMapName(id: resolved.first?.id ?? ""))
            #expect(map?[path: "metadata", "labels", "gatewaymedic.io/ticket-status"]?.stringValue == "resolved")
            #expect(map?[path: "data", "ticket.md"]?.stringValue?.contains("resolved") == true)
            #expect(world.evictions.isEmpty)
        }
    }
}
