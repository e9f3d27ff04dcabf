import KubeAPI

/// Where an informer gets objects: a list, then a watch from the list's resourceVersion.
/// The Kubernetes client implements it for one resource type (and optional selectors).
public protocol ListWatchSource: Sendable {
    /// All objects (the client pages through them) and the list's resourceVersion.
    func list() async throws -> (items: [JSONValue], resourceVersion: String)

    /// Events after `resourceVersion`. The stream ends normally when the server closes the
    /// watch (a timeout): the informer then resumes from the last version it saw. It throws
    /// when the watch breaks; an error for which `isGone` is true means "relist". The informer
    /// stops iterating (cancels) on an idle timeout: the stream's `onTermination` should then
    /// close the connection.
    func watch(from resourceVersion: String) -> AsyncThrowingStream<WatchEvent, any Error>

    /// True when `error` means the resourceVersion is too old (HTTP 410 / reason Expired/Gone).
    func isGone(_ error: any Error) -> Bool

    /// True when `error` means the resource is not served at all (HTTP 404 on the list), as when
    /// an optional CRD is not installed.
    func isNotFound(_ error: any Error) -> Bool
}

extension ListWatchSource {
    /// Recognises a `Status` carrying code 410 or reason Expired/Gone.
    public func isGone(_ error: any Error) -> Bool {
        guard let status = error as? Status else { return false }
        return status.code == 410 || status.reason == "Expired" || status.reason == "Gone"
    }

    /// Recognises a `Status` carrying code 404 or reason NotFound.
    public func isNotFound(_ error: any Error) -> Bool {
        guard let status = error as? Status else { return false }
        return status.code == 404 || status.reason == "NotFound"
    }
}

/// Why the informer restarted a watch, for logs and tests.
public struct WatchStreamError: Error, Sendable, CustomStringConvertible {
    /// The Status the server sent in an ERROR event, when it could be decoded.
    public var status: Status?
    public var message: String
    public var description: String { message }
}

extension WatchEvent {
    /// The Status inside an ERROR event, if it decodes as one.
    var errorStatus: Status? {
        guard type == .error else { return nil }
        return try? object.decode(Status.self)
    }
}
