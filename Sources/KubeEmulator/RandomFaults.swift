import KubeAPI

/// SplitMix64: a small, fast generator whose whole sequence follows from its seed. The same seed
/// injects the same failures in the same order (a failing fault test can be replayed), and the
/// simulated fabric replays identically.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
}

/// "Every matching request fails with probability `fraction`", with a status drawn from
/// `statuses`. A 429 carries `Retry-After` when `retryAfter` is set (as an overloaded API server's
/// priority-and-fairness rejection does).
struct RandomFaultRule: Sendable {
    var fraction: Double
    var statuses: [Int]
    var retryAfter: Int?
    var matcher: RequestMatcher
    var random: SplitMix64
    /// How many requests this rule failed.
    var injected = 0

    /// A failure for this request, or nil to let it through.
    mutating func draw(_ info: RequestInfo) -> FaultRule? {
        guard matcher.matches(info), !statuses.isEmpty else { return nil }
        let roll = random.unit()
        let pick = Int(random.next() % UInt64(statuses.count))
        guard roll < fraction else { return nil }
        injected += 1
        let status = statuses[pick]
        return FaultRule(remaining: 1, status: status, retryAfter: status == 429 ? retryAfter : nil, matcher: matcher)
    }
}

/// Something that happens just before a matching request is handled: another client's write
/// that wins the race against it (e.g. a concurrent writer bumping a resourceVersion).
struct Interleaving: Sendable {
    var remaining: Int
    var matcher: RequestMatcher
    var action: @Sendable (RequestInfo) -> Void
}
