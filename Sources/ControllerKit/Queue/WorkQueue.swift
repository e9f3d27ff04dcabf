import Foundation
import Locking
import Metrics
import Scheduling

/// A rate-limited delaying work queue (client-go's workqueue with kube-rs's scheduler rule):
///
/// - a key is queued at most once ("dirty" set) and never handed out twice at the same time
///   ("processing" set); a key added while it is processed is handed out again after `done`;
/// - `addAfter` keeps one pending entry per key and the EARLIEST deadline wins; an immediate `add`
///   supersedes a pending delayed entry (the reconcile it triggers decides the next requeue);
/// - `addRateLimited` backs a key off exponentially until `forget` resets it.
///
/// Delays are driven by the injected clock: one timer task sleeps until the earliest deadline
/// and is replaced when an earlier deadline arrives. There is no polling loop.
public actor WorkQueue<Key: Hashable & Sendable> {
    private let clock: any RuntimeClock
    private let metrics: WorkQueueMetrics
    private var limiter: ExponentialRateLimiter<Key>

    private var ready = FIFO<Key>()
    private var dirty: Set<Key> = []
    private var processing: Set<Key> = []
    private var readySince: [Key: Date] = [:]
    private var startedAt: [Key: Date] = [:]

    /// The keys waiting for a deadline, behind a lock: a heartbeat postpones its gateway's
    /// deadline synchronously, without a hop onto this actor (`postpone`).
    /// Inlinable (`postpone`) for a caller to specialise for its key type.
    @usableFromInline nonisolated let delays = Locked(Delays<Key>())
    private var timer: Task<Void, Never>?
    private var timerDeadline: Date?
    private var timerGeneration: UInt64 = 0

    private var getters: [(id: UInt64, continuation: CheckedContinuation<Key?, Never>)] = []
    private var nextGetterID: UInt64 = 0
    private var isShutDown = false

    public let name: String

    /// - Parameters:
    ///   - baseDelay, maxDelay: the per-key backoff of `addRateLimited` (5 ms · 2^n, capped).
    ///   - metricsFactory: where the `workqueue_*` metrics go (the bootstrapped system by default).
    public init(name: String, clock: any RuntimeClock = SystemClock(),
                baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(300),
                metricsFactory: (any MetricsFactory)? = nil) {
        self.name = name
        self.clock = clock
        self.limiter = ExponentialRateLimiter(base: baseDelay, max: maxDelay)
        self.metrics = WorkQueueMetrics(name: name, factory: metricsFactory ?? MetricsSystem.factory)
    }

    // MARK: Adding

    /// Queues `key` now (no-op when already queued or after shutdown).
    public func add(_ key: Key) {
        guard !isShutDown else { return }
        delays.withLock { _ = $0.waiting.removeValue(forKey: key) }
        guard dirty.insert(key).inserted else { return }
        metrics.adds.increment()
        guard !processing.contains(key) else { return }
        ready.append(key)
        readySince[key] = clock.now()
        metrics.depth.record(ready.count)
        dispatch()
    }

    /// Queues `key` at `deadline`; an earlier pending deadline for the same key wins.
    public func addAfter(_ key: Key, deadline: Date) {
        guard !isShutDown else { return }
        if deadline <= clock.now() { return add(key) }
        // Already queued to run immediately (or right after its current run): nothing to delay.
        if dirty.contains(key) { return }
        let moved = delays.withLock { d in
            if let existing = d.waiting[key], existing <= deadline { return false }
            d.waiting[key] = deadline
            d.heap.push(key, at: deadline)
            return true
        }
        if moved { rescheduleTimer() }
    }

    public func addAfter(_ key: Key, delay: Duration) {
        addAfter(key, deadline: clock.now().addingTimeInterval(delay.timeInterval))
    }

    /// Queues `key` after its next backoff delay and counts a retry.
    public func addRateLimited(_ key: Key) {
        guard !isShutDown else { return }
        metrics.retries.increment()
        addAfter(key, delay: limiter.when(key))
    }

    /// Resets `key`'s backoff (after a success or a terminal error).
    public func forget(_ key: Key) { limiter.forget(key) }

    /// Failures of `key` since it last succeeded.
    public func numRequeues(_ key: Key) -> Int { limiter.numRequeues(key) }

    // MARK: Taking

    /// The next key to work on; waits while the queue is empty. Nil once the queue is shut down
    /// (or the calling task is cancelled). Call `done` when the work ends.
    public func next() async -> Key? {
        if isShutDown { return nil }
        if let key = takeReady() { return key }
        let id = nextGetterID
        nextGetterID += 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Key?, Never>) in
                if isShutDown || Task.isCancelled {
                    continuation.resume(returning: nil)
                } else {
                    getters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelGetter(id) }
        }
    }

    /// Ends the work on `key`; if it was added meanwhile it is queued again.
    public func done(_ key: Key) {
        guard processing.remove(key) != nil else { return }
        if let start = startedAt.removeValue(forKey: key) {
            metrics.workDuration.recordSeconds(max(0, clock.now().timeIntervalSince(start)))
        }
        guard !isShutDown, dirty.contains(key) else { return }
        ready.append(key)
        readySince[key] = clock.now()
        metrics.depth.record(ready.count)
        dispatch()
    }

    /// Stops handing out keys: waiting and future `next()` calls return nil; adds are ignored.
    public func shutDown() {
        guard !isShutDown else { return }
        isShutDown = true
        timer?.cancel()
        timer = nil
        let waitingGetters = getters
        getters.removeAll()
        ready.removeAll()
        dirty.removeAll()
        delays.withLock { d in
            d.waiting.removeAll()
            d.heap.removeAll()
        }
        metrics.depth.record(0)
        for getter in waitingGetters { getter.continuation.resume(returning: nil) }
    }

    // MARK: Introspection

    /// Keys ready to be handed out now.
    public var depth: Int { ready.count }
    /// Keys waiting for a deadline.
    public var delayedCount: Int { delays.withLock { $0.waiting.count } }
    /// Keys being worked on.
    public var processingCount: Int { processing.count }
    public var isShuttingDown: Bool { isShutDown }
    /// Keys backing off after failed reconciles.
    public var backingOffCount: Int { limiter.trackedCount }
    /// Callers parked in `next()`.
    public var waitingWorkers: Int { getters.count }
    /// Nothing ready, nothing being worked on, and no deadline that has passed on the clock but
    /// whose key the timer task has not yet moved to the ready list — read in one turn (a test
    /// driving a ManualClock waits for this before moving time again).
    public var isIdle: Bool {
        let now = clock.now()
        return ready.isEmpty && processing.isEmpty && !delays.withLock { $0.waiting.values.contains { $0 <= now } }
    }
    /// The pending deadline of `key`, if it waits for one.
    public func deadline(of key: Key) -> Date? { delays.withLock { $0.waiting[key] } }

    // MARK: Internals

    private func takeReady() -> Key? {
        guard let key = ready.popFirst() else { return nil }
        dirty.remove(key)
        processing.insert(key)
        let now = clock.now()
        startedAt[key] = now
        if let since = readySince.removeValue(forKey: key) {
            metrics.queueDuration.recordSeconds(max(0, now.timeIntervalSince(since)))
        }
        metrics.depth.record(ready.count)
        return key
    }

    private func dispatch() {
        while !getters.isEmpty, let key = takeReady() {
            getters.removeFirst().continuation.resume(returning: key)
        }
    }

    private func cancelGetter(_ id: UInt64) {
        guard let index = getters.firstIndex(where: { $0.id == id }) else { return }
        getters.remove(at: index).continuation.resume(returning: nil)
    }

    /// The earliest live deadline (see `Delays.earliestLive`).
    private func earliestLiveDeadline() -> Date? { delays.withLock { $0.earliestLive() } }

    private func rescheduleTimer() {
        guard let earliest = earliestLiveDeadline() else {
            timer?.cancel()
            timer = nil
            timerDeadline = nil
            return
        }
        if timer != nil, let current = timerDeadline, current <= earliest { return }
        timer?.cancel()
        timerGeneration &+= 1
        let generation = timerGeneration
        timerDeadline = earliest
        timer = Task { [clock, weak self] in
            do { try await clock.sleep(until: earliest) } catch { return }
            await self?.timerFired(generation)
        }
    }

    private func timerFired(_ generation: UInt64) {
        guard generation == timerGeneration, !isShutDown else { return }
        timer = nil
        timerDeadline = nil
        let now = clock.now()
        let due = delays.withLock { $0.popDue(notAfter: now) }
        for key in due { add(key) }
        rescheduleTimer()
    }
}

extension WorkQueue {
    /// Moves `key`'s pending deadline from `from` to the later `to`, when `from` is exactly what
    /// it waits for (and it is not queued to run already: a queued key waits for no deadline);
    /// otherwise does nothing, which leaves the key to run no later than planned. A heartbeat
    /// that leaves a gateway's verdict as it was moves its staleness check this way
    /// (`GatewayReconciler.advance`), several times before it comes due. The deadline is lazy:
    /// only the key's entry in `waiting` changes, and its heap entry is looked at again only
    /// when its old deadline surfaces (`earliestLiveDeadline`), then moved to the live one in
    /// place, so the heap keeps one entry per key however often it is postponed and is
    /// re-ordered at most once per old deadline, not once per heartbeat. A timer set for the
    /// old deadline wakes, finds nothing due and sleeps until the next live one; a deadline
    /// only ever moves later this way, so no timer needs an earlier wake. Synchronous, without
    /// a hop onto the actor (one per heartbeat): one short critical section on `delays`, so it
    /// takes effect in call order with everything else the queue does.
    /// Inlinable: the GatewayAgent informer calls it on every quiet heartbeat, and
    /// unspecialised across the module boundary its dictionary lookup went through the key
    /// type's generic metadata and witness tables (1.1 % of the operator's samples). In an
    /// extension: a method declared in the actor's body is called through its class's method
    /// table from another module, so `@inlinable` there was never inlined nor specialised (the
    /// informer ran the generic copy on every heartbeat, seventeenth round); one declared in an
    /// extension is called directly.
    @inlinable
    public nonisolated func postpone(_ key: Key, from: Date, to: Date) {
        guard to > from else { return }
        delays.withLock { d in
            guard let slot = d.waiting.index(forKey: key), d.waiting.values[slot] == from else { return }
            d.waiting.values[slot] = to
        }
    }
}

/// The keys waiting for a deadline: `waiting` says each one's deadline; the heap orders them
/// and may hold an entry at an older, earlier deadline of a key postponed since (never a later
/// one: `addAfter` pushes an earlier deadline, and `postpone` only moves one later), or of a
/// key no longer waiting. Such an entry is dealt with when it surfaces.
@usableFromInline
struct Delays<Key: Hashable & Sendable>: Sendable {
    @usableFromInline var waiting: [Key: Date] = [:]
    var heap = DeadlineHeap<Key>()

    /// Drops surfacing entries whose key no longer waits, moves those of keys postponed since
    /// to their new deadline (in place: one re-ordering), and returns the earliest live one.
    mutating func earliestLive() -> Date? {
        while let top = heap.first {
            guard let live = waiting[top.payload] else {
                heap.popFirst()
                continue
            }
            if live == top.due { return live }
            if live > top.due {
                heap.moveFirst(to: live)
            } else {
                heap.popFirst()  // (not reached: a live deadline has its own entry, no earlier than the top)
            }
        }
        return nil
    }

    /// Takes out the keys whose live deadline is at or before `now`, earliest first.
    mutating func popDue(notAfter now: Date) -> [Key] {
        var due: [Key] = []
        while let deadline = earliestLive(), deadline <= now, let key = heap.popFirst()?.payload {
            waiting.removeValue(forKey: key)
            due.append(key)
        }
        return due
    }
}
