import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import Remediation
import Testing
import TestSupport

extension E2ETests {
    /// The operator is restarted mid-incident (a new instance on the same emulator): it reads the
    /// drafts back and keeps updating the same one, and it reads the restart budget back from the
    /// GatewayHealth status — a crash loop that used 2 restarts before gets only 1 more after.
    @Test func anOperatorRestartKeepsTheDraftAndTheRestartBudget() async throws {
        try await E2EWorld.with(gateways: 2) { world in
            let config = remediationConfig { $0.cooldown = 120; $0.inFlightTimeout = 120 }
            let gateways = ["gateway-1", "gateway-2"]
            let first = try RunningOperator.start(world, config: config, identity: "medic-a")
            let settle = Self.settler(world, first, gateways)
            try await world.advance(to: 10, settle: settle)
            try await world.simulator.crashLoop(gateway: "gateway-1", container: .dataplane)
            try await world.simulator.stopHeartbeats(gateway: "gateway-2")
            while world.evictions(of: "gateway-1") < 2 || world.ticketDrafts(of: "gateway-2").isEmpty, world.elapsed < 600 {
                try await world.advance(to: world.elapsed + 5, step: 5, settle: settle)
            }
            try #require(world.evictions(of: "gateway-1") == 2, "\(world.evictions)")
            let before = world.ticketDrafts(of: "gateway-2")
            try #require(before.count == 1 && before.first?.status == .open, "\(before.map(\.id))")
            let draftID = before.first?.id ?? ""
            #expect(world.remediationRecord("gateway-1")?.restartTimes.count == 2, "the budget used is in the status")
            await first.stop()
            let restartedAt = world.elapsed
            let logBefore = world.server.requestLog.count

            let next = try RunningOperator.start(world, config: config, identity: "medic-b")
            let resettle = Self.settler(world, next, gateways)
            #expect(await eventually(10) { next.instance.hasSynced })
            try await world.advance(to: restartedAt + 600, step: 5, settle: resettle)
            #expect(world.evictions(of: "gateway-1") == 3, "one more restart, not three: \(world.evictions)")
            let events = try await world.eventCounts(about: "gateway-1", client: next.client)
            #expect(events["RemediationExhausted"] == 1, "\(events)")
            #expect(world.ticketDrafts(of: "gateway-1").filter { $0.incident == .remediationExhausted }.count == 1)

            try await world.simulator.resumeHeartbeats(gateway: "gateway-2")
            try await world.advance(to: world.elapsed + 60, step: 5, settle: resettle)
            await Self.expectState(world, "gateway-2", .up)
            let after = world.ticketDrafts(of: "gateway-2")
            #expect(after.map(\.id) == [draftID], "the same draft, not a second one: \(after.map(\.id))")
            #expect(after.first?.status == .resolved)
            let name = ConfigMapTicketSink.configMapName(id: draftID)
            let rewrites = world.server.requestLog.dropFirst(logBefore).filter {
                $0.isWrite && $0.resource == "configmaps" && $0.name == name && $0.userAgent == RunningOperator.userAgent("medic-b")
            }
            #expect(!rewrites.isEmpty, "the new instance updated the draft it read back")
        }
    }
}
