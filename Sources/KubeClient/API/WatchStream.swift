import Foundation
import KubeAPI
import Logging

/// The events of one watch request: ADDED, MODIFIED, DELETED and BOOKMARK, in order.
///
/// One stream is one HTTP request. It ends (nil) when the server ends the request (its
/// `timeoutSeconds`); it throws when the request cannot be opened or the connection breaks
/// (`.transport`, 5xx, a dead link noticed by the idle deadline), `.gone` on 410 (HTTP or an
/// ERROR event: the caller must relist), and the typed error of other ERROR events and 4xx
/// answers. A line cut in the middle by a broken connection is never delivered. Resuming from
/// `resourceVersion` (the last version seen) is the caller's: the informer's watcher does it,
/// as client-go's reflector does. Cancelling the consuming task, or dropping the iterator,
/// aborts the transfer.
public struct WatchStream: AsyncSequence, Sendable {
    public typealias Element = WatchEvent
    public typealias Failure = KubeError

    let client: KubeClient
    let resource: ResourceType
    let namespace: String?
    let options: WatchOptions

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, resource: resource, namespace: namespace, options: options)
    }

    public struct Iterator: AsyncIteratorProtocol {
        public typealias Element = WatchEvent
        public typealias Failure = KubeError

        private let connector: WatchConnector
        private var decoder: WatchEventDecoder
        private var splitter: LineSplitter
        private var lines: [LineSplitter.Line] = []
        private var lineIndex = 0
        private var stream: ResponseStream?
        private var opened = false
        private var finished = false

        init(client: KubeClient, resource: ResourceType, namespace: String?, options: WatchOptions) {
            connector = WatchConnector(client: client, resource: resource, namespace: namespace, options: options)
            decoder = WatchEventDecoder(path: connector.path, resourceVersion: options.resourceVersion)
            decoder.defersObjects = options.defersObjects
            decoder.objectReader = options.objectReader
            splitter = LineSplitter(maxLineLength: client.options.maxObjectBytes)
        }

        /// The last resourceVersion seen (from objects and bookmarks): where a new watch resumes.
        public var resourceVersion: String? { decoder.lastResourceVersion }

        public mutating func next() async throws(KubeError) -> WatchEvent? {
            try await next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(KubeError) -> WatchEvent? {
            do {
                return try await produce(isolation: actor)
            } catch {
                end()
                throw error
            }
        }

        private mutating func produce(isolation actor: isolated (any Actor)?) async throws(KubeError) -> WatchEvent? {
            while !finished {
                if lineIndex < lines.count {
                    let line = lines[lineIndex]
                    lineIndex += 1
                    let outcome: WatchEventDecoder.Outcome
                    switch line {
                    case .complete(let bytes): outcome = try decoder.decodeTolerant(bytes)
                    case .oversized(let skipped): outcome = decoder.decodeOversized(skipped, limit: splitter.maxLineLength)
                    }
                    switch outcome {
                    case .event(let event):
                        return event
                    case .unreadable(let event, let problem):
                        // The stub keeps the object in the caller's cache, marked unreadable.
                        connector.client.logger.error("unreadable watch event replaced by a stub of its object", metadata: [
                            "path": "\(connector.path)", "problem": "\(problem)",
                            "object": "\(event.object[path: "metadata", "namespace"]?.stringValue ?? "")/\(event.object[path: "metadata", "name"]?.stringValue ?? "")"])
                        return event
                    case .skipped(let problem):
                        connector.client.logger.error("unreadable watch event skipped", metadata: [
                            "path": "\(connector.path)", "problem": "\(problem)"])
                        continue
                    }
                }
                guard let stream else {
                    // One request per stream: once it has ended, the stream is over.
                    guard !opened else { end(); return nil }
                    opened = true
                    stream = try await connector.open(resourceVersion: decoder.lastResourceVersion).get()
                    continue
                }
                switch await stream.next() {
                case .success(let chunk?):
                    lines = splitter.split(chunk)
                    lineIndex = 0
                case .success(nil):
                    // The server ended the request. A partial last line (no newline) is dropped
                    // with the splitter: its event is replayed by a watch resumed from here.
                    self.stream = nil
                case .failure(let error):
                    self.stream = nil
                    throw error
                }
            }
            return nil
        }

        private mutating func end() {
            finished = true
            stream?.cancel()
            stream = nil
            lines = []
        }
    }
}

/// Opens the HTTP request of one watch: query, credentials, a 401 refresh, error answers.
struct WatchConnector: Sendable {
    let client: KubeClient
    let resource: ResourceType
    let options: WatchOptions
    let path: String

    init(client: KubeClient, resource: ResourceType, namespace: String?, options: WatchOptions) {
        self.client = client
        self.resource = resource
        self.options = options
        self.path = resource.collectionPath(namespace: namespace.map(URLEncoding.component))
    }

    /// Bytes waiting unread before the transfer is paused (backpressure).
    static let bufferCapacity = 2 << 20

    func open(resourceVersion: String?) async -> Result<ResponseStream, KubeError> {
        let timeout = options.timeoutSeconds ?? Int.random(in: 300...600)
        let spec = RequestSpec(
            verb: "watch", resource: resource.plural, method: "GET", path: path,
            query: options.queryItems(resourceVersion: resourceVersion, timeoutSeconds: timeout))
        var refresh = false
        while true {
            let request: HTTPRequest
            do {
                request = try await client.buildRequest(spec, refresh: refresh, timeout: nil)
            } catch {
                return .failure(error)
            }
            var streamed = request
            // The server ends the request after `timeout`; silence well beyond it is a dead link.
            streamed.idleTimeoutSeconds = timeout + 30
            let opened = await client.transport.openStream(streamed, bufferCapacity: Self.bufferCapacity,
                                                          deliveryWindow: client.options.watchDeliveryWindow)
            guard case .success(let stream) = opened else {
                if case .failure(let error) = opened, !error.isCancelled { client.report(spec, 0) }
                return opened
            }
            let status = stream.head.status
            client.report(spec, status)
            if (200..<300).contains(status) { return .success(stream) }
            if status == 401 && !refresh {
                stream.cancel()
                refresh = true
                continue
            }
            switch await stream.collect(limit: 64 << 10) {
            case .success(let body):
                let error = KubeError.fromResponse(status: status, body: body, verb: "watch", path: path)
                if case .gone = error { return .failure(.gone(resourceVersion: resourceVersion)) }
                return .failure(error)
            case .failure(let error):
                return .failure(error)
            }
        }
    }
}
