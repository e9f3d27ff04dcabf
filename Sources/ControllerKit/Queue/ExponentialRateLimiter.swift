import Foundation
import Scheduling

/// Per-key exponential backoff for failed reconciles: `base · 2^n`, capped at `max`, where n is
/// the number of failures since the key last succeeded (client-go's item exponential limiter).
public struct ExponentialRateLimiter<Key: Hashable & Sendable>: Sendable {
    public let base: Duration
    public let max: Duration
    private var failures: [Key: Int] = [:]

    public init(base: Duration = .milliseconds(5), max: Duration = .seconds(300)) {
        self.base = base
        self.max = max
    }

    /// The delay before the next retry of `key`; counts one more failure.
    public mutating func when(_ key: Key) -> Duration {
        let n = failures[key, default: 0]
        failures[key] = n + 1
        return Self.delay(base: base, max: max, failures: n)
    }

    /// Clears the failure count of `key` (after a success or a terminal error).
    public mutating func forget(_ key: Key) { failures.removeValue(forKey: key) }

    public func numRequeues(_ key: Key) -> Int { failures[key, default: 0] }

    /// Keys with a failure count (each is forgotten on its next success).
    public var trackedCount: Int { failures.count }

    static func delay(base: Duration, max: Duration, failures n: Int) -> Duration {
        Backoff(initial: base, factor: 2, cap: max).delay(afterFailures: n + 1)
    }
}
