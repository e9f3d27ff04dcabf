import Hummingbird
import KubeAPI
import Locking
import NIOCore

/// A watch over HTTP: newline-delimited JSON events on a streaming response, each flushed as it
/// is written. Ends cleanly on `timeoutSeconds`, abruptly (connection closed) on `cutAllWatches()`,
/// and at once when the client goes away (`PeerClosedHandler`, an HTTP/2 stream reset).
struct WatchResponder {
    let store: ObjectStore
    let control: Locked<ControlState>
    let configuration: EmulatorConfiguration

    /// `table` set: events carry one-row Tables (what `kubectl get -w` asks for).
    func respond(type: ResourceType, info: RequestInfo, query: [String: String], channel: any Channel,
                 table: RegisteredResource? = nil) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let watch: StoreWatch
        do {
            let allowBookmarks = ["1", "true"].contains(query["allowWatchBookmarks"]?.lowercased() ?? "")
            let sendInitialEvents = try streamingList(query, allowBookmarks: allowBookmarks)
            watch = try store.watch(type, namespace: info.namespace, labelSelector: query["labelSelector"], fieldSelector: fieldSelector(info, query),
                                    resourceVersion: query["resourceVersion"], allowBookmarks: allowBookmarks,
                                    sendInitialEvents: sendInitialEvents)
        } catch where error.code == 410 {
            // Like the real server: 200, then one ERROR event carrying the 410 Status.
            var line: [UInt8] = []
            HTTPResponses.watchLine(WatchEvent(type: .error, object: HTTPResponses.statusValue(error)), into: &line)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: line)))
        } catch {
            return HTTPResponses.status(error)
        }
        // Under HTTP/2 the context's channel is a stream; a cut closes the whole connection.
        let connection = APIResponder.connection(of: channel)
        let midLineCut = MidLineCut()
        let control = self.control
        let id = control.withLock { state -> Int in
            state.nextWatch += 1
            state.watches[state.nextWatch] = ActiveWatch(connection: connection, watch: watch, midLineCut: midLineCut)
            return state.nextWatch
        }
        /// Unregisters the watch (store watcher and open-watch entry); idempotent.
        @Sendable func end() {
            watch.cancel()
            _ = control.withLock { $0.watches.removeValue(forKey: id) }
        }
        // A client that goes away (an HTTP/2 RST_STREAM, a closed connection) ends the watch at
        // once, as kube-apiserver does, not at the next event written. The body below may never
        // run: Hummingbird does not call it when the stream is gone before the head is written.
        channel.closeFuture.whenComplete { _ in end() }
        let timeout = query["timeoutSeconds"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        let bookmarkInterval = configuration.bookmarkInterval
        // kube-apiserver's watch cache also sends a bookmark shortly before the watch's deadline.
        let bookmarkBeforeDeadline = timeout.map { Duration.seconds($0) - configuration.bookmarkBeforeTimeout }.flatMap { $0 > .zero ? $0 : nil }
        let now = configuration.now
        let includeObject = query["includeObject"]
        @Sendable func shaped(_ event: WatchEvent) -> WatchEvent {
            guard let table, [.added, .modified, .deleted].contains(event.type) else { return event }
            let rv = event.object[path: "metadata", "resourceVersion"]?.stringValue
            return WatchEvent(type: event.type, object: TableRendering.table(
                for: table, items: [event.object], listMeta: ListMeta(resourceVersion: rv), includeObject: includeObject, now: now()))
        }
        let body = ResponseBody { writer in
            let timer = timeout.map { seconds in
                Task {
                    try await Task.sleep(for: .seconds(seconds))
                    watch.cancel()
                }
            }
            let bookmarks = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: bookmarkInterval)
                    watch.sendBookmark()
                }
            }
            let lastBookmark = bookmarkBeforeDeadline.map { delay in
                Task {
                    try await Task.sleep(for: delay)
                    watch.sendBookmark()
                }
            }
            defer {
                timer?.cancel()
                bookmarks.cancel()
                lastBookmark?.cancel()
                end()
            }
            // Initial events go out in large chunks: a full resync may be thousands of objects.
            var chunk: [UInt8] = []
            for event in watch.initialEvents {
                HTTPResponses.watchLine(shaped(event), into: &chunk)
                if chunk.count > 256 * 1024 {
                    try await writer.write(ByteBuffer(bytes: chunk))
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if !chunk.isEmpty { try await writer.write(ByteBuffer(bytes: chunk)) }
            for await event in watch.events {
                var line: [UInt8] = []
                HTTPResponses.watchLine(shaped(event), into: &line)
                if midLineCut.armed.current {
                    try await writer.write(ByteBuffer(bytes: line.prefix(line.count / 2)))
                    control.withLock { $0.midLineCuts += 1 }
                    connection.close(promise: nil)
                    return
                }
                try await writer.write(ByteBuffer(bytes: line))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// `sendInitialEvents` as kube-apiserver's ListOptions validation lets it through (nil: not
    /// asked for, or ignored by an `.ignored` server); 422 Invalid where it refuses it.
    private func streamingList(_ query: [String: String], allowBookmarks: Bool) throws(Status) -> Bool? {
        let send = query["sendInitialEvents"].map { ["1", "true"].contains($0.lowercased()) }
        let match = query["resourceVersionMatch"].flatMap { $0.isEmpty ? nil : $0 }
        switch control.withLock({ $0.streamingLists }) ?? configuration.streamingLists {
        case .ignored:
            return nil
        case .refused:
            if send != nil {
                throw StatusErrors.invalidListOptions("sendInitialEvents", "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled")
            }
            if match != nil {
                throw StatusErrors.invalidListOptions("resourceVersionMatch", "resourceVersionMatch is forbidden for watch")
            }
            return nil
        case .served:
            guard let send else {
                if match != nil {
                    throw StatusErrors.invalidListOptions("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")
                }
                return nil
            }
            guard match == "NotOlderThan" else {
                throw StatusErrors.invalidListOptions("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
            }
            if send && !allowBookmarks {
                throw StatusErrors.invalidListOptions("allowWatchBookmarks", "allowWatchBookmarks must be true when sendInitialEvents is true")
            }
            return send
        }
    }

    /// `/namespaces/ns/things?watch=1&fieldSelector=metadata.name=x`, or the old `/watch/.../name` form, pin a name.
    private func fieldSelector(_ info: RequestInfo, _ query: [String: String]) -> String? {
        guard let name = info.name else { return query["fieldSelector"] }
        let pinned = "metadata.name=\(name)"
        if let given = query["fieldSelector"], !given.isEmpty { return "\(given),\(pinned)" }
        return pinned
    }
}
