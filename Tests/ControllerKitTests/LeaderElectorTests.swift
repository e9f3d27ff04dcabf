import Foundation
import KubeAPI
import Testing
@testable import ControllerKit
import TestSupport

func elector(_ identity: String, store: InMemoryLeaseStore, clock: ManualClock,
             releaseOnCancel: Bool = true) throws -> LeaderElector {
    try LeaderElector(config: LeaderElectionConfig(namespace: "ns", name: "lock", identity: identity,
                                                   releaseOnCancel: releaseOnCancel),
                      store: store, clock: clock, random: { 0 })  // candidates retry every 2 s exactly
}

/// Advances the clock in `step`s, letting `sleepers` tasks park in between, until `done` or `limit`.
func advance(_ clock: ManualClock, sleepers: Int, step: TimeInterval, limit: TimeInterval,
             until done: () -> Bool) async -> Bool {
    var elapsed = 0.0
    while elapsed < limit {
        await clock.waitForSleepers(sleepers)
        if done() { return true }
        clock.advance(by: step)
        elapsed += step
    }
    await clock.waitForSleepers(sleepers)
    return done()
}

@Suite struct LeaderElectorTests {
    @Test func validatesTimings() {
        func config(_ lease: Int, _ renew: Int, _ retry: Int) -> LeaderElectionConfig {
            LeaderElectionConfig(namespace: "ns", name: "lock", identity: "me", leaseDuration: .seconds(lease),
                                 renewDeadline: .seconds(renew), retryPeriod: .seconds(retry))
        }
        #expect(throws: Never.self) { try config(15, 10, 2).validate() }
        #expect(throws: LeaderElectionError.self) { try config(10, 10, 2).validate() }
        #expect(throws: LeaderElectionError.self) { try config(15, 2, 2).validate() }
        #expect(throws: LeaderElectionError.self) { try config(15, 10, 0).validate() }
        #expect(LeaderElectionConfig.defaultIdentity().contains("_"))
        #expect(LeaderElectionConfig.defaultIdentity() != LeaderElectionConfig.defaultIdentity())
    }

    @Test func exactlyOneOfTwoLeadsAndTheOtherTakesOverAfterExpiry() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock()
        let a = try elector("a", store: store, clock: clock, releaseOnCancel: false)
        let b = try elector("b", store: store, clock: clock, releaseOnCancel: false)
        let runA = Task { await a.run() }
        let runB = Task { await b.run() }
        await clock.waitForSleepers(2)
        #expect(a.isLeader != b.isLeader)
        let (leader, standby, leaderRun, standbyRun) = a.isLeader ? (a, b, runA, runB) : (b, a, runB, runA)

        // Several renewals: leadership stays put.
        _ = await advance(clock, sleepers: 2, step: 2, limit: 20) { false }
        #expect(leader.isLeader && !standby.isLeader)
        let held = try #require(await store.lease()?.spec)
        #expect(held.holderIdentity == leader.identity)

        // The leader stops renewing without releasing (a crash).
        leaderRun.cancel()
        await leaderRun.value
        let renewText = try #require(await store.lease()?.spec?.renewTime)
        let lastRenew = try #require(KubeTime.parse(renewText))
        #expect(await advance(clock, sleepers: 1, step: 1, limit: 30) { standby.isLeader })
        let takeover = clock.now().timeIntervalSince(lastRenew)
        #expect(takeover >= 15 && takeover <= 15 + 2 + 2, "took over \(takeover) s after the last renewal")
        let lease = try #require(await store.lease()?.spec)
        #expect(lease.holderIdentity == standby.identity)
        #expect(lease.leaseTransitions == 1)
        standbyRun.cancel()
        await standbyRun.value
    }

    @Test func releaseLetsTheStandbyTakeOverImmediately() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock()
        let a = try elector("a", store: store, clock: clock)
        let runA = Task { await a.run() }
        await clock.waitForSleepers(1)
        #expect(a.isLeader)
        let b = try elector("b", store: store, clock: clock)
        var changes = await b.leadershipChanges().makeAsyncIterator()
        #expect(await changes.next() == false)
        let runB = Task { await b.run() }
        await clock.waitForSleepers(2)
        #expect(!b.isLeader)

        runA.cancel()  // clean shutdown: releases
        await runA.value
        #expect(!a.isLeader)
        let released = try #require(await store.lease()?.spec)
        #expect(released.holderIdentity == nil)
        #expect(released.leaseDurationSeconds == 1)

        let start = clock.now()
        #expect(await advance(clock, sleepers: 1, step: 1, limit: 5) { b.isLeader })
        #expect(clock.now().timeIntervalSince(start) <= 2)  // the next retry, not 15 s
        #expect(await changes.next() == true)
        runB.cancel()
        await runB.value
        #expect(await store.lease()?.spec?.holderIdentity == nil)
    }

    @Test func leaderStepsDownWhenRenewalsFailPastTheDeadline() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock()
        let a = try elector("a", store: store, clock: clock)
        let runA = Task { await a.run() }
        await clock.waitForSleepers(1)
        #expect(a.isLeader)
        await store.setFailing(true)
        let outageStart = clock.now()
        #expect(await advance(clock, sleepers: 1, step: 2, limit: 30) { !a.isLeader })
        let lost = clock.now().timeIntervalSince(outageStart)
        #expect(lost >= 10 && lost <= 12, "stepped down after \(lost) s")
        // Back online: it campaigns and, holding the lease itself, gets it back.
        await store.setFailing(false)
        #expect(await advance(clock, sleepers: 1, step: 2, limit: 10) { a.isLeader })
        runA.cancel()
        await runA.value
    }

    @Test func staleWritesConflictAndAreRetried() async throws {
        let store = InMemoryLeaseStore()
        let clock = ManualClock()
        // Someone else holds the lease with an old renewal; our first update races with theirs.
        _ = try await store.create(Lease(metadata: ObjectMeta(name: "lock", namespace: "ns"),
                                         spec: LeaseSpec(holderIdentity: "ghost", leaseDurationSeconds: 15)))
        var stale = try #require(await store.lease())
        stale.metadata.resourceVersion = "0"
        await #expect(throws: LeaseStoreError.self) { try await store.update(stale) }

        let start = clock.now()
        let a = try elector("a", store: store, clock: clock)
        let runA = Task { await a.run() }
        #expect(await advance(clock, sleepers: 1, step: 2, limit: 30) { a.isLeader })
        #expect(clock.now().timeIntervalSince(start) >= 15)  // waited for the ghost's lease
        #expect(await store.lease()?.spec?.leaseTransitions == 1)
        runA.cancel()
        await runA.value
    }
}
