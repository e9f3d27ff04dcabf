import HedgehogResources
import KubeAPI
import KubeClient

/// Writes GatewayHealths through the API. The reconciler reads only the stored metadata of an
/// answer, so only that is parsed (a status echo costs as much to parse as a watch event).
public struct ClientGatewayHealthWriter: GatewayHealthWriter {
    public let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public func create(_ object: JSONValue, namespace: String) async throws -> JSONValue {
        try await client.create(.gatewayHealths, namespace: namespace, body: object, reading: ["metadata"])
    }

    public func patchStatus(namespace: String, name: String, patch: JSONValue, summary: String) async throws -> JSONValue {
        try await client.patch(.gatewayHealths, namespace: namespace, name: name, patch: .merge(patch), subresource: "status",
                               reading: ["metadata"])
    }
}

/// Writes nothing: prints one line per would-be write (`--dry-run`) and answers as the API would,
/// so the reconciler's bookkeeping carries on as if the write had happened.
public struct DryRunGatewayHealthWriter: GatewayHealthWriter {
    private let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void = { print($0) }) { self.write = write }

    public func create(_ object: JSONValue, namespace: String) async throws -> JSONValue {
        let name = object[path: "metadata", "name"]?.stringValue ?? "?"
        write("[dry-run] would create GatewayHealth \(namespace)/\(name)")
        var stored = object
        stored["metadata"]?["resourceVersion"] = .string("dry-run")
        stored["metadata"]?["generation"] = 1  // as the API server sets it on create
        return stored
    }

    public func patchStatus(namespace: String, name: String, patch: JSONValue, summary: String) async throws -> JSONValue {
        write("[dry-run] would patch GatewayHealth \(namespace)/\(name) status: \(summary)")
        return ["metadata": ["name": .string(name), "namespace": .string(namespace), "resourceVersion": "dry-run"],
                "status": patch["status"] ?? .null]
    }
}
