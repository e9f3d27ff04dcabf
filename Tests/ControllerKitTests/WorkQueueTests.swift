import Foundation
import Testing
import TestSupport
@testable import ControllerKit

@Suite struct WorkQueueTests {
    @Test func dedupesAndNeverHandsOutAKeyTwiceAtOnce() async {
        let queue = WorkQueue<String>(name: "t", clock: ManualClock())
        await queue.add("a")
        await queue.add("a")
        await queue.add("b")
        #expect(await queue.depth == 2)
        #expect(await queue.next() == "a")
        await queue.add("a")  // while processing: must wait for done
        #expect(await queue.depth == 1)
        #expect(await queue.next() == "b")
        #expect(await queue.depth == 0)
        await queue.done("b")
        #expect(await queue.depth == 0)
        await queue.done("a")  // re-queued now
        #expect(await queue.depth == 1)
        #expect(await queue.next() == "a")
        await queue.done("a")
        #expect(await queue.depth == 0)
        #expect(await queue.processingCount == 0)
    }

    @Test func waitingGetterReceivesANewKey() async {
        let queue = WorkQueue<Int>(name: "t", clock: ManualClock())
        let getter = Task { await queue.next() }
        #expect(await eventually { await queue.waitingWorkers == 1 })
        await queue.add(7)
        #expect(await getter.value == 7)
    }

    @Test func earliestDeadlineWins() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock)
        let now = clock.now()
        await queue.addAfter("a", deadline: now.addingTimeInterval(10))
        await queue.addAfter("a", deadline: now.addingTimeInterval(5))
        await queue.addAfter("a", deadline: now.addingTimeInterval(20))
        #expect(await queue.deadline(of: "a") == now.addingTimeInterval(5))
        #expect(await queue.delayedCount == 1)
        await clock.waitForSleepers(1)
        #expect(clock.nextDeadline == now.addingTimeInterval(5))
        clock.advance(by: 4)
        #expect(await queue.depth == 0)
        clock.advance(by: 1)
        #expect(await queue.next() == "a")
        #expect(await queue.delayedCount == 0)
    }

    @Test func anEarlierDeadlineWakesTheTimerEarly() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock)
        let now = clock.now()
        await queue.addAfter("late", deadline: now.addingTimeInterval(100))
        await clock.waitForSleepers(1)
        await queue.addAfter("soon", deadline: now.addingTimeInterval(10))
        await clock.waitForSleepers(1)
        #expect(clock.nextDeadline == now.addingTimeInterval(10))
        clock.advance(by: 10)
        #expect(await queue.next() == "soon")
        await queue.done("soon")
        await clock.waitForSleepers(1)
        #expect(clock.nextDeadline == now.addingTimeInterval(100))
        clock.advance(by: 90)
        #expect(await queue.next() == "late")
    }

    @Test func immediateAddSupersedesADelayedEntry() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock)
        await queue.addAfter("a", delay: .seconds(30))
        await queue.add("a")
        #expect(await queue.deadline(of: "a") == nil)
        #expect(await queue.next() == "a")
        // A delay requested while the key is already queued is dropped: it runs sooner anyway.
        await queue.add("b")
        await queue.addAfter("b", delay: .seconds(30))
        #expect(await queue.deadline(of: "b") == nil)
    }

    /// A heartbeat that moves no verdict moves the gateway's staleness check: only the exact
    /// deadline asked for is moved, and only later; a key queued to run stays queued.
    @Test func postponeMovesOnlyTheDeadlineItKnows() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock)
        let now = clock.now()
        await queue.addAfter("a", deadline: now.addingTimeInterval(10))
        await clock.waitForSleepers(1)
        queue.postpone("a", from: now.addingTimeInterval(9), to: now.addingTimeInterval(25))
        #expect(await queue.deadline(of: "a") == now.addingTimeInterval(10), "not the deadline it waits for: left alone")
        queue.postpone("a", from: now.addingTimeInterval(10), to: now.addingTimeInterval(5))
        #expect(await queue.deadline(of: "a") == now.addingTimeInterval(10), "never earlier")
        queue.postpone("a", from: now.addingTimeInterval(10), to: now.addingTimeInterval(25))
        #expect(await queue.deadline(of: "a") == now.addingTimeInterval(25))
        clock.advance(by: 10)  // the timer set for 10 s wakes and finds nothing due
        await clock.waitForSleepers(1)
        #expect(await queue.depth == 0)
        #expect(clock.nextDeadline == now.addingTimeInterval(25))
        clock.advance(by: 15)
        #expect(await queue.next() == "a")
        await queue.done("a")
        // Queued to run now: a postpone does not delay it.
        await queue.add("b")
        queue.postpone("b", from: now.addingTimeInterval(25), to: now.addingTimeInterval(60))
        #expect(await queue.deadline(of: "b") == nil)
        #expect(await queue.next() == "b")
    }

    /// `postpone` is made without a hop onto the queue: it takes effect in call order before
    /// anything the queue does next (a later `addAfter` compares with the postponed deadline,
    /// and the timer set for the old one finds nothing due).
    @Test func postponeTakesEffectInCallOrder() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock)
        let now = clock.now()
        await queue.addAfter("a", deadline: now.addingTimeInterval(10))
        queue.postpone("a", from: now.addingTimeInterval(10), to: now.addingTimeInterval(25))
        await queue.addAfter("a", deadline: now.addingTimeInterval(15))
        #expect(await queue.deadline(of: "a") == now.addingTimeInterval(15), "the earlier of the postponed and the new deadline")
        await queue.addAfter("b", deadline: now.addingTimeInterval(10))
        await clock.waitForSleepers(1)
        queue.postpone("b", from: now.addingTimeInterval(10), to: now.addingTimeInterval(40))
        clock.advance(by: 10)  // the timer set for 10 s finds b postponed
        await clock.waitForSleepers(1)
        #expect(await queue.depth == 0)
        #expect(await queue.delayedCount == 2)
        clock.advance(by: 5)
        #expect(await queue.next() == "a")
        await queue.done("a")
        #expect(await queue.deadline(of: "b") == now.addingTimeInterval(40))
    }

    /// A postponed deadline is lazy (the key's heap entry is looked at again only when its old
    /// deadline surfaces), yet every key comes out at exactly its live deadline. The clock moves
    /// one second at a time, and at each step the keys handed out are the ones due then: none a
    /// step early, none a step late, whether postponed before the timer was set for the old
    /// deadline, while the timer waited for it, again after its entry had already been moved,
    /// along a chain, with a `from` it does not wait for, or then given an earlier deadline.
    @Test func postponedDeadlinesFireAtTheirInstant() async throws {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock)
        let t0 = clock.now()
        func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
        let keys = ["plain", "before", "chain", "whileWaiting", "wrongFrom", "thenEarlier", "movedTwice"]
        for key in keys { await queue.addAfter(key, deadline: at(10)) }
        await clock.waitForSleepers(1)
        queue.postpone("before", from: at(10), to: at(20))
        queue.postpone("chain", from: at(10), to: at(15))
        queue.postpone("chain", from: at(15), to: at(25))
        queue.postpone("wrongFrom", from: at(11), to: at(30))
        queue.postpone("thenEarlier", from: at(10), to: at(14))
        await queue.addAfter("thenEarlier", deadline: at(13))
        queue.postpone("movedTwice", from: at(10), to: at(20))
        let expected: [String: Int] = ["plain": 10, "wrongFrom": 10, "whileWaiting": 12, "thenEarlier": 13, "before": 20,
                                       "movedTwice": 22, "chain": 25]
        let last = expected.values.max() ?? 0
        var handedOut: [String: Int] = [:]
        for second in 1...30 {
            // Made while the clock reads `second - 1`: the timer is set for 10 s until then.
            if second == 10 { queue.postpone("whileWaiting", from: at(10), to: at(12)) }
            // Its entry was moved from 10 to 20 s when 10 s surfaced.
            if second == 12 { queue.postpone("movedTwice", from: at(20), to: at(22)) }
            clock.advance(by: 1)
            if second < last {
                await clock.waitForSleepers(1)  // the timer has dealt with `second` and sleeps again
            } else if second == last {
                #expect(await eventually { await queue.depth == 1 }, "the last key at \(second) s")
            }
            while await queue.depth > 0 {
                let key = try #require(await queue.next())
                #expect(handedOut[key] == nil, "\(key) handed out twice")
                handedOut[key] = second
                await queue.done(key)
            }
        }
        #expect(handedOut == expected)
        #expect(await queue.delayedCount == 0)
    }

    @Test func rateLimitedBackoffGrowsAndForgetResets() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock, baseDelay: .milliseconds(5), maxDelay: .seconds(1))
        let now = clock.now()
        await queue.addRateLimited("a")
        #expect(await queue.deadline(of: "a") == now.addingTimeInterval(0.005))
        #expect(await queue.numRequeues("a") == 1)
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(5))
        #expect(await queue.next() == "a")
        await queue.addRateLimited("a")  // second failure: 10 ms
        await queue.done("a")
        #expect(await queue.deadline(of: "a") == clock.now().addingTimeInterval(0.010))
        await queue.forget("a")
        #expect(await queue.numRequeues("a") == 0)
    }

    @Test func limiterDoublesUpToTheCap() {
        var limiter = ExponentialRateLimiter<String>(base: .milliseconds(5), max: .seconds(300))
        let delays = (0..<20).map { _ in limiter.when("k").timeInterval }
        #expect(abs(delays[0] - 0.005) < 1e-9)
        #expect(abs(delays[1] - 0.010) < 1e-9)
        #expect(abs(delays[10] - 5.12) < 1e-9)
        #expect(delays[19] == 300)
        #expect(limiter.numRequeues("k") == 20)
        limiter.forget("k")
        #expect(abs(limiter.when("k").timeInterval - 0.005) < 1e-9)
        var huge = ExponentialRateLimiter<Int>()
        for _ in 0..<5000 { _ = huge.when(1) }
        #expect(huge.when(1) == .seconds(300))
    }

    @Test func shutDownReleasesWaitersAndIgnoresAdds() async {
        let queue = WorkQueue<String>(name: "t", clock: ManualClock())
        let getter = Task { await queue.next() }
        #expect(await eventually { await queue.waitingWorkers == 1 })
        await queue.shutDown()
        #expect(await getter.value == nil)
        await queue.add("a")
        #expect(await queue.depth == 0)
        #expect(await queue.next() == nil)
        #expect(await queue.isShuttingDown)
    }

    @Test func cancelledGetterReturnsNil() async {
        let queue = WorkQueue<String>(name: "t", clock: ManualClock())
        let getter = Task { await queue.next() }
        #expect(await eventually { await queue.waitingWorkers == 1 })
        getter.cancel()
        #expect(await getter.value == nil)
        await queue.add("a")  // not lost to the cancelled getter
        #expect(await queue.next() == "a")
    }
}
