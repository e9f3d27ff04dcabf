import Foundation
import KubeAPI
import Locking
import Logging
import Scheduling

/// How an informer behaves around failures.
public struct InformerOptions: Sendable {
    /// The resource may legitimately be absent (an optional CRD such as the switch Agent): a 404
    /// on list is logged once, the informer counts as synced with an empty cache (`isAbsent`),
    /// and the list is retried every `absentRetryInterval`.
    public var optionalResource: Bool
    public var absentRetryInterval: Duration
    /// Backoff for a list that failed, a watch that could not be re-opened, and a watch that
    /// ended or broke before delivering anything.
    public var backoff: Backoff
    /// A watch that delivers nothing (not even a bookmark) for this long is presumed silently dead
    /// and restarted. Nil disables the watchdog. Keep it above the server-side watch timeout.
    public var watchIdleTimeout: Duration?
    /// Server-side timeout (seconds) of a watch opened to catch up after a break. The API
    /// server's watch cache sends a BOOKMARK about a minute apart and 2 s before a watch's
    /// deadline, so a short catch-up watch gets its bookmark (the proof of having caught up)
    /// within seconds rather than a minute. Nil: the usual random 5–10 minutes.
    public var catchUpWatchTimeout: Int?
    /// Catch-up watches that may end or break without a bookmark before the informer relists
    /// instead (a server that sends no bookmarks must not keep the cache behind for ever).
    public var catchUpAttempts: Int
    /// Told (synchronously, keep it short) when the cache falls behind the API (false: a watch
    /// broke) and when it has caught up again (true).
    public var onCurrencyChange: (@Sendable (_ isCurrent: Bool) -> Void)?

    public init(optionalResource: Bool = false, absentRetryInterval: Duration = .seconds(300),
                backoff: Backoff = Backoff(), watchIdleTimeout: Duration? = .seconds(660),
                catchUpWatchTimeout: Int? = 5, catchUpAttempts: Int = 3,
                onCurrencyChange: (@Sendable (_ isCurrent: Bool) -> Void)? = nil) {
        self.optionalResource = optionalResource
        self.absentRetryInterval = absentRetryInterval
        self.backoff = backoff
        self.watchIdleTimeout = watchIdleTimeout
        self.catchUpWatchTimeout = catchUpWatchTimeout
        self.catchUpAttempts = max(1, catchUpAttempts)
        self.onCurrencyChange = onCurrencyChange
    }
}

/// An informer's progress, read without awaiting (readiness probes, tests): see `Informer`.
struct InformerProgress {
    var hasSynced = false
    var isAbsent = false
    /// False from a watch break until the resumed watch's bookmark (or a relist) is applied.
    var isCurrent = false
    var watchRestarts = 0
    var lists = 0
    var streamedLists = 0
    var breaks = 0
    /// The resourceVersion of the last list or event whose changes `onChange` has finished with.
    var deliveredVersion: String?
}

/// Keeps a `Store` in step with the API, as client-go's reflector and kube-rs's watcher do:
///
///     list (streaming, else paginated) → watch from the list's resourceVersion, with bookmarks
///       ├ ended by the server (its 5–10 min timeout) → watch again from the last version seen
///       ├ cut, refused, or silent past the idle timeout → resume from the last version seen
///       │   (at once when the broken watch had delivered something, else after the backoff)
///       └ 410 Gone (HTTP or ERROR event), 404 → relist
///
/// Bookmarks keep the last version seen fresh, so a resume rarely meets a 410; nothing but a
/// 410 (or a 404) relists.
///
/// **Behind and current.** From the moment a watch breaks until the missed changes have been
/// replayed, the cache is *behind*: frozen, then replaying old intermediate states one by one.
/// A resumed watch has *caught up* when it delivers a BOOKMARK: the server sends one only after
/// every change before its resourceVersion, so the replay is over. (The first event after the
/// resume proves nothing: it is the oldest missed change.) A relist caught up once it is applied.
/// A watch the server ended on its timeout and that re-opens at once is not a break. While
/// behind, the watch is opened with `catchUpWatchTimeout` so that the server's bookmark comes
/// within seconds; after `catchUpAttempts` such watches without one, the informer relists.
/// `isCurrent` and `onCurrencyChange` tell the operator, which writes nothing while a cache is
/// behind (`CacheLiveness`).
///
/// **Streaming lists.** When the source offers them (`ListWatchSource.streamingList`), the first
/// sync and every relist are one watch request with `sendInitialEvents=true`: its ADDED events
/// fill the store's relist buffer, the BOOKMARK annotated `k8s.io/initial-events-end` swaps it in
/// (the same exact diff as a LIST), and the same request goes on as the watch. No list response
/// is held, not even a page. A server that refuses them (400/422: kube-apiserver < 1.27 or the
/// WatchList feature off) or ignores them (anything but ADDED before that bookmark, or the stream
/// ending without it) gets LISTs from then on, for the life of the informer; a streaming list
/// that breaks for any other reason is retried after the backoff, as a LIST would be.
///
/// Every change applied to the store is passed to `onChange` after the store was updated, so a
/// handler that enqueues keys and a reconcile that reads the store agree.
public actor Informer<Value: Sendable> {
    /// Outside the generic type (`InformerProgress`): nested in it, it was a generic type, and
    /// every event's `progress.withLock` ran `Locked.withLock` unspecialised, through metadata.
    typealias Progress = InformerProgress

    /// How one watch request ended.
    enum WatchOutcome: Sendable {
        /// The server ended it (its timeout) or the stream finished.
        case ended
        /// It broke: a cut connection, a refused request, an ERROR event other than 410.
        case failed(any Error)
        /// The resourceVersion is too old (410 Gone, "Expired"), or the resource is gone (404).
        case relist(any Error)
        /// Nothing arrived within the idle timeout.
        case idle
        /// A streaming list got something other than ADDED before the bookmark that ends its
        /// initial events: the server ignored `sendInitialEvents` and serves a plain watch.
        case streamingListIgnored

        /// Whether the watch was open at all (a failure with nothing delivered may never have been).
        func wasOpen(delivered: Bool) -> Bool {
            switch self {
            case .ended, .idle, .streamingListIgnored: true
            case .failed: delivered
            case .relist: false
            }
        }
    }

    /// A watch that broke and has not caught up yet.
    struct CatchUp {
        /// The version the first resumed watch started from (for the log).
        var from: String
        /// Catch-up watches that ended or broke without a bookmark.
        var attempts = 0
    }

    public nonisolated let name: String
    public nonisolated let store: Store<Value>
    private let source: any ListWatchSource
    private let clock: any RuntimeClock
    private let logger: Logger
    private let onChange: @Sendable (ObjectChange<Value>) async -> Void
    private let options: InformerOptions
    private var backoff: Backoff
    private var behind: CatchUp?
    /// Set while a streaming list's initial events are arriving: ADDED events go to the store's
    /// relist buffer until the bookmark that ends them.
    private var streamingInitialEvents = false
    /// The server refused or ignored a streaming list: LIST from now on.
    private var streamingListsRefused = false
    private nonisolated let progress = Locked(Progress())
    private var syncWaiters: [CheckedContinuation<Void, Never>] = []

    public init(name: String, source: any ListWatchSource, store: Store<Value>,
                clock: any RuntimeClock = SystemClock(), options: InformerOptions = InformerOptions(),
                logger: Logger = Logger(label: "gateway-medic.informer"),
                onChange: @escaping @Sendable (ObjectChange<Value>) async -> Void = { _ in }) {
        self.name = name
        self.source = source
        self.store = store
        self.clock = clock
        var logger = logger
        logger[metadataKey: "informer"] = "\(name)"
        self.logger = logger
        self.onChange = onChange
        self.options = options
        self.backoff = options.backoff
    }

    // MARK: State, readable without awaiting (readiness probes)

    /// True once the first list (or, for an optional resource, the first 404) has been applied
    /// and its changes delivered to `onChange`.
    public nonisolated var hasSynced: Bool { progress.withLock { $0.hasSynced } }
    /// True while an optional resource is not served by the API.
    public nonisolated var isAbsent: Bool { progress.withLock { $0.isAbsent } }
    /// True when synced and no watch broke since the last catch-up (see the type's comment).
    public nonisolated var isCurrent: Bool { progress.withLock { $0.isCurrent } }
    /// How many times a watch was restarted (timeout, error, 410 Gone, idle).
    public nonisolated var watchRestarts: Int { progress.withLock { $0.watchRestarts } }
    /// How many times the cache fell behind (a watch broke after the first sync).
    public nonisolated var watchBreaks: Int { progress.withLock { $0.breaks } }
    /// How many successful lists were applied (1 + relists), streaming lists included.
    public nonisolated var listCount: Int { progress.withLock { $0.lists } }
    /// How many of those were streaming lists.
    public nonisolated var streamedListCount: Int { progress.withLock { $0.streamedLists } }
    /// The resourceVersion of the last list, event or bookmark whose change has been applied to the
    /// store AND handled by `onChange` (a test that knows the server's newest change of the
    /// resource can tell whether the informer has passed it on).
    public nonisolated var deliveredResourceVersion: String? { progress.withLock { $0.deliveredVersion } }

    /// Returns once `hasSynced` is true (or the task is cancelled... callers bound it themselves).
    public func waitUntilSynced() async {
        if hasSynced { return }
        await withCheckedContinuation { syncWaiters.append($0) }
    }

    // MARK: The loop

    /// Lists and watches until the calling task is cancelled.
    public func run() async {
        var resumeFrom: String?
        while !Task.isCancelled {
            if let version = resumeFrom {
                resumeFrom = await watch(from: version)
            } else if !streamingListsRefused, let stream = source.streamingList(timeoutSeconds: nil) {
                resumeFrom = await streamList(stream)
            } else {
                resumeFrom = await listOnce()
            }
        }
    }

    /// One list attempt; the version to watch from, or nil when it failed (after waiting as the
    /// failure requires).
    private func listOnce() async -> String? {
        do {
            // Page by page into the store's relist buffer: each page's raw objects are dropped
            // once projected, so a big list never lives whole in memory.
            let store = self.store
            let version = try await source.list(pages: { items, startsList in
                if startsList { store.beginRelist() }
                store.relistApply(contentsOf: items)
            })
            await applyList(at: version, streamed: false)
            return version
        } catch where Task.isCancelled {
            return nil
        } catch let error where options.optionalResource && source.isNotFound(error) {
            await markAbsent()
            return nil
        } catch {
            let delay = backoff.nextDelay(now: clock.now())
            logger.warning("list failed; retrying", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
            try? await clock.sleep(for: delay)
            return nil
        }
    }

    /// Swaps the relist buffer in, tells `onChange`, and marks the cache synced and current.
    private func applyList(at version: String, streamed: Bool) async {
        if isAbsent { logger.notice("resource is served again") }
        progress.withLock { $0.isAbsent = false; $0.lists += 1; if streamed { $0.streamedLists += 1 } }
        let changes = store.finishRelist(resourceVersion: version)
        for change in changes { await onChange(change) }
        progress.withLock { $0.deliveredVersion = version }
        if let behind {
            logger.info("caught up at \(version) by \(streamed ? "a streaming list" : "listing") (behind since \(behind.from))")
        }
        markSynced()
        catchUp()
    }

    /// An optional resource answered 404: an empty, synced cache, and a new try after `absentRetryInterval`.
    private func markAbsent() async {
        if !isAbsent {
            logger.notice("optional resource is not served; treating it as absent",
                          metadata: ["retryEvery": "\(options.absentRetryInterval)"])
            progress.withLock { $0.isAbsent = true }
            for change in store.removeAll() { await onChange(change) }
        }
        markSynced()
        catchUp()
        try? await clock.sleep(for: options.absentRetryInterval)
    }

    /// One streaming list, which goes on as the watch once its initial events are in (see the
    /// type's comment); the version to resume from when it ended after them, or nil to list again.
    private func streamList(_ stream: AsyncThrowingStream<WatchEvent, any Error>) async -> String? {
        store.beginRelist()
        streamingInitialEvents = true
        let (outcome, delivered) = await watchOnce(stream)
        guard streamingInitialEvents else {
            // The list was applied at its bookmark; what followed was a watch like any other.
            if Task.isCancelled { return nil }
            return await afterWatch(outcome, delivered: delivered, from: store.lastResourceVersion ?? "", catchingUp: false)
        }
        streamingInitialEvents = false
        store.abandonRelist()
        if Task.isCancelled { return nil }
        switch outcome {
        case .ended, .streamingListIgnored:
            streamingListsRefused = true
            logger.notice("the server ignores streaming lists (sendInitialEvents): listing instead from now on")
        case .failed(let error) where source.isStreamingListRefused(error):
            streamingListsRefused = true
            logger.notice("the server refuses streaming lists (sendInitialEvents): listing instead from now on",
                          metadata: ["error": "\(error)"])
        case .relist(let error) where options.optionalResource && source.isNotFound(error):
            await markAbsent()
        case .failed(let error), .relist(let error):
            await pause { delay in
                logger.warning("streaming list failed; retrying in \(delay)", metadata: ["error": "\(error)"])
            }
        case .idle:
            await pause { delay in
                logger.warning("streaming list silent for \(options.watchIdleTimeout ?? .zero); retrying in \(delay)")
            }
        }
        return nil
    }

    /// One watch request from `version`; the version to resume from, or nil to relist.
    private func watch(from version: String) async -> String? {
        let catchingUp = behind != nil
        let stream = source.watch(from: version, timeoutSeconds: catchingUp ? options.catchUpWatchTimeout : nil)
        let (outcome, delivered) = await watchOnce(stream)
        if Task.isCancelled { return version }
        return await afterWatch(outcome, delivered: delivered, from: version, catchingUp: catchingUp)
    }

    /// What to do after a watch request from `version` ended: the version to resume from, or nil to relist.
    private func afterWatch(_ outcome: WatchOutcome, delivered: Bool, from version: String, catchingUp: Bool) async -> String? {
        progress.withLock { $0.watchRestarts += 1 }
        let resumeAt = store.lastResourceVersion ?? version
        // A catch-up watch that was open but ended before its bookmark (which clears `behind`).
        // Watches that could not be opened do not count: an outage is waited out, not relisted.
        if catchingUp, var pending = behind, outcome.wasOpen(delivered: delivered) {
            pending.attempts += 1
            behind = pending
            if pending.attempts >= options.catchUpAttempts {
                logger.warning("no bookmark from \(pending.attempts) watches resumed from \(pending.from); relisting to catch up")
                return nil
            }
        }
        switch outcome {
        case .ended:
            logger.debug("watch ended by the server; resumed from \(resumeAt)")
            // A stream that ends at once, empty, again and again must not spin.
            if !delivered { await pause() }
            return resumeAt
        case .relist(let error):
            fallBehind(at: resumeAt)
            if source.isGone(error) {
                logger.info("410 Gone at \(resumeAt), relisting", metadata: ["error": "\(error)"])
            } else {
                logger.info("watch answered 404 at \(resumeAt), relisting", metadata: ["error": "\(error)"])
            }
            return nil
        case .streamingListIgnored:
            // Only a streaming list's initial events end this way, and those are over.
            return resumeAt
        case .idle:
            fallBehind(at: resumeAt)
            logger.warning("watch silent for \(options.watchIdleTimeout ?? .zero), presumed dead; resumed from \(resumeAt)")
            return resumeAt
        case .failed(let error):
            fallBehind(at: resumeAt)
            if delivered {
                // The connection worked until it was cut: re-open at once (client-go does too).
                logger.info("watch cut, resumed from \(resumeAt)", metadata: ["error": "\(error)"])
            } else {
                await pause { delay in
                    logger.warning("watch failed; resuming from \(resumeAt) in \(delay)", metadata: ["error": "\(error)"])
                }
            }
            return resumeAt
        }
    }

    /// Waits out the next backoff delay, after telling `announce` how long it is.
    private func pause(_ announce: (Duration) -> Void = { _ in }) async {
        let delay = backoff.nextDelay(now: clock.now())
        announce(delay)
        try? await clock.sleep(for: delay)
    }

    /// One watch request, raced against the idle watchdog; and whether it delivered anything.
    private func watchOnce(_ stream: AsyncThrowingStream<WatchEvent, any Error>) async -> (WatchOutcome, delivered: Bool) {
        let source = self.source
        let clock = self.clock
        let lastActivity = Locked(clock.now())
        let delivered = Locked(false)
        let outcome = await withTaskGroup(of: WatchOutcome?.self) { group in
            group.addTask {
                do {
                    for try await event in stream {
                        delivered.withLock { $0 = true }
                        lastActivity.withLock { $0 = clock.now() }
                        if let outcome = await self.handle(event) { return outcome }
                    }
                    return .ended
                } catch is CancellationError {
                    return nil
                } catch {
                    return source.isGone(error) || source.isNotFound(error) ? .relist(error) : .failed(error)
                }
            }
            if let idle = options.watchIdleTimeout?.timeInterval {
                group.addTask {
                    while true {
                        let deadline = lastActivity.current.addingTimeInterval(idle)
                        do { try await clock.sleep(until: deadline) } catch { return nil }
                        if clock.now() >= lastActivity.current.addingTimeInterval(idle) { return .idle }
                    }
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .ended
        }
        return (outcome, delivered.current)
    }

    /// Applies one event; a non-nil outcome ends the watch.
    private func handle(_ event: WatchEvent) async -> WatchOutcome? {
        if event.type == .error {
            let status = event.errorStatus
            let error = WatchStreamError(status: status, message: status?.message ?? "watch ERROR event without a readable Status")
            if let status, source.isGone(status) { return .relist(status) }
            return .failed(error)
        }
        if streamingInitialEvents {
            if event.type == .added {
                store.relistApply(event)
                return nil
            }
            guard event.isInitialEventsEnd else { return .streamingListIgnored }
            streamingInitialEvents = false
            await applyList(at: event.resourceVersion ?? "", streamed: true)
            return nil
        }
        // The store's copy compiled where `Value` is known applies the event and calls
        // `onChange`: here, generic, an `ObjectChange<Value>?` in this frame looked up its
        // metadata and destroyed the change through value witnesses on every event.
        await store.apply(event, then: onChange)
        if let version = event.resourceVersion {
            progress.withLock { $0.deliveredVersion = version }
        }
        if event.type == .bookmark, let behind {
            logger.info("caught up at \(event.resourceVersion ?? "?") (bookmark after resuming from \(behind.from))")
            catchUp()
        }
        return nil
    }

    /// The cache is behind from now until a bookmark or a relist (see the type's comment).
    private func fallBehind(at version: String) {
        guard behind == nil else { return }
        behind = CatchUp(from: version)
        let wasCurrent = progress.withLock { p -> Bool in
            defer { p.isCurrent = false }
            guard p.hasSynced else { return false }
            p.breaks += 1
            return p.isCurrent
        }
        if wasCurrent { options.onCurrencyChange?(false) }
    }

    /// Caught up: the store holds everything up to the server's version.
    private func catchUp() {
        behind = nil
        // The connection is known to work again: the next failure starts the backoff afresh.
        backoff.reset()
        let wasCurrent = progress.withLock { p -> Bool in
            defer { p.isCurrent = true }
            return p.isCurrent
        }
        if !wasCurrent { options.onCurrencyChange?(true) }
    }

    private func markSynced() {
        progress.withLock { $0.hasSynced = true }
        let waiters = syncWaiters
        syncWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }
}

extension Informer {
    /// An informer with its own store built from `projection`. Inlinable so that the store is
    /// made where `Value` is known (see `Store`: its `apply` then runs specialised).
    @inlinable
    public init(name: String, source: any ListWatchSource, projection: @escaping @Sendable (JSONValue) -> Value?,
                byteProjection: (@Sendable (ArraySlice<UInt8>) -> Value?)? = nil,
                isUnchanged: (@Sendable (Value, Value) -> Bool)? = nil,
                clock: any RuntimeClock = SystemClock(), options: InformerOptions = InformerOptions(),
                logger: Logger = Logger(label: "gateway-medic.informer"),
                onChange: @escaping @Sendable (ObjectChange<Value>) async -> Void = { _ in }) {
        self.init(name: name, source: source, store: Store(projection: projection, byteProjection: byteProjection, isUnchanged: isUnchanged),
                  clock: clock, options: options, logger: logger, onChange: onChange)
    }
}
