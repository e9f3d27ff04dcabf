import ControllerKit
import KubeAPI
import KubeClient

/// `ListWatchSource` over a `KubeClient` for one resource type, namespace and selectors: the
/// list pages through `listAll` (500 per page); each watch is one request with bookmarks, from
/// the resourceVersion the informer gives. Resuming a watch that ended or broke is the
/// informer's (`Informer`), not the client's.
public struct ClientListWatch: ListWatchSource {
    public let client: KubeClient
    public let resource: ResourceType
    /// nil lists and watches across all namespaces.
    public let namespace: String?
    public let labelSelector: String?
    public let fieldSelector: String?
    public let pageSize: Int
    /// Watch events keep plain objects as bytes (`WatchEvent.unparsed`), for a store that reads
    /// its views from them.
    public let defersObjects: Bool
    /// With `defersObjects`: reads each kept object's view with its identity, in one pass over
    /// its bytes (`WatchEvent.Unparsed.view`), for a store of views of that type.
    public let objectReader: WatchObjectReader?
    /// The informer syncs and relists with streaming lists (`streamingList`), falling back to
    /// LIST when the server refuses or ignores them.
    public let streamingLists: Bool

    public init(client: KubeClient, resource: ResourceType, namespace: String?, labelSelector: String? = nil,
                fieldSelector: String? = nil, pageSize: Int = 500, defersObjects: Bool = false,
                objectReader: WatchObjectReader? = nil, streamingLists: Bool = false) {
        self.defersObjects = defersObjects
        self.objectReader = objectReader
        self.streamingLists = streamingLists
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.pageSize = max(1, pageSize)
    }

    public func list() async throws -> (items: [JSONValue], resourceVersion: String) {
        let options = ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector, limit: pageSize)
        let list = try await client.listAll(resource, namespace: namespace, options: options)
        return (list.items, list.metadata.resourceVersion ?? "")
    }

    /// Page by page (`pageSize` each). When the continue token expires (410) mid-list (the
    /// objects change faster than the server keeps history for the list's snapshot), the list
    /// starts over as one unpaged request, as client-go's pager does (`FullListIfExpired`):
    /// paging again could expire again, forever, on a busy fleet.
    public func list(pages page: @Sendable (_ items: [JSONValue], _ startsList: Bool) async throws -> Void) async throws -> String {
        var restarted = false
        while true {
            var request = ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector,
                                      limit: restarted ? nil : pageSize)
            var first = true
            var version = ""
            do {
                repeat {
                    let list = try await client.list(resource, namespace: namespace, options: request)
                    try await page(list.items, first)
                    first = false
                    version = list.metadata.resourceVersion ?? version
                    request.continueToken = list.metadata.continue.flatMap { $0.isEmpty ? nil : $0 }
                    request.resourceVersion = nil  // the rest of the pages come from the first page's snapshot
                } while request.continueToken != nil
                return version
            } catch let error as KubeError where error.isGone && request.continueToken != nil && !restarted {
                restarted = true
            }
        }
    }

    public func watch(from resourceVersion: String, timeoutSeconds: Int?) -> AsyncThrowingStream<WatchEvent, any Error> {
        let options = WatchOptions(resourceVersion: resourceVersion.isEmpty ? nil : resourceVersion,
                                   labelSelector: labelSelector, fieldSelector: fieldSelector,
                                   timeoutSeconds: timeoutSeconds, allowBookmarks: true, defersObjects: defersObjects,
                                   objectReader: objectReader)
        // Pulled by the informer's task: no pump task, no hand-off per event. The informer stops
        // iterating (idle timeout, shutdown) by cancelling, which aborts the transfer.
        return AsyncThrowingStream.pulling(client.watch(resource, namespace: namespace, options: options))
    }

    /// From the newest resourceVersion (a consistent read, as client-go's first streaming list),
    /// also after a 410: a version the server still knows would only spare it a quorum read.
    public func streamingList(timeoutSeconds: Int?) -> AsyncThrowingStream<WatchEvent, any Error>? {
        guard streamingLists else { return nil }
        let options = WatchOptions(resourceVersion: nil, labelSelector: labelSelector, fieldSelector: fieldSelector,
                                   timeoutSeconds: timeoutSeconds, allowBookmarks: true, defersObjects: defersObjects,
                                   objectReader: objectReader, sendInitialEvents: true)
        return AsyncThrowingStream.pulling(client.watch(resource, namespace: namespace, options: options))
    }

    public func isStreamingListRefused(_ error: any Error) -> Bool {
        let code = (error as? KubeError)?.statusCode ?? (error as? Status)?.code
        return code == 400 || code == 422
    }

    public func isGone(_ error: any Error) -> Bool {
        if let error = error as? KubeError { return error.isGone }
        guard let status = error as? Status else { return false }
        return status.code == 410 || status.reason == "Expired" || status.reason == "Gone"
    }

    public func isNotFound(_ error: any Error) -> Bool {
        if let error = error as? KubeError { return error.isNotFound }
        guard let status = error as? Status else { return false }
        return status.code == 404 || status.reason == "NotFound"
    }
}
