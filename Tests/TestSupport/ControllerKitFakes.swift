import ControllerKit
import Foundation
import KubeAPI
import Locking
import Logging

/// Fakes of the controller kit's protocols (Lease store, Event sink, list/watch source) and a
/// log capture, shared by the ControllerKit and OperatorRuntime tests.

/// An error with a message, for a reconcile or a request that fails.
public struct Failure: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// A raw API object with the given name, namespace, resourceVersion and spec.
public func object(_ name: String, namespace: String? = "fab", rv: String, spec: JSONValue = [:]) -> JSONValue {
    var metadata: [String: JSONValue] = ["name": .string(name), "resourceVersion": .string(rv)]
    if let namespace { metadata["namespace"] = .string(namespace) }
    return .object(["metadata": .object(metadata), "spec": spec])
}

/// An in-memory Lease store honouring the resourceVersion precondition.
public actor InMemoryLeaseStore: LeaseStore {
    private var leases: [String: Lease] = [:]
    private var version = 0
    public private(set) var failing = false

    public init() {}

    public func setFailing(_ value: Bool) { failing = value }

    public func lease(namespace: String = "ns", name: String = "lock") -> Lease? { leases["\(namespace)/\(name)"] }

    public func get(namespace: String, name: String) async throws -> Lease? {
        if failing { throw Status(message: "injected outage", code: 503) }
        return leases["\(namespace)/\(name)"]
    }

    public func create(_ lease: Lease) async throws -> Lease {
        if failing { throw Status(message: "injected outage", code: 503) }
        let key = "\(lease.metadata.namespace ?? "")/\(lease.metadata.name ?? "")"
        if leases[key] != nil {
            throw LeaseStoreError.conflict(namespace: lease.metadata.namespace ?? "", name: lease.metadata.name ?? "")
        }
        var stored = lease
        version += 1
        stored.metadata.resourceVersion = String(version)
        leases[key] = stored
        return stored
    }

    public func update(_ lease: Lease) async throws -> Lease {
        if failing { throw Status(message: "injected outage", code: 503) }
        let key = "\(lease.metadata.namespace ?? "")/\(lease.metadata.name ?? "")"
        guard let existing = leases[key] else { throw Status(message: "not found", code: 404) }
        guard existing.metadata.resourceVersion == lease.metadata.resourceVersion else {
            throw LeaseStoreError.conflict(namespace: lease.metadata.namespace ?? "", name: lease.metadata.name ?? "")
        }
        var stored = lease
        version += 1
        stored.metadata.resourceVersion = String(version)
        leases[key] = stored
        return stored
    }
}

/// An Event sink that keeps Events in memory and can fail on demand.
public actor MemoryEventSink: EventSink {
    public private(set) var events: [String: Event] = [:]
    public private(set) var creates = 0
    public private(set) var patches = 0
    /// Errors thrown by the next calls, first first.
    private var injected: [any Error] = []

    public init() {}

    public func inject(_ errors: [any Error]) { injected = errors }
    public func delete(namespace: String, name: String) { events.removeValue(forKey: "\(namespace)/\(name)") }

    public func create(_ event: Event) async throws -> Event {
        if !injected.isEmpty { throw injected.removeFirst() }
        creates += 1
        events["\(event.metadata.namespace ?? "")/\(event.metadata.name ?? "")"] = event
        return event
    }

    public func patchCount(namespace: String, name: String, count: Int, lastTimestamp: String) async throws {
        if !injected.isEmpty { throw injected.removeFirst() }
        guard var event = events["\(namespace)/\(name)"] else { throw Status(message: "not found", code: 404) }
        patches += 1
        event.count = count
        event.lastTimestamp = lastTimestamp
        events["\(namespace)/\(name)"] = event
    }
}

/// A list/watch source driven by the test: lists answer from a script; each watch hands its
/// continuation to the test through `openedWatches`.
public final class ScriptedSource: ListWatchSource, @unchecked Sendable {
    public struct OpenedWatch: Sendable {
        public var resourceVersion: String
        /// The server-side timeout asked for (nil: the usual random 5–10 minutes).
        public var timeoutSeconds: Int?
        public var continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    }

    private let lists = Locked<[Result<([JSONValue], String), Status>]>([])
    private let listCalls = Locked(0)
    public let openedWatches: AsyncStream<OpenedWatch>
    private let openedContinuation: AsyncStream<OpenedWatch>.Continuation

    public init() {
        (openedWatches, openedContinuation) = AsyncStream.makeStream(of: OpenedWatch.self)
    }

    public func enqueueList(_ items: [JSONValue], rv: String) { lists.withLock { $0.append(.success((items, rv))) } }
    public func enqueueListError(_ status: Status) { lists.withLock { $0.append(.failure(status)) } }
    public var listCallCount: Int { listCalls.current }

    public func list() async throws -> (items: [JSONValue], resourceVersion: String) {
        listCalls.withLock { $0 += 1 }
        let next = lists.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let next else { throw Status(message: "no scripted list left", code: 500) }
        let (items, rv) = try next.get()
        return (items, rv)
    }

    public func watch(from resourceVersion: String, timeoutSeconds: Int?) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent.self)
        openedContinuation.yield(OpenedWatch(resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, continuation: continuation))
        return stream
    }
}

/// Log messages kept in memory (level, informer and message), for tests that assert what was logged.
public final class CapturedLog: Sendable {
    public let lines = Locked<[String]>([])

    public init() {}

    /// "info [pods] 410 Gone at 12, relisting", oldest first.
    public var messages: [String] { lines.current }

    /// A logger whose every message lands here (and nowhere else).
    public var logger: Logger { Logger(label: "test") { _ in Handler(lines: self.lines) } }

    public struct Handler: LogHandler {
        public let lines: Locked<[String]>
        public var metadata: Logger.Metadata = [:]
        public var logLevel: Logger.Level = .trace

        public init(lines: Locked<[String]>) { self.lines = lines }

        public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        public func log(event: LogEvent) {
            let informer = (event.metadata?["informer"] ?? metadata["informer"]).map { "[\($0)] " } ?? ""
            lines.withLock { $0.append("\(event.level) \(informer)\(event.message)") }
        }
    }
}
