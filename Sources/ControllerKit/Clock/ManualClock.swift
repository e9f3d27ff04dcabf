import Foundation
import Locking

/// A clock that moves only when told to. Tests, the demo and the benchmark use it to run
/// time-based logic (backoff, requeues, leases, spam filters) without real sleeps.
///
/// `advance(by:)` and `set(_:)` wake every sleeper whose deadline has passed, earliest deadline
/// first. `waitForSleepers(_:)` lets a test wait until the tasks under test have parked on the
/// clock, which is how a test knows that "nothing else will happen until time moves".
public final class ManualClock: RuntimeClock, @unchecked Sendable {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        /// Ids whose task was cancelled before the sleeper was registered.
        var cancelledEarly: Set<UInt64> = []
        var sleeperWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

        mutating func takeSatisfiedWaiters() -> [CheckedContinuation<Void, Never>] {
            let count = sleepers.count
            let ready = sleeperWaiters.filter { $0.count <= count }.map(\.continuation)
            sleeperWaiters.removeAll { $0.count <= count }
            return ready
        }
    }

    private let state: Locked<State>

    /// Starts at `start`; the default is a fixed instant so tests are reproducible.
    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        state = Locked(State(now: start))
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// How many tasks are currently parked in `sleep(until:)`.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline any sleeper waits for.
    public var nextDeadline: Date? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Outcome { case cancelled, due, parked([CheckedContinuation<Void, Never>]) }
                let outcome = state.withLock { s -> Outcome in
                    if s.cancelledEarly.remove(id) != nil { return .cancelled }
                    if deadline <= s.now { return .due }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return .parked(s.takeSatisfiedWaiters())
                }
                switch outcome {
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .due: continuation.resume()
                case .parked(let waiters): waiters.forEach { $0.resume() }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> Sleeper? in
                if let sleeper = s.sleepers.removeValue(forKey: id) { return sleeper }
                s.cancelledEarly.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes the sleepers that are due, earliest first.
    public func advance(by duration: Duration) {
        advance(by: duration.timeInterval)
    }

    public func advance(by seconds: TimeInterval) {
        let target = state.withLock { $0.now.addingTimeInterval(max(0, seconds)) }
        set(target)
    }

    /// Jumps to the earliest sleeper's deadline (no-op without sleepers).
    public func advanceToNextDeadline() {
        if let next = nextDeadline { set(next) }
    }

    /// Sets the time (it may move backwards: a wall clock can) and wakes the sleepers that are due.
    public func set(_ date: Date) {
        let due = state.withLock { s -> [Sleeper] in
            s.now = date
            let ids = s.sleepers.filter { $0.value.deadline <= date }
                .sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
                .map(\.key)
            return ids.compactMap { s.sleepers.removeValue(forKey: $0) }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Returns once at least `count` tasks are parked on this clock.
    public func waitForSleepers(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.sleepers.count >= count { return true }
                s.sleeperWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
