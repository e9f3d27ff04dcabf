import KubeAPI

/// Turns one line of a watch stream into a `WatchEvent`, and remembers the last resourceVersion
/// seen (from objects and bookmarks) so that a dropped watch resumes where it stopped.
public struct WatchEventDecoder: Sendable {
    /// The watch's path, for error messages.
    public let path: String
    public private(set) var lastResourceVersion: String?

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
