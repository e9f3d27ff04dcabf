import Foundation
import KubeAPI

/// One change, kept for watches that resume from a resourceVersion.
struct ChangeRecord: Sendable {
    var resourceVersion: Int64
    var key: String
    var namespace: String
    var type: WatchEvent.Kind
    var object: JSONValue
    /// The object before a MODIFIED, so selector watches can see it leave or enter their set.
    var previous: JSONValue?
}

/// A registered watcher: where it looks, and the stream it is fed through.
struct WatcherEntry: Sendable {
    var key: String
    var namespace: String?
    var filter: ObjectFilter
    var allowBookmarks: Bool
    var apiVersion: String
    var kind: String
    var continuation: AsyncStream<WatchEvent>.Continuation
}

/// Everything the store holds, mutated only under its lock.
struct StoreState {
    var registry: [String: RegisteredResource] = [:]
    /// key (group/plural) → namespace ("" when cluster-scoped) → name → object.
    var objects: [String: [String: [String: JSONValue]]] = [:]
    var resourceVersion: Int64 = 1000
    var history: [ChangeRecord] = []
    var historyStart = 0
    /// Events with a resourceVersion at or below this are forgotten.
    var compactedThrough: Int64 = 1000
    var watchers: [Int: WatcherEntry] = [:]
    var nextWatcherID = 1
    var refusedEvictions: Set<String> = []
    /// The resourceVersion of the newest change per resource key and namespace ("key|namespace"),
    /// kept apart from the history (which is trimmed): tests ask whether a watcher has seen it.
    var latestChange: [String: Int64] = [:]
    let historyLimit: Int
    let watchBufferLimit: Int

    init(historyLimit: Int, watchBufferLimit: Int) {
        self.historyLimit = max(1, historyLimit)
        self.watchBufferLimit = max(1, watchBufferLimit)
    }

    func resolve(_ type: ResourceType) throws(Status) -> RegisteredResource {
        guard let r = registry["\(type.group)/\(type.plural)"], r.versions.contains(type.version) else {
            throw Status(message: "the server could not find the requested resource (\(type.plural).\(type.group.isEmpty ? "" : type.group))",
                         reason: "NotFound", code: 404, details: StatusDetails(group: type.group, kind: type.plural))
        }
        return r
    }

    /// Appends a change, trims history past its limit, and feeds the watchers.
    mutating func record(_ change: ChangeRecord) {
        history.append(change)
        latestChange["\(change.key)|\(change.namespace)"] = change.resourceVersion
        if history.count - historyStart > historyLimit {
            compactedThrough = history[historyStart].resourceVersion
            historyStart += 1
            if historyStart > 4096 && historyStart * 2 > history.count {
                history.removeFirst(historyStart)
                historyStart = 0
            }
        }
        notify(change)
    }

    mutating func compact() {
        history.removeAll()
        historyStart = 0
        compactedThrough = resourceVersion
    }

    /// Changes after `resourceVersion`, or nil when some of them were compacted away.
    func changes(after resourceVersion: Int64, key: String) -> [ChangeRecord]? {
        guard resourceVersion >= compactedThrough else { return nil }
        var result: [ChangeRecord] = []
        var i = history.count - 1
        while i >= historyStart, history[i].resourceVersion > resourceVersion { i -= 1 }
        i += 1
        while i < history.count {
            if history[i].key == key { result.append(history[i]) }
            i += 1
        }
        return result
    }

    /// The event a watcher should see for a change, after its namespace and selectors.
    static func event(for change: ChangeRecord, watcher w: WatcherEntry) -> WatchEvent? {
        guard change.key == w.key else { return nil }
        if let ns = w.namespace, ns != change.namespace { return nil }
        let object = relabel(change.object, apiVersion: w.apiVersion, kind: w.kind)
        let nowMatches = w.filter.matches(change.object)
        switch change.type {
        case .modified:
            let before = change.previous.map(w.filter.matches) ?? nowMatches
            if before && nowMatches { return WatchEvent(type: .modified, object: object) }
            if nowMatches { return WatchEvent(type: .added, object: object) }
            if before { return WatchEvent(type: .deleted, object: object) }
            return nil
        default:
            return nowMatches ? WatchEvent(type: change.type, object: object) : nil
        }
    }

    mutating func notify(_ change: ChangeRecord) {
        for (id, w) in watchers {
            guard let event = Self.event(for: change, watcher: w) else { continue }
            deliver(event, to: id)
        }
    }

    /// Yields to a watcher; one that cannot keep up is closed, as a real server does.
    mutating func deliver(_ event: WatchEvent, to id: Int) {
        guard let w = watchers[id] else { return }
        switch w.continuation.yield(event) {
        case .enqueued: break
        case .dropped, .terminated:
            w.continuation.finish()
            watchers.removeValue(forKey: id)
        @unknown default: break
        }
    }

    mutating func bookmark(_ id: Int) {
        guard let w = watchers[id], w.allowBookmarks else { return }
        let object = Self.bookmarkObject(apiVersion: w.apiVersion, kind: w.kind, resourceVersion: resourceVersion, initialEventsEnd: false)
        deliver(WatchEvent(type: .bookmark, object: object), to: id)
    }

    /// A BOOKMARK's object: only the kind and the resourceVersion, plus, at the end of a streaming
    /// list's initial events, the annotation `k8s.io/initial-events-end: "true"`.
    static func bookmarkObject(apiVersion: String, kind: String, resourceVersion: Int64, initialEventsEnd: Bool) -> JSONValue {
        var metadata: JSONValue = ["resourceVersion": .string(String(resourceVersion))]
        if initialEventsEnd { metadata["annotations"] = [WatchEvent.initialEventsEndAnnotation: "true"] }
        return ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": metadata]
    }

    /// Objects are stored once per group/plural; a reader sees the version it asked for.
    static func relabel(_ object: JSONValue, apiVersion: String, kind: String) -> JSONValue {
        if object["apiVersion"]?.stringValue == apiVersion && object["kind"]?.stringValue == kind { return object }
        var o = object
        o["apiVersion"] = .string(apiVersion)
        o["kind"] = .string(kind)
        return o
    }
}
