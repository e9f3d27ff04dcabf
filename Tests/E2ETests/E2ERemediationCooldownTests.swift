import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import Remediation
import Testing
import TestSupport

/// The cooldown guard and the follower, proven by the emulator's request log.
extension E2ETests {
    /// A crash-looping dataplane needs a second restart soon after the first: it is held back until
    /// the cooldown has passed (a RemediationSkipped Event says `Cooldown: …`), then done.
    @Test func cooldownHoldsTheSecondRestartUntilItHasPassed() async throws {
        // The in-flight slot frees (120 s) well before the cooldown ends (300 s): only the cooldown
        // can be what holds the second restart.
        let config = remediationConfig { $0.cooldown = 300; $0.inFlightTimeout = 120 }
        try await Self.withOperator(config: config) { world, running in
            let settle = Self.settler(world, running, ["gateway-1", "gateway-2"])
            try await world.advance(to: 10, settle: settle)
            try await world.simulator.crashLoop(gateway: "gateway-1", container: .dataplane)
            var evictedAt: [TimeInterval] = []
            while evictedAt.count < 2, world.elapsed < 700 {
                try await world.advance(to: world.elapsed + 5, step: 5, settle: settle)
                while world.evictions(of: "gateway-1") > evictedAt.count { evictedAt.append(world.elapsed) }
            }
            try #require(evictedAt.count == 2, "two restarts within 700 s: \(world.evictions)")
            // The times the operator planned them (its record), and when the test saw them.
            let times = (world.remediationRecord("gateway-1")?.restartTimes ?? []).map { $0.timeIntervalSince(world.t0) }
            let log = world.server.requestLog.filter { $0.subresource == "eviction" }.map { "\($0.name ?? "") \($0.code)" }
            try #require(times.count == 2, "\(times) \(log)")
            let gap = times[1] - times[0]
            #expect(gap >= 300, "the second restart waited for the cooldown: planned at \(times), seen at \(evictedAt), \(log)")
            #expect(gap <= 310, "and came when it ended (the requeue at its end): planned at \(times), seen at \(evictedAt)")
            #expect(zip(times, evictedAt).allSatisfy { $0 == $1 }, "each seen in the step it was made: \(times) \(evictedAt) \(log)")
            #expect(world.evictions(of: "gateway-2") == 0)
            let events = try await world.events(about: "gateway-1")
            let cooldown = events.filter { $0.reason == "RemediationSkipped" && ($0.message ?? "").hasPrefix("Cooldown: ") }
            #expect(!cooldown.isEmpty, "\(events.map { "\($0.reason ?? ""): \($0.message ?? "")" })")
        }
    }

    /// Two instances with leader election and restarts on: only the leader evicts and writes
    /// drafts; the follower's requests (told apart by their User-Agent) hold no eviction and no
    /// ConfigMap, GatewayHealth or Event write.
    @Test func onlyTheLeaderRestartsAndWritesTickets() async throws {
        try await E2EWorld.with(gateways: 2) { world in
            let config = remediationConfig(leaderElection: true) { $0.cooldown = 120; $0.inFlightTimeout = 120 }
            let a = try RunningOperator.start(world, config: config, identity: "medic-a")
            let b = try RunningOperator.start(world, config: config, identity: "medic-b")
            #expect(await eventually(10) { a.instance.isLeader != b.instance.isLeader })
            let (leader, follower) = a.instance.isLeader ? (a, b) : (b, a)
            let gateways = ["gateway-1", "gateway-2"]
            // Both instances catch up, and every clock sleeper (informer watchdogs, elector) is
            // parked again, so a lease renewal is never outrun by the test moving time.
            let settle: () async -> Void = {
                let ok = await eventually(10) {
                    let one = await leader.caughtUp(world, gateways: gateways)
                    let two = await follower.caughtUp(world, gateways: gateways)
                    return one && two && world.clock.sleeperCount >= 16
                }
                if !ok { Issue.record("the instances did not catch up within 10 s at t+\(world.elapsed)s") }
                await leader.instance.ticketsDelivered()
                await follower.instance.ticketsDelivered()
            }
            try await world.advance(to: 10, settle: settle)
            try await world.simulator.crashLoop(gateway: "gateway-1", container: .dataplane)
            try await world.simulator.stopHeartbeats(gateway: "gateway-2")
            try await world.advance(to: 300, step: 5, settle: settle)
            #expect(leader.instance.isLeader && !follower.instance.isLeader, "no handover happened")

            let log = world.server.requestLog
            let leaderAgent = RunningOperator.userAgent(leader.instance.identity)
            let followerAgent = RunningOperator.userAgent(follower.instance.identity)
            let evictions = log.filter { $0.verb == "create" && $0.subresource == "eviction" }
            #expect(evictions.count >= 1 && evictions.allSatisfy { $0.userAgent == leaderAgent },
                    "\(evictions.map { "\($0.name ?? "") by \($0.userAgent)" })")
            #expect(world.ticketDrafts(of: "gateway-2").count == 1, "the leader wrote the KEEPALIVE_FAIL draft")
            let ticketWrites = log.filter { $0.isWrite && $0.resource == "configmaps" }
            #expect(!ticketWrites.isEmpty && ticketWrites.allSatisfy { $0.userAgent == leaderAgent })
            let followerRequests = log.filter { $0.userAgent == followerAgent }
            #expect(!followerRequests.isEmpty, "the follower's requests are in the log under its own User-Agent")
            let followerWrites = followerRequests.filter { $0.isWrite && $0.resource != "leases" }
            #expect(followerWrites.isEmpty, "\(followerWrites.map { "\($0.verb) \($0.resource)/\($0.subresource ?? "")" })")
            #expect(await follower.instance.writeCounts().evaluations > 0, "the follower evaluates all the same")
        }
    }
}
