import KubeAPI

/// An open watch on the store: first `initialEvents`, then `events` as changes happen. The stream
/// ends when the watch is cancelled, or when the watcher fell `watchBufferLimit` events behind
/// (it is closed, as a real server closes a stuck watcher).
public final class StoreWatch: Sendable {
    public let initialEvents: [WatchEvent]
    public let events: AsyncStream<WatchEvent>
    let id: Int
    private let store: ObjectStore

    init(id: Int, initialEvents: [WatchEvent], events: AsyncStream<WatchEvent>, store: ObjectStore) {
        self.id = id
        self.initialEvents = initialEvents
        self.events = events
        self.store = store
    }

    /// Ends the stream and unregisters the watcher.
    public func cancel() {
        store.state.withLock { $0.removeWatcher(id) }
    }

    /// Queues a BOOKMARK with the current resourceVersion (if bookmarks were asked for).
    public func sendBookmark() {
        store.state.withLock { $0.bookmark(id) }
    }

    deinit { cancel() }
}

extension ObjectStore {
    /// Watches a resource. `resourceVersion` nil or "0": the current objects arrive as ADDED
    /// first; otherwise the changes after it (410 Expired `Status` when they were compacted).
    /// `sendInitialEvents`: a streaming list (`StoreState.addWatcher`).
    public func watch(_ type: ResourceType, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
                      resourceVersion: String? = nil, allowBookmarks: Bool = false,
                      sendInitialEvents: Bool? = nil) throws(Status) -> StoreWatch {
        let filter = try ObjectFilter(labelSelector: labelSelector, fieldSelector: fieldSelector)
        let (id, initial, stream) = try state.withLockTyped { s throws(Status) in
            let r = try s.resolve(type)
            return try s.addWatcher(r, as: type, namespace: namespace, filter: filter, resourceVersion: resourceVersion,
                                    allowBookmarks: allowBookmarks, sendInitialEvents: sendInitialEvents)
        }
        return StoreWatch(id: id, initialEvents: initial, events: stream, store: self)
    }

    /// Sends a BOOKMARK now to every watch that asked for bookmarks.
    public func sendBookmarks() {
        state.withLock { s in
            for id in s.watchers.keys { s.bookmark(id) }
        }
    }

    /// How many watchers are registered (tests use it to wait for a watch to be open).
    public var watcherCount: Int { state.withLock { $0.watchers.count } }
}
