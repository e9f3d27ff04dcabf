import Foundation

/// Exponential backoff, the one in the code base: `initial · factor^(n−1)` after the n-th
/// consecutive failure, capped. Request retries (`RetryPolicy`), watch reconnects (the informer),
/// failed reconciles (the work queue's per-key limiter) and webhook deliveries all take their
/// waits from it, each with its own numbers.
///
/// Used as a value that counts failures itself (`nextDelay(now:)`), it also stretches each wait
/// by a random fraction in [0, jitter) and forgets the failures after a quiet period: client-go's
/// and kube-rs's reconnect backoff (800 ms, ×2, jitter, 30 s cap, reset after 2 minutes).
public struct Backoff: Sendable {
    public var initial: Duration
    public var factor: Double
    public var cap: Duration
    /// `nextDelay` stretches the delay by a random fraction in [0, jitter).
    public var jitter: Double
    /// `nextDelay` forgets the failures after this long without one.
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

    /// The wait after `failures` consecutive failures (1 = the first), without jitter:
    /// `initial · factor^(failures−1)`, at most `cap`.
    public func delay(afterFailures failures: Int) -> Duration {
        let seconds = seconds(afterFailures: failures)
        return seconds >= Self.seconds(cap) ? cap : .seconds(seconds)
    }

    /// The delay before the next attempt after a failure at `now`, jittered; counts the failure.
    public mutating func nextDelay(now: Date) -> Duration {
        if let lastFailure, now.timeIntervalSince(lastFailure) >= Self.seconds(resetAfter) { failures = 0 }
        lastFailure = now
        failures += 1
        let stretched = seconds(afterFailures: failures) * (1 + max(0, jitter) * random())
        return .seconds(min(Self.seconds(cap), stretched))
    }

    public mutating func reset() {
        failures = 0
        lastFailure = nil
    }

    // 2^n leaves Double's useful range long before it matters: the cap wins first.
    private func seconds(afterFailures failures: Int) -> Double {
        Self.seconds(initial) * pow(max(factor, 1), Double(min(max(failures - 1, 0), 1000)))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
