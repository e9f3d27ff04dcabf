import Foundation

/// Reconnect backoff for list/watch failures: `initial · factor^n` with random jitter, capped,
/// and forgotten after a quiet period (client-go / kube-rs: 800 ms, ×2, jitter, 30 s cap,
/// reset after 2 minutes without errors).
public struct Backoff: Sendable {
    public var initial: Duration
    public var factor: Double
    public var cap: Duration
    /// The delay is stretched by a random fraction in [0, jitter).
    public var jitter: Double
    public var resetAfter: Duration
    private var failures = 0
    private var lastFailure: Date?
    private let random: @Sendable () -> Double

    public init(initial: Duration = .milliseconds(800), factor: Double = 2, cap: Duration = .seconds(30),
                jitter: Double = 0.5, resetAfter: Duration = .seconds(120),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.initial = initial
        self.factor = factor
        self.cap = cap
        self.jitter = jitter
        self.resetAfter = resetAfter
        self.random = random
    }

    /// The delay before the next attempt after a failure at `now`.
    public mutating func nextDelay(now: Date) -> Duration {
        if let lastFailure, now.timeIntervalSince(lastFailure) >= resetAfter.timeInterval { failures = 0 }
        lastFailure = now
        let base = initial.timeInterval * pow(factor, Double(min(failures, 64)))
        failures += 1
        let stretched = base * (1 + max(0, jitter) * random())
        return .seconds(min(cap.timeInterval, stretched))
    }

    public mutating func reset() {
        failures = 0
        lastFailure = nil
    }
}
