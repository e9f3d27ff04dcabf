import Foundation
import KubeAPI
import Locking
import Logging

/// How an informer behaves around failures.
public struct InformerOptions: Sendable {
    /// The resource may legitimately be absent (an optional CRD such as the switch Agent): a 404
    /// on list is logged once, the informer counts as synced with an empty cache (`isAbsent`),
    /// and the list is retried every `absentRetryInterval`.
    public var optionalResource: Bool
    public var absentRetryInterval: Duration
    /// Reconnect backoff for list and watch errors.
    public var backoff: Backoff
    /// A watch that delivers nothing (not even a bookmark) for this long is presumed silently dead
    /// and restarted. Nil disables the watchdog. Keep it above the server-side watch timeout.
    public var watchIdleTimeout: Duration?

    public init(optionalResource: Bool = false, absentRetryInterval: Duration = .seconds(300),
                backoff: Backoff = Backoff(), watchIdleTimeout: Duration? = .seconds(660)) {
        self.optionalResource = optionalResource
        self.absentRetryInterval = absentRetryInterval
        self.backoff = backoff
        self.watchIdleTimeout = watchIdleTimeout
    }
}

/// Keeps a `Store` in step with the API: list → watch → (on 410 Gone) relist, forever, with a
/// backoff on errors. Every change applied to the store is passed to `onChange` after the store
/// was updated, so a handler that enqueues keys and a reconcile that reads the store agree.
public actor Informer<Value: Sendable> {
    struct Progress {
        var hasSynced = false
        var isAbsent = false
        var watchRestarts = 0
        var lists = 0
        /// The resourceVersion of the last list or event whose changes `onChange` has finished with.
        var deliveredVersion: String?
    }

    enum WatchOutcome: Sendable {
        case ended(eventsSeen: Bool), gone, failed(any Error), idle
    }

    public nonisolated let name: String
    public nonisolated let store: Store<Value>
    private let source: any ListWatchSource
    private let clock: any RuntimeClock
    private let logger: Logger
    private let onChange: @Sendable (ObjectChange<Value>) async -> Void
    private let idleTimeout: Duration?
    private let optionalResource: Bool
    private let absentRetryInterval: Duration
    private var backoff: Backoff
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
        self.idleTimeout = options.watchIdleTimeout
        self.optionalResource = options.optionalResource
        self.absentRetryInterval = options.absentRetryInterval
        self.backoff = options.backoff
    }

    // MARK: State, readable without awaiting (readiness probes)

    /// True once the first list (or, for an optional resource, the first 404) has been applied
    /// and its changes delivered to `onChange`.
    public nonisolated var hasSynced: Bool { progress.withLock { $0.hasSynced } }
    /// True while an optional resource is not served by the API.
    public nonisolated var isAbsent: Bool { progress.withLock { $0.isAbsent } }
    /// How many times a watch was restarted (timeout, error, 410 Gone, idle).
    public nonisolated var watchRestarts: Int { progress.withLock { $0.watchRestarts } }
    /// How many successful lists were applied (1 + relists).
    public nonisolated var listCount: Int { progress.withLock { $0.lists } }
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
        while !Task.isCancelled {
            guard let version = await listOnce() else { continue }
            await watchUntilRelistNeeded(from: version)
        }
    }

    /// One list attempt; nil when it failed (after waiting as the failure requires).
    private func listOnce() async -> String? {
        do {
            // Page by page into the store's relist buffer: each page's raw objects are dropped
            // once projected, so a big list never lives whole in memory.
            let store = self.store
            let version = try await source.list(pages: { items, startsList in
                if startsList { await store.beginRelist() }
                await store.relistApply(contentsOf: items)
            })
            if isAbsent { logger.notice("resource is served again") }
            progress.withLock { $0.isAbsent = false; $0.lists += 1 }
            let changes = await store.finishRelist(resourceVersion: version)
            for change in changes { await onChange(change) }
            progress.withLock { $0.deliveredVersion = version }
            markSynced()
            return version
        } catch where Task.isCancelled {
            return nil
        } catch let error where optionalResource && source.isNotFound(error) {
            if !isAbsent {
                logger.notice("optional resource is not served; treating it as absent",
                              metadata: ["retryEvery": "\(absentRetryInterval)"])
                progress.withLock { $0.isAbsent = true }
                for change in await store.removeAll() { await onChange(change) }
            }
            markSynced()
            try? await clock.sleep(for: absentRetryInterval)
            return nil
        } catch {
            let delay = backoff.nextDelay(now: clock.now())
            logger.warning("list failed; retrying", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
            try? await clock.sleep(for: delay)
            return nil
        }
    }

    /// Watches, resuming after timeouts and errors, until a relist is needed or cancellation.
    private func watchUntilRelistNeeded(from listVersion: String) async {
        var version = listVersion
        while !Task.isCancelled {
            let outcome = await watchOnce(from: version)
            if Task.isCancelled { return }
            progress.withLock { $0.watchRestarts += 1 }
            version = await store.lastResourceVersion ?? version
            switch outcome {
            case .ended(let eventsSeen):
                logger.debug("watch ended; resuming", metadata: ["resourceVersion": "\(version)"])
                // A stream that ends at once, empty, again and again must not spin.
                if !eventsSeen { try? await clock.sleep(for: backoff.nextDelay(now: clock.now())) }
            case .gone:
                logger.info("watch resourceVersion expired (410 Gone); relisting")
                return
            case .idle:
                logger.warning("watch silent past the idle timeout; restarting it")
            case .failed(let error):
                let delay = backoff.nextDelay(now: clock.now())
                logger.warning("watch failed; retrying", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                try? await clock.sleep(for: delay)
            }
        }
    }

    /// One watch stream, raced against the idle watchdog.
    private func watchOnce(from version: String) async -> WatchOutcome {
        let stream = source.watch(from: version)
        let source = self.source
        let clock = self.clock
        let lastActivity = Locked(clock.now())
        return await withTaskGroup(of: WatchOutcome?.self) { group in
            group.addTask {
                var seen = false
                do {
                    for try await event in stream {
                        seen = true
                        lastActivity.withLock { $0 = clock.now() }
                        if let outcome = await self.handle(event) { return outcome }
                    }
                    return .ended(eventsSeen: seen)
                } catch is CancellationError {
                    return nil
                } catch {
                    return source.isGone(error) || source.isNotFound(error) ? .gone : .failed(error)
                }
            }
            if let idle = idleTimeout?.timeInterval {
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
            return first ?? .ended(eventsSeen: false)
        }
    }

    /// Applies one event; a non-nil outcome ends the watch.
    private func handle(_ event: WatchEvent) async -> WatchOutcome? {
        if event.type == .error {
            let status = event.errorStatus
            if let status, status.code == 410 || status.reason == "Expired" || status.reason == "Gone" { return .gone }
            let message = status?.message ?? "watch ERROR event without a readable Status"
            return .failed(WatchStreamError(status: status, message: message))
        }
        if let change = await store.apply(event) { await onChange(change) }
        if let version = event.resourceVersion {
            progress.withLock { $0.deliveredVersion = version }
        }
        return nil
    }

    private func markSynced() {
        progress.withLock { $0.hasSynced = true }
        let waiters = syncWaiters
        syncWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }
}

extension Informer {
    /// An informer with its own store built from `projection`.
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
