import Foundation

/// The time source everything in the runtime reasons with. Injected so that tests, the demo and
/// the simulator can run time faster, slower or by hand.
public protocol RuntimeClock: Sendable {
    func now() -> Date
    /// Returns at or after `deadline` (immediately when it has passed); throws `CancellationError`
    /// when the calling task is cancelled first.
    func sleep(until deadline: Date) async throws
}

extension RuntimeClock {
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now().addingTimeInterval(duration.timeInterval))
    }
}

/// Wall-clock time.
public struct SystemClock: RuntimeClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds <= 0 { try Task.checkCancellation(); return }
        try await Task.sleep(for: .seconds(seconds))
    }
}

/// Real time multiplied by `factor` (2 = twice as fast), starting at `start`: the demo and the
/// simulator use it to show minutes of fabric behaviour in seconds.
public struct ScaledClock: RuntimeClock {
    public let factor: Double
    private let start: Date
    private let realStart: ContinuousClock.Instant

    /// `factor` must be positive; a non-positive factor is treated as 1 (real time).
    public init(factor: Double, start: Date = Date()) {
        self.factor = factor > 0 && factor.isFinite ? factor : 1
        self.start = start
        self.realStart = ContinuousClock.now
    }

    public func now() -> Date {
        let elapsed = (ContinuousClock.now - realStart).timeInterval
        return start.addingTimeInterval(elapsed * factor)
    }

    public func sleep(until deadline: Date) async throws {
        let scaled = deadline.timeIntervalSince(now())
        if scaled <= 0 { try Task.checkCancellation(); return }
        try await Task.sleep(for: .seconds(scaled / factor))
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`, attoseconds included.
    public var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
