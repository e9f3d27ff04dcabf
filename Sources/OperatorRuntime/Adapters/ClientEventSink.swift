import ControllerKit
import KubeAPI
import KubeClient

/// `EventSink` over a `KubeClient`: creates core/v1 Events and merge-patches `count` and
/// `lastTimestamp` of a repeated one.
public struct ClientEventSink: EventSink {
    public let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public func create(_ event: Event) async throws -> Event {
        let body = try JSONValue(encoding: event)
        let stored = try await client.create(.events, namespace: event.metadata.namespace, body: body, reading: ["metadata"])
        // The recorder needs only the stored identity: decoding the whole answer through
        // Codable cost 7 % of the operator's CPU while 10,000 gateways got their first Event.
        // Only the answer's metadata is parsed.
        var created = event
        let metadata = stored["metadata"]
        if let name = metadata?["name"]?.stringValue { created.metadata.name = name }
        if let namespace = metadata?["namespace"]?.stringValue { created.metadata.namespace = namespace }
        created.metadata.uid = metadata?["uid"]?.stringValue ?? created.metadata.uid
        created.metadata.resourceVersion = metadata?["resourceVersion"]?.stringValue ?? created.metadata.resourceVersion
        return created
    }

    public func patchCount(namespace: String, name: String, count: Int, lastTimestamp: String) async throws {
        let patch: JSONValue = ["count": .int(Int64(count)), "lastTimestamp": .string(lastTimestamp)]
        _ = try await client.patch(.events, namespace: namespace, name: name, patch: .merge(patch))
    }

    public func isNotFound(_ error: any Error) -> Bool {
        if let error = error as? KubeError { return error.isNotFound }
        return (error as? Status).map { $0.code == 404 } ?? false
    }

    public func isRetryable(_ error: any Error) -> Bool {
        if let error = error as? KubeError { return error.isTransient }
        if error is CancellationError { return false }
        guard let status = error as? Status else { return true }
        return status.code.map { $0 == 429 || $0 >= 500 } ?? true
    }
}
