import ControllerKit
import FabricSimulator
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import Locking
@testable import OperatorRuntime
import Testing
import TestSupport

extension E2ETests {
    /// Acceptance 4: two instances, one leader; a crashed leader is replaced within the lease
    /// time; nothing is written twice.
    @Test func twoInstancesOneWriterAndHandoverAfterACrash() async throws {
        try await E2EWorld.with(gateways: 2) { world in
            let config = e2eConfig(leaderElection: true)
            let a = try RunningOperator.start(world, config: config, identity: "medic-a")
            let b = try RunningOperator.start(world, config: config, identity: "medic-b")
            let gateways = ["gateway-1", "gateway-2"]
            func holder() -> String? {
                (try? world.server.store.get(.leases, namespace: "default", name: "gateway-medic"))?[path: "spec", "holderIdentity"]?.stringValue
            }
            func renewedRecently() -> Bool {
                let lease = try? world.server.store.get(.leases, namespace: "default", name: "gateway-medic")
                guard let text = lease?[path: "spec", "renewTime"]?.stringValue, let renewed = KubeTime.parse(text) else { return false }
                // A renewal is due every 2 s; one that finished while the test moved time sleeps 2 s from
                // then, so up to ~6 s can pass between renewals. Far below the 15 s lease.
                return world.clock.now().timeIntervalSince(renewed) <= 6
            }
            #expect(await eventually(10) { a.instance.isLeader != b.instance.isLeader })
            let (leader, follower) = a.instance.isLeader ? (a, b) : (b, a)
            #expect(holder() == leader.instance.identity)
            // Each step waits for both to catch up and for the leader's renewal to land, so the
            // follower never sees a lease go stale merely because the test moved time quickly.
            let leaderAlive = Locked(true)
            // Leader election runs on the shared ManualClock but its rounds are real HTTP calls:
            // after each step wait until every task has parked on the clock again (per instance:
            // six informer watchdogs, the elector, the queue's timer), so a renewal or a campaign
            // round is never outrun by the test moving time.
            let settle: () async -> Void = {
                let expected = leaderAlive.current ? 16 : 8
                let ok = await eventually(5) {
                    let caughtUp = await leader.caughtUp(world, gateways: gateways) || !leaderAlive.current
                    let follows = await follower.caughtUp(world, gateways: gateways)
                    return caughtUp && follows && world.clock.sleeperCount >= expected
                }
                if !ok { print("leader test: settle timed out at t=\(world.elapsed) sleepers=\(world.clock.sleeperCount) renewed=\(renewedRecently())") }
            }
            try await world.advance(to: 10, settle: settle)
            await Self.expectState(world, "gateway-1", .up)
            try await world.simulator.stopHeartbeats(gateway: "gateway-1")
            try await world.advance(to: 70, settle: settle)
            await Self.expectState(world, "gateway-1", .keepaliveFail)
            let followerBefore = await follower.instance.writeCounts()
            #expect(followerBefore.creates == 0 && followerBefore.statusWrites == 0 && followerBefore.events == 0)
            #expect(followerBefore.evaluations > 0, "the follower evaluates with warm caches")
            let leaderWrites = await leader.instance.writeCounts()
            #expect(leaderWrites.creates == 2)

            // The leader crashes: no release; the follower must wait for the lease to expire.
            await leader.crash()
            leaderAlive.withLock { $0 = false }
            let crashedAt = world.elapsed
            while !follower.instance.isLeader, world.elapsed < crashedAt + 40 {
                try await world.advance(to: world.elapsed + 1, settle: settle)
            }
            #expect(follower.instance.isLeader)
            let handover = world.elapsed - crashedAt
            // The follower sees the leader's last renewal on its next round, up to one candidate
            // wait (2 s × (1 + 1.2) = 4.4 s) after the crash; the lease expires 15 s after that, and
            // the round that notices comes up to one more wait later; the test moves in 1 s steps.
            #expect(handover >= 9, "the lease (15 s) was respected: the last renewal was at most ~6 s before the crash")
            #expect(handover <= 4.4 + 15 + 4.4 + 1, "handover took \(handover) s")
            #expect(holder() == follower.instance.identity)
            try await world.advance(to: world.elapsed + 3, settle: settle)
            let takeover = await follower.instance.writeCounts()
            #expect(takeover.creates == 0 && takeover.statusWrites == 0 && takeover.events == 0,
                    "nothing changed, so the new leader rewrote nothing: \(takeover)")

            try await world.simulator.resumeHeartbeats(gateway: "gateway-1")
            try await world.advance(to: world.elapsed + 20, settle: settle)
            await Self.expectState(world, "gateway-1", .up)
            let counts = try await world.eventCounts(about: "gateway-1", client: follower.client)
            // gateway-1's stale heartbeat cost gw-group-1 its redundancy, on both members (§3.11).
            #expect(counts == ["GatewayWaiting": 1, "GatewayUp": 2, "KeepaliveFail": 1, "RedundancyLost": 1, "RedundancyRestored": 1], "\(counts)")
            let other = try await world.eventCounts(about: "gateway-2", client: follower.client)
            #expect(other == ["GatewayWaiting": 1, "GatewayUp": 1, "RedundancyLost": 1, "RedundancyRestored": 1], "\(other)")
            let statusPatches = world.server.requestLog.filter { $0.verb == "patch" && $0.subresource == "status" && $0.code < 300 }
            let total = leaderWrites.statusWrites + (await follower.instance.writeCounts().statusWrites)
            #expect(statusPatches.count == total, "every accepted status write was made by the leader of the moment")

            await follower.stop()
            #expect(holder() == nil || holder() == "", "a clean shutdown releases the lease")
        }
    }

    /// Acceptance 5: a dry run writes nothing and prints every write it would have made.
    @Test func dryRunWritesNothingAndPrintsWhatItWould() async throws {
        let lines = Locked<[String]>([])
        try await Self.withOperator(config: e2eConfig(leaderElection: true, dryRun: true),
                                    output: { line in lines.withLock { $0.append(line) } }) { world, running in
            let settle: () async -> Void = {
                _ = await eventually(5) { await running.caughtUp(world, gateways: ["gateway-1", "gateway-2"]) }
            }
            try await world.advance(to: 10, settle: settle)
            try await world.simulator.stopHeartbeats(gateway: "gateway-1")
            try await world.advance(to: 70, step: 5, settle: settle)
            #expect(world.server.writeCount == 0)
            #expect(world.health("gateway-1") == nil)
            #expect((try? world.server.store.list(.leases, namespace: "default"))?.items.isEmpty ?? true, "a dry run takes no lease")
            let printed = lines.current
            #expect(printed.contains { $0.contains("would create GatewayHealth default/gateway-1") })
            #expect(printed.contains { $0.contains("would patch GatewayHealth default/gateway-1 status") && $0.contains("UP") })
            #expect(printed.contains { $0.contains("would patch GatewayHealth default/gateway-1 status: UP → KEEPALIVE_FAIL") })
            #expect(printed.contains { $0.contains("would create Event") && $0.contains("KeepaliveFail") })
            #expect(printed.filter { $0.contains("KeepaliveFail") }.count == 1, "one transition, one line: \(printed)")
            #expect(printed.allSatisfy { !$0.contains("\n") })
            let state = await running.instance.assessments()[ObjectKey(namespace: "default", name: "gateway-1")]?.state
            #expect(state == .keepaliveFail)
        }
    }

    /// Acceptance 6: the same Event 100 times is one object with count 100.
    @Test func repeatedEventIsOneObjectWithCount() async throws {
        try await E2EWorld.with(gateways: 1) { world in
            let client = try world.client()
            defer { client.shutdown() }
            let recorder = EventRecorder(sink: ClientEventSink(client: client), component: "gateway-medic", host: "e2e",
                                         clock: world.clock)
            let agent = try world.server.store.get(.gatewayAgents, namespace: "default", name: "gateway-1")
            let reference = ObjectReference(apiVersion: "gwint.githedgehog.com/v1alpha1", kind: "GatewayAgent", name: "gateway-1",
                                            namespace: "default", uid: agent[path: "metadata", "uid"]?.stringValue)
            for _ in 0..<100 {
                world.clock.advance(by: 1)
                await recorder.record(involved: reference, type: .warning, reason: "GatewayDown", message: "heartbeat lost")
            }
            let events = try await world.events(about: "gateway-1", client: client)
            #expect(events.count == 1)
            #expect(events.first?.count == 100)
            #expect(events.first?.lastTimestamp != events.first?.firstTimestamp)
        }
    }
}
