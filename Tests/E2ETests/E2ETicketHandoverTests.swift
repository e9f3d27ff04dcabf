import FabricSimulator
import Foundation
import HedgehogResources
import KubeAPI
import Locking
@testable import OperatorRuntime
import Remediation
import Testing
import TestSupport

extension E2ETests {
    /// Acceptance 4: handover with open drafts. Two instances start together (so the follower
    /// read no drafts at its start); the leader opens drafts for two gateways and crashes; one
    /// gateway is deleted before the follower takes over. The new leader continues the other
    /// gateway's draft (same id, same openedAt), resolves it, reopens it on a recurrence within
    /// the reopen window and resolves it again; it resolves the deleted gateway's draft; and it
    /// expires both. One create per draft in the emulator's request log, none refused.
    /// (Before, drafts were read only at process start: the new leader opened the draft again
    /// with a new openedAt, and the deleted gateway's draft stayed open for ever.)
    @Test func aNewLeaderContinuesResolvesAndExpiresTheDraftsOfTheOldOne() async throws {
        try await E2EWorld.with(gateways: 2) { world in
            var config = e2eConfig(leaderElection: true)
            config.remediation.resolvedTicketTTL = 900  // expiry within the test
            let a = try RunningOperator.start(world, config: config, identity: "medic-a")
            let b = try RunningOperator.start(world, config: config, identity: "medic-b")
            let gateways = ["gateway-1", "gateway-2"]
            #expect(await eventually(10) { a.instance.isLeader != b.instance.isLeader })
            let (leader, follower) = a.instance.isLeader ? (a, b) : (b, a)
            let leaderAlive = Locked(true)
            // As in twoInstancesOneWriterAndHandoverAfterACrash: after each step both instances
            // catch up and their tasks park on the shared clock again (per instance six informer
            // watchdogs and the elector; the queue's timer only while a recheck is due, which a
            // follower of two KEEPALIVE_FAIL gateways has not). A renewal round still in flight
            // when time moves only delays that renewal (≤ 7 s apart with 5 s steps; the lease is
            // 15 s). Then the ticket writes have landed.
            let settle: () async -> Void = {
                let expected = leaderAlive.current ? 14 : 7
                let ok = await eventually(5) {
                    let caughtUp = await leader.caughtUp(world, gateways: gateways) || !leaderAlive.current
                    let follows = await follower.caughtUp(world, gateways: gateways)
                    return caughtUp && follows && world.clock.sleeperCount >= expected
                }
                if !ok { print("ticket handover test: settle timed out at t=\(world.elapsed) sleepers=\(world.clock.sleeperCount)") }
                if leaderAlive.current { await leader.instance.ticketsDelivered() }
                await follower.instance.ticketsDelivered()
            }
            func drafts(_ gateway: String) -> [TicketDraft] { world.ticketDrafts(of: gateway) }
            func configMapWrites(_ verb: String) -> [String] {
                world.server.requestLog.filter { $0.resource == "configmaps" && $0.verb == verb }.map { "\($0.code) \($0.info.userAgent)" }
            }

            try await world.advance(to: 10, settle: settle)
            for gateway in gateways { try await world.simulator.stopHeartbeats(gateway: gateway) }
            // Stale after 45 s: KEEPALIVE_FAIL; a draft once that has lasted ticketAfter (120 s).
            try await world.advance(to: 200, step: 5, settle: settle)
            let opened = try #require(drafts("gateway-1").first)
            #expect(drafts("gateway-1").count == 1 && opened.status == .open)
            #expect(drafts("gateway-2").count == 1 && drafts("gateway-2").first?.status == .open)
            #expect(await follower.instance.ticketDrafts().isEmpty, "the follower read no drafts at its start")

            // The leader crashes; gateway-2 is deleted before anyone leads again.
            await leader.crash()
            leaderAlive.withLock { $0 = false }
            _ = try world.server.store.delete(.gatewayAgents, namespace: "default", name: "gateway-2")
            _ = try world.server.store.delete(.gateways, namespace: "default", name: "gateway-2")
            let crashedAt = world.elapsed
            while !follower.instance.isLeader, world.elapsed < crashedAt + 40 {
                try await world.advance(to: world.elapsed + 1, settle: settle)
            }
            #expect(follower.instance.isLeader)
            let tookOver = Date(timeIntervalSince1970: world.clock.now().timeIntervalSince1970.rounded(.down))
            try await world.advance(to: world.elapsed + 5, step: 5, settle: settle)

            // Continued: same id, same openedAt; still open, one draft.
            let continued = try #require(drafts("gateway-1").first)
            #expect(drafts("gateway-1").count == 1)
            #expect(continued.id == opened.id && continued.openedAt == opened.openedAt && continued.status == .open)
            // The deleted gateway's draft is resolved by the new leader.
            let orphan = try #require(drafts("gateway-2").first)
            #expect(orphan.status == .resolved, "the deleted gateway's draft is resolved")
            let orphanResolvedAt = try #require(orphan.resolvedAt)
            #expect(orphanResolvedAt >= tookOver)

            // Resolved when the gateway is UP again.
            try await world.simulator.resumeHeartbeats(gateway: "gateway-1")
            try await world.advance(to: world.elapsed + 30, step: 5, settle: settle)
            let resolved = try #require(drafts("gateway-1").first)
            #expect(resolved.id == opened.id && resolved.openedAt == opened.openedAt && resolved.status == .resolved)

            // A recurrence within the reopen window (600 s) reopens the same draft.
            try await world.simulator.stopHeartbeats(gateway: "gateway-1")
            try await world.advance(to: world.elapsed + 200, step: 5, settle: settle)
            let reopened = try #require(drafts("gateway-1").first)
            #expect(drafts("gateway-1").count == 1, "no second draft: \(drafts("gateway-1").map(\.id))")
            #expect(reopened.id == opened.id && reopened.openedAt == opened.openedAt && reopened.status == .open)
            try await world.simulator.resumeHeartbeats(gateway: "gateway-1")
            try await world.advance(to: world.elapsed + 30, step: 5, settle: settle)
            let resolvedAgain = try #require(drafts("gateway-1").first)
            #expect(resolvedAgain.status == .resolved)
            let resolvedAt = try #require(resolvedAgain.resolvedAt)

            // Both expire on the leader, resolvedTicketTTL after their resolution.
            let lastExpiry = max(resolvedAt, orphanResolvedAt).addingTimeInterval(config.remediation.resolvedTicketTTL)
            try await world.advance(to: lastExpiry.timeIntervalSince(world.t0) + 5, step: 5, settle: settle)
            #expect(world.ticketDrafts().isEmpty, "expired: \(world.ticketDrafts().map(\.id))")

            let creates = configMapWrites("create")
            #expect(creates.count == 2, "one create per draft: \(creates)")
            #expect(creates.allSatisfy { $0.hasPrefix("201") && $0.contains("(\(leader.instance.identity))") }, "\(creates)")
            let refused = world.server.requestLog.filter { $0.resource == "configmaps" && $0.code == 409 }
            #expect(refused.isEmpty, "no refused request: \(refused.map(\.path))")
            let deletes = configMapWrites("delete")
            #expect(deletes.count == 2 && deletes.allSatisfy { $0.contains("(\(follower.instance.identity))") }, "\(deletes)")
        }
    }
}
