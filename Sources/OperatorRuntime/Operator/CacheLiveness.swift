import ControllerKit
import Foundation
import Locking

/// Whether the operator's caches show the API as it is now. A watch that broke (connection cut,
/// API server restarted or unreachable, 5xx, 401) leaves its cache frozen at the moment it broke;
/// the resumed watch then replays the missed changes one by one, oldest first. Judged against
/// the clock, a frozen or half-replayed cache makes every heartbeat look stale: the operator
/// would write false KEEPALIVE_FAIL/DOWN transitions (and their Events) and plan restarts of
/// healthy pods. So each informer reports when its cache falls behind (the watch broke) and
/// when it has caught up (the resumed watch delivered a bookmark, which the server sends only
/// after every change before it, or a relist was applied: `Informer` says more). While any
/// source is behind the operator evaluates but writes nothing and restarts nothing; when the
/// last one has caught up every gateway is re-judged.
final class CacheLiveness: Sendable {
    private struct State {
        var down: Set<String> = []
        var onRecovered: (@Sendable () -> Void)?
        var interruptions = 0
    }

    private let state = Locked(State())

    /// True when no source is behind.
    var isLive: Bool { state.withLock { $0.down.isEmpty } }

    /// The sources whose watch broke and that have not caught up yet.
    var downSources: [String] { state.withLock { $0.down.sorted() } }

    /// Watches that broke since start.
    var interruptions: Int { state.withLock { $0.interruptions } }

    /// Called (synchronously, keep it short) when the last source behind has caught up.
    func setOnRecovered(_ action: @escaping @Sendable () -> Void) {
        state.withLock { $0.onRecovered = action }
    }

    /// The informer option that reports `source`'s currency here.
    func tracking(_ source: String) -> @Sendable (_ isCurrent: Bool) -> Void {
        { [self] isCurrent in isCurrent ? markLive(source) : markDown(source) }
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
