import KubeAPI

/// Where an informer gets objects: a list, then a watch from the list's resourceVersion.
/// The Kubernetes client implements it for one resource type (and optional selectors).
public protocol ListWatchSource: Sendable {
    /// All objects (the client pages through them) and the list's resourceVersion.
    func list() async throws -> (items: [JSONValue], resourceVersion: String)

    /// The same list, handed over page by page as the pages arrive, so that only one page of raw
    /// objects is alive at a time (a 10,000-object list held whole is hundreds of MB of parsed
    /// JSON at its peak). `page` gets each page's items and whether it starts the list: a source
    /// that has to restart the list (an expired continue token) starts again with `true`, and
    /// the caller discards what it took before. Returns the list's resourceVersion. The default
    /// hands over `list()` as one page.
    func list(pages page: @Sendable (_ items: [JSONValue], _ startsList: Bool) async throws -> Void) async throws -> String

    /// Events after `resourceVersion`, with bookmarks, from one watch request that the server
    /// ends after `timeoutSeconds` (nil: a random 5–10 minutes, as client-go asks). The stream
    /// ends normally when the server ends the request, and throws when the watch breaks (a cut
    /// connection, a refused request); an error for which `isGone` is true means "relist". The
    /// informer resumes from the last version it saw, and stops iterating (cancels) on an idle
    /// timeout: the stream's `onTermination` should then close the connection.
    func watch(from resourceVersion: String, timeoutSeconds: Int?) -> AsyncThrowingStream<WatchEvent, any Error>

    /// A streaming list (kube-apiserver's WatchList, `sendInitialEvents=true`): one watch request,
    /// from the newest resourceVersion, that first sends every object as ADDED, then a BOOKMARK
    /// annotated `k8s.io/initial-events-end: "true"` (`WatchEvent.isInitialEventsEnd`), then the
    /// changes, as `watch` does. Nil when the source does not use streaming lists: the informer
    /// lists instead. The default is nil.
    func streamingList(timeoutSeconds: Int?) -> AsyncThrowingStream<WatchEvent, any Error>?

    /// True when `error` is the server refusing a streaming list because it does not serve them
    /// (400 Bad Request, 422 Invalid: kube-apiserver < 1.27, or the WatchList feature gate off).
    func isStreamingListRefused(_ error: any Error) -> Bool

    /// True when `error` means the resourceVersion is too old (HTTP 410 / reason Expired/Gone).
    func isGone(_ error: any Error) -> Bool

    /// True when `error` means the resource is not served at all (HTTP 404 on the list), as when
    /// an optional CRD is not installed.
    func isNotFound(_ error: any Error) -> Bool
}

extension ListWatchSource {
    public func list(pages page: @Sendable (_ items: [JSONValue], _ startsList: Bool) async throws -> Void) async throws -> String {
        let (items, version) = try await list()
        try await page(items, true)
        return version
    }

    public func streamingList(timeoutSeconds: Int?) -> AsyncThrowingStream<WatchEvent, any Error>? { nil }

    /// Recognises a `Status` carrying code 400 or 422.
    public func isStreamingListRefused(_ error: any Error) -> Bool {
        guard let status = error as? Status else { return false }
        return status.code == 400 || status.code == 422
    }

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
