import Foundation
import KubeAPI

/// Lists with pagination, and watch registration. Runs under the store's lock.
extension StoreState {
    /// The opaque continue token: the list's resourceVersion and the last key returned.
    struct ContinueToken {
        var rv: Int64
        var start: String

        var encoded: String { Data((["rv": .int(rv), "start": .string(start)] as JSONValue).serialized()).base64EncodedString() }

        init(rv: Int64, start: String) {
            self.rv = rv
            self.start = start
        }

        init(decoding text: String) throws(Status) {
            guard let data = Data(base64Encoded: text), let value = try? JSONValue.parse(Array(data)),
                  let rv = value["rv"]?.intValue, let start = value["start"]?.stringValue
            else { throw StatusErrors.badRequest("continue key is not valid: illegal base64 data or malformed token") }
            self.rv = rv
            self.start = start
        }
    }

    /// Objects of a resource in key order ("namespace/name"), optionally in one namespace.
    func sortedObjects(_ r: RegisteredResource, namespace: String?, filter: ObjectFilter) -> [(key: String, object: JSONValue)] {
        guard let byNamespace = objects[r.key] else { return [] }
        let namespaces: [String] = if let namespace { [r.type.namespaced ? namespace : ""] } else { byNamespace.keys.sorted() }
        var result: [(key: String, object: JSONValue)] = []
        for ns in namespaces {
            guard let byName = byNamespace[ns] else { continue }
            if let pinned = filter.fields?.pinnedName {
                if let o = byName[pinned], filter.matches(o) { result.append(("\(ns)/\(pinned)", o)) }
                continue
            }
            for name in byName.keys.sorted() {
                guard let o = byName[name], filter.matches(o) else { continue }
                result.append(("\(ns)/\(name)", o))
            }
        }
        return result
    }

    func list(_ r: RegisteredResource, as type: ResourceType, namespace: String?, filter: ObjectFilter, limit: Int?,
              continueToken: String?) throws(Status) -> ObjectList {
        var listRV = resourceVersion
        var start: String?
        if let continueToken, !continueToken.isEmpty {
            let token = try ContinueToken(decoding: continueToken)
            guard token.rv >= compactedThrough else {
                throw StatusErrors.expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
            }
            listRV = token.rv
            start = token.start
        }
        var all = sortedObjects(r, namespace: namespace, filter: filter)
        if let start { all = Array(all.drop { $0.key <= start }) }
        var meta = ListMeta(resourceVersion: String(listRV))
        if let limit, limit > 0, all.count > limit {
            meta.continue = ContinueToken(rv: listRV, start: all[limit - 1].key).encoded
            meta.remainingItemCount = Int64(all.count - limit)
            all = Array(all.prefix(limit))
        }
        let items = all.map { Self.relabel($0.object, apiVersion: type.apiVersion, kind: type.kind) }
        return ObjectList(apiVersion: type.apiVersion, kind: "\(type.kind)List", metadata: meta, items: items)
    }

    /// Registers a watcher and returns what it must see first: the current objects (no
    /// resourceVersion, or "0") or the changes after the given one. 410 when those were compacted.
    ///
    /// `sendInitialEvents` (a streaming list; validated by the caller): true sends the current
    /// objects as ADDED whatever the resourceVersion (it only has to be not newer than the
    /// store's), then the BOOKMARK annotated `k8s.io/initial-events-end`; false with no
    /// resourceVersion starts at the current one with nothing before.
    mutating func addWatcher(_ r: RegisteredResource, as type: ResourceType, namespace: String?, filter: ObjectFilter,
                             resourceVersion from: String?, allowBookmarks: Bool, sendInitialEvents: Bool? = nil)
        throws(Status) -> (id: Int, initial: [WatchEvent], stream: AsyncStream<WatchEvent>)
    {
        let ns: String? = r.type.namespaced ? namespace : nil
        let (stream, continuation) = AsyncStream<WatchEvent>.makeStream(bufferingPolicy: .bufferingOldest(watchBufferLimit))
        let entry = WatcherEntry(key: r.key, namespace: ns, filter: filter, allowBookmarks: allowBookmarks,
                                 apiVersion: type.apiVersion, kind: type.kind, continuation: continuation)
        var initial: [WatchEvent] = []
        let fromNothing = from.map { $0.isEmpty || $0 == "0" } ?? true
        if sendInitialEvents == true {
            if !fromNothing {
                guard let rv = Int64(from ?? "") else { throw StatusErrors.badRequest("invalid resourceVersion \"\(from ?? "")\": not a number") }
                // kube-apiserver waits up to 3 s for its cache to reach a newer version, then answers this.
                guard rv <= resourceVersion else {
                    throw Status(message: "Too large resource version: \(rv), current: \(resourceVersion)", reason: "Timeout", code: 504,
                                 details: StatusDetails(retryAfterSeconds: 1))
                }
            }
            initial = sortedObjects(r, namespace: ns, filter: filter).map {
                WatchEvent(type: .added, object: Self.relabel($0.object, apiVersion: type.apiVersion, kind: type.kind))
            }
            initial.append(WatchEvent(type: .bookmark, object: Self.bookmarkObject(apiVersion: type.apiVersion, kind: type.kind,
                                                                                    resourceVersion: resourceVersion, initialEventsEnd: true)))
        } else if sendInitialEvents == false, fromNothing {
            initial = []
        } else if let from, !fromNothing {
            guard let rv = Int64(from) else { throw StatusErrors.badRequest("invalid resourceVersion \"\(from)\": not a number") }
            guard let changes = changes(after: rv, key: r.key) else {
                throw StatusErrors.expired("too old resource version: \(rv) (\(compactedThrough))")
            }
            initial = changes.compactMap { Self.event(for: $0, watcher: entry) }
        } else {
            initial = sortedObjects(r, namespace: ns, filter: filter).map {
                WatchEvent(type: .added, object: Self.relabel($0.object, apiVersion: type.apiVersion, kind: type.kind))
            }
        }
        let id = nextWatcherID
        nextWatcherID += 1
        watchers[id] = entry
        return (id, initial, stream)
    }

    mutating func removeWatcher(_ id: Int) {
        watchers.removeValue(forKey: id)?.continuation.finish()
    }
}
