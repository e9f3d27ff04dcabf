import KubeAPI

/// Where the recorder writes core/v1 Events. The Kubernetes client implements it with a POST to
/// `namespaces/<ns>/events` and a merge PATCH of `count` and `lastTimestamp`.
public protocol EventSink: Sendable {
    /// Creates `event` (its name is already set) and returns the stored object.
    func create(_ event: Event) async throws -> Event
    /// Sets `count` and `lastTimestamp` on an existing Event.
    func patchCount(namespace: String, name: String, count: Int, lastTimestamp: String) async throws

    /// True when `error` says the Event no longer exists (it expired: the API server keeps Events
    /// about an hour). The recorder then creates it again.
    func isNotFound(_ error: any Error) -> Bool
    /// True when trying again may succeed (network trouble, 5xx, 429).
    func isRetryable(_ error: any Error) -> Bool
}

extension EventSink {
    public func isNotFound(_ error: any Error) -> Bool {
        (error as? Status).map { $0.code == 404 || $0.reason == "NotFound" } ?? false
    }

    /// Errors that are not a `Status` are taken as transport failures: retryable. A `Status` is
    /// retryable for 429, 5xx, or no code.
    public func isRetryable(_ error: any Error) -> Bool {
        guard let status = error as? Status else { return !(error is CancellationError) }
        guard let code = status.code else { return true }
        return code == 429 || code >= 500
    }
}

/// Prints Events instead of writing them (`--dry-run`): every line says what would be written.
public struct DryRunEventSink: EventSink {
    private let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.write = write
    }

    public func create(_ event: Event) async throws -> Event {
        let target = [event.involvedObject.kind, event.involvedObject.namespace, event.involvedObject.name]
            .compactMap { $0 }.joined(separator: "/")
        write("[dry-run] would create Event \(event.metadata.namespace ?? "default")/\(event.metadata.name ?? "?") "
              + "\(event.type ?? "Normal") \(event.reason ?? "") on \(target): \(event.message ?? "")")
        return event
    }

    public func patchCount(namespace: String, name: String, count: Int, lastTimestamp: String) async throws {
        write("[dry-run] would patch Event \(namespace)/\(name): count=\(count) lastTimestamp=\(lastTimestamp)")
    }
}

/// Where an `EventRecorder` counts what it drops (the application's metrics).
public protocol EventRecorderCounters: Sendable {
    /// The spam filter refused an Event.
    func eventDropped()
}
