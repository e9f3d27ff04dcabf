/// A snapshot of what one operator instance keeps in memory. Every figure is bounded by the
/// fleet (objects watched, gateways) or by a configured cache size, never by how long the
/// operator ran or how often the API failed; the fault tests check exactly that.
public struct OperatorFootprint: Sendable, Equatable, CustomStringConvertible {
    /// Cached objects per informer (by resource).
    public var informerObjects: [String: Int]
    /// Lists applied by all informers (the first ones plus relists).
    public var lists: Int
    /// Watch restarts of all informers (timeouts, errors, 410 Gone).
    public var watchRestarts: Int
    /// Work-queue keys ready now, waiting for a deadline, and backing off after failures.
    public var queueReady: Int
    public var queueDelayed: Int
    public var queueBackingOff: Int
    /// The reconciler's per-gateway memory.
    public var assessments: Int
    public var unseenWrites: Int
    public var unconfirmedEvents: Int
    /// The Event recorder's aggregation cache and spam-filter buckets.
    public var rememberedEvents: Int
    public var spamBuckets: Int
    /// Caches whose watch broke and whose relist is not applied yet (none: writes allowed).
    public var staleCaches: [String]
    /// Ticket changes queued for the sinks.
    public var pendingTicketChanges: Int

    public var description: String {
        let caches = informerObjects.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "informers[\(caches)] stale=\(staleCaches) lists=\(lists) watchRestarts=\(watchRestarts) queue(ready=\(queueReady) "
            + "delayed=\(queueDelayed) backingOff=\(queueBackingOff)) assessments=\(assessments) unseenWrites=\(unseenWrites) "
            + "unconfirmedEvents=\(unconfirmedEvents) rememberedEvents=\(rememberedEvents) spamBuckets=\(spamBuckets) "
            + "pendingTickets=\(pendingTicketChanges)"
    }
}
