import KubeAPI

/// Fault-matrix controls: failures at a rate, a concurrent writer that wins races, token
/// rotation, and whether the server is listening.
extension EmulatedAPIServer {
    /// From now on each request matching `matching` fails with probability `fraction` (0...1),
    /// with a status drawn uniformly from `statuses` (a Status body; `Retry-After: retryAfter`
    /// on a 429). `seed` makes the sequence of failures reproducible for the same sequence of
    /// requests. Replaces an earlier rate; queued `failNext` rules still come first.
    public func failRandomly(fraction: Double, statuses: [Int] = [500, 503, 429], retryAfter: Int? = 1,
                             seed: UInt64, matching: RequestMatcher = .any) {
        let rule = RandomFaultRule(fraction: min(max(fraction, 0), 1), statuses: statuses, retryAfter: retryAfter,
                                   matcher: matching, random: SplitMix64(seed: seed))
        control.withLock { $0.randomFaults = rule }
    }

    /// Stops `failRandomly`; returns how many requests it failed.
    @discardableResult
    public func stopFailingRandomly() -> Int {
        control.withLock { state in
            defer { state.randomFaults = nil }
            return state.randomFaults?.injected ?? 0
        }
    }

    /// How many requests the current `failRandomly` rate has failed so far.
    public var randomFailureCount: Int { control.withLock { $0.randomFaults?.injected ?? 0 } }

    /// Runs `action` just before each of the next `times` requests matching `matching` is handled
    /// (after authentication and injected faults): another client's change that lands between the
    /// caller's read and its write, e.g. a store write that bumps the resourceVersion so an
    /// optimistic-concurrency write gets 409 Conflict.
    public func interleave(times: Int, matching: RequestMatcher, _ action: @escaping @Sendable (RequestInfo) -> Void) {
        guard times > 0 else { return }
        control.withLock { $0.interleavings.append(Interleaving(remaining: times, matcher: matching, action: action)) }
    }

    /// Bearer tokens accepted from now on, replacing `EmulatorConfiguration.bearerToken` (a
    /// rotated service-account token: the old one gets 401). Open watches are not re-checked,
    /// as with a real API server; `cutAllWatches()` forces them to re-authenticate.
    public func acceptBearerTokens(_ tokens: [String]) {
        control.withLock { $0.acceptedTokens = tokens }
    }

    /// True between `start()` and `stop()`.
    public var isListening: Bool { isRunning }
}
