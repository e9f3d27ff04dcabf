import Foundation
import Locking
@testable import ControllerKit
import Testing

@Suite struct ManualClockTests {
    @Test func sleeperWakesOnlyWhenItsDeadlinePasses() async throws {
        let clock = ManualClock()
        let start = clock.now()
        let woke = Locked<[Int]>([])
        let a = Task { try await clock.sleep(until: start.addingTimeInterval(10)); woke.withLock { $0.append(10) } }
        let b = Task { try await clock.sleep(until: start.addingTimeInterval(5)); woke.withLock { $0.append(5) } }
        await clock.waitForSleepers(2)
        #expect(clock.nextDeadline == start.addingTimeInterval(5))
        clock.advance(by: 4.9)
        #expect(clock.sleeperCount == 2)
        clock.advance(by: .milliseconds(100))
        try await b.value
        #expect(woke.current == [5])
        #expect(clock.sleeperCount == 1)
        clock.advanceToNextDeadline()
        try await a.value
        #expect(woke.current == [5, 10])
        #expect(clock.now() == start.addingTimeInterval(10))
    }

    @Test func pastDeadlineReturnsAtOnce() async throws {
        let clock = ManualClock()
        try await clock.sleep(until: clock.now())
        try await clock.sleep(until: clock.now().addingTimeInterval(-5))
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellationThrowsAndUnregisters() async {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(for: .seconds(60)) }
        await clock.waitForSleepers(1)
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(clock.sleeperCount == 0)
    }

    @Test func setMovesTimeAndWakesDueSleepers() async throws {
        let clock = ManualClock()
        let target = clock.now().addingTimeInterval(100)
        let task = Task { try await clock.sleep(until: target) }
        await clock.waitForSleepers(1)
        clock.set(target.addingTimeInterval(1))
        try await task.value
        #expect(clock.now() == target.addingTimeInterval(1))
    }

    @Test func scaledClockRunsFaster() async throws {
        let clock = ScaledClock(factor: 100_000)
        let start = clock.now()
        try await clock.sleep(until: start.addingTimeInterval(100))  // ~1 ms of real time
        #expect(clock.now() >= start.addingTimeInterval(100))
        #expect(ScaledClock(factor: -3).factor == 1)
    }

    @Test func durationConvertsToSeconds() {
        #expect(Duration.milliseconds(1500).timeInterval == 1.5)
        #expect(Duration.seconds(300).timeInterval == 300)
    }
}
