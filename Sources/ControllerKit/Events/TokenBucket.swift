import Foundation

/// A token bucket: `burst` tokens, refilled at one per `refillInterval`. The spam filter keeps
/// one per involved object (client-go: burst 25, one token per 300 s).
struct TokenBucket: Sendable {
    let burst: Double
    let refillInterval: TimeInterval
    private(set) var tokens: Double
    private var last: Date

    init(burst: Int, refillInterval: TimeInterval, now: Date) {
        self.burst = Double(max(1, burst))
        self.refillInterval = max(0.001, refillInterval)
        self.tokens = self.burst
        self.last = now
    }

    /// Takes a token if one is available at `now`.
    mutating func take(now: Date) -> Bool {
        let elapsed = max(0, now.timeIntervalSince(last))
        tokens = min(burst, tokens + elapsed / refillInterval)
        last = max(last, now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
