import KubeAPI

/// Turns one line of a watch stream into a `WatchEvent`, and remembers the last resourceVersion
/// seen (from objects and bookmarks) so that a dropped watch resumes where it stopped.
public struct WatchEventDecoder: Sendable {
    /// The watch's path, for error messages.
    public let path: String
    public private(set) var lastResourceVersion: String?
    /// `decodeTolerant` keeps plain ADDED/MODIFIED/DELETED objects unparsed (`WatchEvent.unparsed`).
    public var defersObjects = false
    /// With `defersObjects`: reads a deferred object's view in the same pass as its identity
    /// (`WatchEvent.Unparsed.view`).
    public var objectReader: WatchObjectReader?

    public init(path: String, resourceVersion: String? = nil) {
        self.path = path
        self.lastResourceVersion = resourceVersion
    }

    /// Decodes a line. An ERROR event becomes a thrown error: `.gone` when its Status says 410
    /// (the resource version is too old), `.api` otherwise. Malformed lines throw `.decoding`.
    public mutating func decode(_ line: some Collection<UInt8>) throws(KubeError) -> WatchEvent {
        let value: JSONValue
        do {
            value = try JSONValue.parse(line)
        } catch {
            throw .decoding(path: path, message: "watch event is not JSON (\(line.count) bytes): \(error.message.prefix(200))")
        }
        return try decode(parsed: value, byteCount: line.count)
    }

    private mutating func decode(parsed value: JSONValue, byteCount: Int) throws(KubeError) -> WatchEvent {
        guard let typeName = value["type"]?.stringValue else {
            throw .decoding(path: path, message: "watch event without a \"type\"")
        }
        guard let type = WatchEvent.Kind(rawValue: typeName) else {
            throw .decoding(path: path, message: "unknown watch event type \"\(typeName.prefix(40))\"")
        }
        guard let object = value["object"], object.objectValue != nil else {
            throw .decoding(path: path, message: "\(typeName) watch event without an object")
        }
        if type == .error { throw errorEvent(object) }
        if let rv = object[path: "metadata", "resourceVersion"]?.stringValue, !rv.isEmpty {
            lastResourceVersion = rv
        }
        return WatchEvent(type: type, object: object)
    }

    /// What `decodeTolerant` made of a line.
    public enum Outcome: Sendable {
        /// A well-formed event.
        case event(WatchEvent)
        /// A line that could not be read, standing in as the event for its object's
        /// `UnreadableObject` stub (its type and name could still be told).
        case unreadable(WatchEvent, problem: String)
        /// A line that could not be read nor attributed to an object: skipped.
        case skipped(problem: String)
    }

    /// Like `decode`, but a malformed line (not JSON, not an event) does not end the watch:
    /// resuming from the last resourceVersion would replay it forever and every later event
    /// would be lost. Values nested too deep are dropped and the object marked partially read
    /// (`UnreadableObject.partialAnnotation`). ERROR events still throw (`.gone`, `.api`).
    public mutating func decodeTolerant(_ bytes: ArraySlice<UInt8>) throws(KubeError) -> Outcome {
        if defersObjects, let (type, unparsed) = WatchEvent.Unparsed.scan(line: bytes, reader: objectReader) {
            if let rv = unparsed.resourceVersion, !rv.isEmpty { lastResourceVersion = rv }
            return .event(WatchEvent(type: type, unparsed: unparsed))
        }
        var value: JSONValue
        var dropped = 0
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            if let (partial, count) = try? JSONValue.parseDroppingDeepValues(bytes), count > 0 {
                value = partial
                dropped = count
            } else {
                return unreadable(bytes, error)
            }
        }
        do {
            var event = try decode(parsed: value, byteCount: bytes.count)
            if dropped > 0 {
                event.object = UnreadableObject.markPartial(event.object, reason: Self.partialReason(dropped))
            }
            return .event(event)
        } catch {
            if case .decoding(_, let message) = error { return .skipped(problem: message) }
            throw error
        }
    }

    static func partialReason(_ dropped: Int) -> String {
        "\(dropped) value(s) nested deeper than \(JSONValue.maximumDepth) levels were dropped by the client"
    }

    /// A line that is not JSON: what precedes the fault may still tell which object it was.
    private mutating func unreadable(_ bytes: ArraySlice<UInt8>, _ error: JSONParseError) -> Outcome {
        let problem = "watch event of \(bytes.count) bytes is not valid JSON: \(error.description.prefix(200))"
        let head = TruncatedJSON.parsePrefix(Array(bytes.prefix(max(0, error.offset))))
        return unreadable(head: head, tail: Array(bytes.suffix(256)), problem: problem)
    }

    /// An event whose line exceeded the size limit and was skipped: the event for a stub of its
    /// object, when the head and tail kept tell its type and name; skipped otherwise.
    public mutating func decodeOversized(_ line: LineSplitter.OversizedLine, limit: Int) -> Outcome {
        let problem = "watch event of \(line.length) bytes exceeds the client's \(limit)-byte limit; the object was not read"
        return unreadable(head: TruncatedJSON.parsePrefix(line.head), tail: line.tail, problem: problem)
    }

    private mutating func unreadable(head: JSONValue?, tail: [UInt8], problem: String) -> Outcome {
        let typeName = head?["type"]?.stringValue ?? Self.trailingType(tail)
        guard let typeName, let type = WatchEvent.Kind(rawValue: typeName), type == .added || type == .modified || type == .deleted else {
            return .skipped(problem: "\(problem); its event type could not be told")
        }
        guard let object = head?["object"], let stub = UnreadableObject.stub(of: object, reason: problem) else {
            return .skipped(problem: "\(problem); its object's name could not be told")
        }
        if let rv = stub[path: "metadata", "resourceVersion"]?.stringValue, !rv.isEmpty {
            lastResourceVersion = rv
        }
        return .unreadable(WatchEvent(type: type, object: stub), problem: problem)
    }

    /// `"type":"<word>"` at the end of a line: servers that sort keys write it after the object.
    static func trailingType(_ tail: [UInt8]) -> String? {
        let marker = Array(#""type":""#.utf8)
        guard tail.count >= marker.count else { return nil }
        var start: Int?
        for i in stride(from: tail.count - marker.count, through: 0, by: -1) where tail[i..<(i + marker.count)].elementsEqual(marker) {
            start = i + marker.count
            break
        }
        guard let start, let end = tail[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        let rest = tail[(end + 1)...].filter { $0 != UInt8(ascii: " ") }
        guard rest == [UInt8(ascii: "}")] else { return nil }
        return String(decoding: tail[start..<end], as: UTF8.self)
    }

    private func errorEvent(_ object: JSONValue) -> KubeError {
        var status = (try? object.decode(Status.self)) ?? Status(message: object["message"]?.stringValue)
        if status.code == nil, let code = object["code"]?.intValue { status.code = Int(code) }
        if status.code == 410 || status.reason == "Expired" || status.reason == "Gone" {
            return .gone(resourceVersion: lastResourceVersion)
        }
        if status.message == nil { status.message = "watch ERROR event" }
        return .api(status, verb: "watch", path: path)
    }
}
