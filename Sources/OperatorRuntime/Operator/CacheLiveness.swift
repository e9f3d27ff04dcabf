import Foundation
import KubeAPI
import Locking

/// Whether the operator's caches show the API as it is now. A watch that broke (connection cut,
/// API server restarted or unreachable, 5xx, 401) leaves its cache frozen at the moment it broke;
/// resuming it replays the missed changes one by one. Judged against the clock, a frozen or
/// half-replayed cache makes every heartbeat look stale: the operator would write false
/// KEEPALIVE_FAIL/DOWN transitions (and their Events) and plan restarts of healthy pods. So a
/// broken watch marks its source down; the informer relists (one atomic jump to the current
/// state); the source is live again when its next watch starts, i.e. after the relist was
/// applied. While any source is down the operator evaluates but writes nothing and restarts
/// nothing; when the last one is live again every gateway is re-judged.
final class CacheLiveness: Sendable {
    private struct State {
        var down: Set<String> = []
        var onRecovered: (@Sendable () -> Void)?
        var interruptions = 0
    }

    private let state = Locked(State())

    /// True when no source is down.
    var isLive: Bool { state.withLock { $0.down.isEmpty } }

    /// The sources whose watch broke and whose relist is not applied yet.
    var downSources: [String] { state.withLock { $0.down.sorted() } }

    /// Watches that broke since start.
    var interruptions: Int { state.withLock { $0.interruptions } }

    /// Called (synchronously, keep it short) when the last down source is live again.
    func setOnRecovered(_ action: @escaping @Sendable () -> Void) {
        state.withLock { $0.onRecovered = action }
    }

    func markDown(_ source: String) {
        state.withLock { s in
            s.down.insert(source)
            s.interruptions += 1
        }
    }

    func markLive(_ source: String) {
        let recovered = state.withLock { s -> (@Sendable () -> Void)? in
            guard s.down.remove(source) != nil, s.down.isEmpty else { return nil }
            return s.onRecovered
        }
        recovered?()
    }
}

/// Wraps a source whose watch does not resume by itself (`ClientListWatch(resumeInClient:
/// false)`): a broken watch marks it down in `liveness` and reaches the informer as "relist";
/// the next watch (which the informer starts only once the relist is applied) marks it live.
/// A watch that ended cleanly (the server's timeout, or a server going away politely) may be
/// resumed, but only within `maxResumeGap`: later, the replay would be stale, so it relists.
struct LivenessTrackingSource: ListWatchSource {
    let base: any ListWatchSource
    let name: String
    let liveness: CacheLiveness
    let clock: any RuntimeClock
    var maxResumeGap: TimeInterval = 5
    /// When this source's last watch ended cleanly (nil: it did not, or it was resumed since).
    private let endedAt = Locked<Date?>(nil)

    init(base: any ListWatchSource, name: String, liveness: CacheLiveness, clock: any RuntimeClock) {
        self.base = base
        self.name = name
        self.liveness = liveness
        self.clock = clock
    }

    func list() async throws -> (items: [JSONValue], resourceVersion: String) {
        endedAt.withLock { $0 = nil }
        return try await base.list()
    }

    /// Forwarded, not left to the protocol's default (which lists everything through `list()`):
    /// without it every informer held its whole list of raw objects at once, the peak that set
    /// the operator's RSS at 10,000 gateways.
    func list(pages page: @Sendable (_ items: [JSONValue], _ startsList: Bool) async throws -> Void) async throws -> String {
        endedAt.withLock { $0 = nil }
        return try await base.list(pages: page)
    }

    func watch(from resourceVersion: String) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent.self)
        let now = clock.now()
        if let ended = endedAt.withLock({ e -> Date? in defer { e = nil }; return e }), now.timeIntervalSince(ended) > maxResumeGap {
            liveness.markDown(name)
            continuation.finish(throwing: WatchInterrupted(underlying: WatchResumeTooLate(seconds: now.timeIntervalSince(ended))))
            return stream
        }
        liveness.markLive(name)
        let liveness = self.liveness
        let name = self.name
        let endedAt = self.endedAt
        let clock = self.clock
        return AsyncThrowingStream.pulling(base.watch(from: resourceVersion)) { error in
            guard let error else {
                endedAt.withLock { $0 = clock.now() }
                return nil
            }
            if !Task.isCancelled, !(error is CancellationError) { liveness.markDown(name) }
            return WatchInterrupted(underlying: error)
        }
    }

    /// A broken watch means "relist": resuming would replay stale intermediate states.
    func isGone(_ error: any Error) -> Bool { error is WatchInterrupted || base.isGone(error) }
    func isNotFound(_ error: any Error) -> Bool {
        if let interrupted = error as? WatchInterrupted { return base.isNotFound(interrupted.underlying) }
        return base.isNotFound(error)
    }
}

/// A watch resumed too long after it ended: what it would replay is stale.
struct WatchResumeTooLate: Error, CustomStringConvertible {
    let seconds: TimeInterval
    var description: String { "the watch ended \(Int(seconds)) s ago; relisting instead of replaying" }
}

/// A watch that broke; the informer relists.
struct WatchInterrupted: Error, CustomStringConvertible {
    let underlying: any Error
    var description: String { "watch interrupted: \(underlying)" }
}
