import Foundation
import KubeAPI
import Logging

/// core/v1 Event type.
public enum EventType: String, Sendable, Hashable {
    case normal = "Normal"
    case warning = "Warning"
}

public struct EventRecorderOptions: Sendable {
    /// Remembered Events (client-go: 4096). A repeat of a remembered Event is a count patch.
    public var cacheSize: Int
    /// Spam filter per involved object, on NEW Event objects only: a burst, then one per interval.
    public var spamBurst: Int
    public var spamRefillInterval: Duration
    /// Write attempts per Event (the first included) and the pause between them.
    public var maxAttempts: Int
    public var retryInterval: Duration

    public init(cacheSize: Int = 4096, spamBurst: Int = 25, spamRefillInterval: Duration = .seconds(300),
                maxAttempts: Int = 3, retryInterval: Duration = .seconds(1)) {
        self.cacheSize = cacheSize
        self.spamBurst = spamBurst
        self.spamRefillInterval = spamRefillInterval
        self.maxAttempts = maxAttempts
        self.retryInterval = retryInterval
    }
}

/// What `record` did.
public enum EventRecordOutcome: Sendable, Equatable {
    /// A new Event object was created.
    case created(namespace: String, name: String)
    /// An identical Event existed: its count was patched to `count`.
    case aggregated(namespace: String, name: String, count: Int)
    /// The spam filter refused a new Event for this object.
    case dropped
    /// The write failed after the allowed attempts (the message says why).
    case failed(String)
}

/// Records core/v1 Events the way client-go's EventCorrelator does:
///
/// - identical Events (same source, involved object, type, reason and message) are remembered in
///   an LRU cache; a repeat becomes a PATCH of `count` + `lastTimestamp` on the existing object,
///   so an Event raised 100 times is one object with count 100;
/// - a per-object token bucket limits how many NEW Event objects one object can create (burst 25,
///   then one per 300 s). Repeats are not throttled: dropping them would lose the count, which is
///   what users complain about most with spam filters;
/// - writes are retried a bounded number of times through the injected clock.
///
/// Calls about one object are handled one at a time, so two concurrent repeats never create two
/// objects and one object's Events keep their order. Calls about different objects run
/// concurrently: one serial line for the whole fleet made every worker wait for every other
/// gateway's Event write, which bounded the initial sync at 10,000 gateways by one write's round
/// trip times 10,000.
public actor EventRecorder {
    // The keys leave out the source (component and host): client-go's keys carry it, but one
    // recorder has one source, and 4,096 entries of each cache carried the same two strings
    // (twice: in the node and in the index).
    struct EventKey: Hashable, Sendable {
        var involved: ObjectReference
        var type: EventType
        var reason: String
        var message: String
    }

    struct SpamKey: Hashable, Sendable {
        var involved: ObjectReference
    }

    struct Remembered: Sendable {
        var namespace: String
        var name: String
        var count: Int
        /// The first occurrence, formatted when written (a `Date` where the text took a
        /// separate allocation in each of the 4,096 entries).
        var firstSeen: Date
    }

    private let sink: any EventSink
    private let source: EventSource
    private let clock: any RuntimeClock
    private let options: EventRecorderOptions
    private let logger: Logger
    private var remembered: LRUCache<EventKey, Remembered>
    private var buckets: LRUCache<SpamKey, TokenBucket>
    /// Objects with a call in progress, and the calls waiting for their turn on each.
    private var turns: [ObjectReference: [CheckedContinuation<Void, Never>]] = [:]

    /// Events refused by the spam filter since start.
    public private(set) var droppedCount = 0
    public private(set) var createdCount = 0
    public private(set) var patchedCount = 0
    public private(set) var failedCount = 0
    /// `gateway_medic_events_dropped_total` (nil: not exported).
    private let counters: (any EventRecorderCounters)?

    /// - Parameters:
    ///   - component: `source.component` and `reportingComponent` (e.g. "gateway-medic").
    ///   - host: `source.host` / `reportingInstance` (the pod or node name).
    public init(sink: any EventSink, component: String, host: String? = nil,
                clock: any RuntimeClock = SystemClock(), options: EventRecorderOptions = EventRecorderOptions(),
                logger: Logger = Logger(label: "gateway-medic.events"), counters: (any EventRecorderCounters)? = nil) {
        self.counters = counters
        self.sink = sink
        self.source = EventSource(component: component, host: host)
        self.clock = clock
        self.options = options
        self.logger = logger
        self.remembered = LRUCache(capacity: options.cacheSize)
        self.buckets = LRUCache(capacity: options.cacheSize)
    }

    /// Entries in the aggregation cache and the spam filter (each bounded by `cacheSize`).
    public var cacheSizes: (remembered: Int, spamBuckets: Int) { (remembered.count, buckets.count) }

    /// Records one occurrence of an Event about `involved` at `now` (the clock's now by default).
    @discardableResult
    public func record(involved: ObjectReference, type: EventType, reason: String, message: String,
                       now: Date? = nil) async -> EventRecordOutcome {
        var reference = involved
        reference.resourceVersion = nil  // a new version of the object is still the same subject
        await takeTurn(reference)
        defer { endTurn(reference) }
        let now = now ?? clock.now()
        let timestamp = KubeTime.format(now)
        let key = EventKey(involved: reference,
                           type: type, reason: reason, message: message)

        if var seen = remembered.get(key) {
            seen.count += 1
            remembered.set(key, seen)
            let known = seen
            do {
                try await withRetries {
                    try await self.sink.patchCount(namespace: known.namespace, name: known.name,
                                                   count: known.count, lastTimestamp: timestamp)
                }
                patchedCount += 1
                return .aggregated(namespace: known.namespace, name: known.name, count: known.count)
            } catch where sink.isNotFound(error) {
                // The API server expired it; create it again, keeping the count.
                return await create(key, count: known.count, first: known.firstSeen, last: timestamp)
            } catch {
                return fail(error, key)
            }
        }

        let spamKey = SpamKey(involved: reference)
        var bucket = buckets.get(spamKey)
            ?? TokenBucket(burst: options.spamBurst, refillInterval: options.spamRefillInterval.timeInterval, now: now)
        let allowed = bucket.take(now: now)
        buckets.set(spamKey, bucket)
        guard allowed else {
            droppedCount += 1
            counters?.eventDropped()
            logger.warning("Event dropped by the spam filter",
                           metadata: ["object": "\(describe(reference))", "reason": "\(reason)",
                                      "dropped": "\(droppedCount)"])
            return .dropped
        }
        return await create(key, count: 1, first: now, last: timestamp)
    }

    // MARK: Internals

    private func create(_ key: EventKey, count: Int, first: Date, last: String) async -> EventRecordOutcome {
        let namespace = key.involved.namespace ?? "default"
        let name = Self.eventName(for: key.involved.name)
        var event = Event(metadata: ObjectMeta(name: name, namespace: namespace), involvedObject: key.involved, reason: key.reason, message: key.message,
                          type: key.type.rawValue, count: count, firstTimestamp: KubeTime.format(first), lastTimestamp: last,
                          source: source)
        event.reportingComponent = source.component
        event.reportingInstance = source.host
        let finished = event
        do {
            let stored = try await withRetries { try await self.sink.create(finished) }
            let storedName = stored.metadata.name ?? name
            let storedNamespace = stored.metadata.namespace ?? namespace
            remembered.set(key, Remembered(namespace: storedNamespace, name: storedName, count: count, firstSeen: first))
            createdCount += 1
            return .created(namespace: storedNamespace, name: storedName)
        } catch {
            return fail(error, key)
        }
    }

    private func fail(_ error: any Error, _ key: EventKey) -> EventRecordOutcome {
        failedCount += 1
        logger.error("could not write Event",
                     metadata: ["object": "\(describe(key.involved))", "reason": "\(key.reason)", "error": "\(error)"])
        return .failed("\(error)")
    }

    private func withRetries<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch {
                guard attempt < options.maxAttempts, sink.isRetryable(error), !Task.isCancelled else { throw error }
                attempt += 1
                try await clock.sleep(for: options.retryInterval)
            }
        }
    }

    /// `<involvedName>.<16 hex digits>`, kept within the 253 characters a name may have.
    static func eventName(for involvedName: String?) -> String {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let padded = String(repeating: "0", count: 16 - suffix.count) + suffix
        let base = (involvedName.flatMap { $0.isEmpty ? nil : $0 } ?? "event").lowercased()
        return String(base.prefix(253 - 17)) + "." + padded
    }

    private func describe(_ reference: ObjectReference) -> String {
        [reference.kind, reference.namespace, reference.name].compactMap { $0 }.joined(separator: "/")
    }

    /// One call per object at a time: actor methods interleave at every `await`, and two
    /// interleaved repeats of a new Event would otherwise both create an object.
    private func takeTurn(_ subject: ObjectReference) async {
        guard turns[subject] != nil else {
            turns[subject] = []
            return
        }
        await withCheckedContinuation { turns[subject, default: []].append($0) }
    }

    private func endTurn(_ subject: ObjectReference) {
        guard var waiting = turns[subject], !waiting.isEmpty else {
            turns[subject] = nil
            return
        }
        let next = waiting.removeFirst()  // the turn passes on; the subject stays busy
        turns[subject] = waiting
        next.resume()
    }
}
