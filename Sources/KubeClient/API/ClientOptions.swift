import Scheduling

/// How a `KubeClient` behaves. Every default is chosen to match client-go / kube-rs.
public struct ClientOptions: Sendable {
    /// Sent as `User-Agent`. Default `defaultUserAgent`; an application names itself (gateway-medic
    /// sends "gateway-medic/<version>").
    public var userAgent: String
    /// Retries of 429 and 5xx answers (and connection errors on reads). Default: 5 attempts,
    /// 0.2 s doubling to at most 30 s, honouring `Retry-After`.
    public var retry: RetryPolicy
    /// Whole-request deadline for everything but watches. Default 30 s.
    public var requestTimeout: Duration
    /// Called after every HTTP exchange with the Kubernetes verb ("get", "list", "create",
    /// "update", "patch", "delete", "evict", "watch"), the resource ("pods",
    /// "gatewayhealths/status") and the status code, 0 for a transport error. Metrics hook.
    public var onResponse: (@Sendable (_ verb: String, _ resource: String, _ code: Int) -> Void)?
    /// Largest object read, in bytes of JSON: a watch event line, or one item of a list. A bigger
    /// one is not read (a watch line is skipped without being buffered) and is replaced by an
    /// `UnreadableObject` stub. Default 16 MiB: etcd refuses objects over 1.5 MiB by default and
    /// the API server request bodies over 3 MiB, so only a broken server or proxy sends more.
    public var maxObjectBytes: Int
    /// How long a watch event may wait before its reader is woken, so that a busy watch wakes
    /// its reader once per batch of events rather than once per event (client-go and kube-rs
    /// hand each over at once). Default 30 ms: at 10,000 gateways a watch of GatewayAgents
    /// carries an event every 1.5 ms, and a thread wake-up per event was a third of the
    /// operator's CPU; the wake-ups per window still cost about as much as reading the events
    /// at 10 ms, a fifth less CPU per heartbeat at 20 ms (docs/performance.md, thirteenth
    /// round) and a fifth less again at 30 ms, whose p99 event → status (≈ 34 ms) keeps a third
    /// of the 50 ms target in hand; 40 ms saved no more and left almost none (seventeenth
    /// round). Zero: at once.
    public var watchDeliveryWindow: Duration

    /// The client's own name, for callers that give none.
    public static let defaultUserAgent = "kubeclient-swift"

    public init(userAgent: String = ClientOptions.defaultUserAgent, retry: RetryPolicy = RetryPolicy(),
                requestTimeout: Duration = .seconds(30),
                maxObjectBytes: Int = 16 << 20, watchDeliveryWindow: Duration = .milliseconds(30),
                onResponse: (@Sendable (_ verb: String, _ resource: String, _ code: Int) -> Void)? = nil) {
        self.watchDeliveryWindow = max(.zero, watchDeliveryWindow)
        self.maxObjectBytes = max(1 << 10, maxObjectBytes)
        self.userAgent = userAgent
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.onResponse = onResponse
    }
}

/// Retries of one request.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included. 1 turns retries off.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Wait what the server's `Retry-After` says (capped at `maxDelay`) instead of the backoff.
    public var honorRetryAfter: Bool

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(30), honorRetryAfter: Bool = true) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.honorRetryAfter = honorRetryAfter
    }

    /// The wait before retry number `retry` (1 = the first retry): base · 2^(retry−1), capped,
    /// scaled by `jitter` in [0.5, 1] ("equal jitter"), unless the server said `retryAfter`.
    public func delay(beforeRetry retry: Int, retryAfter: Duration?, jitter: Double) -> Duration {
        if honorRetryAfter, let retryAfter { return min(max(retryAfter, .zero), maxDelay) }
        let exponential = Backoff(initial: baseDelay, factor: 2, cap: maxDelay).delay(afterFailures: retry)
        return exponential * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }
}
