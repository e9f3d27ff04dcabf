import Foundation
import KubeAPI

/// The slice of a Kubernetes API server the simulated fabric needs. The simulator plays the
/// fabric controller, the gateway dataplanes, the switch agents and the kubelet, so it writes
/// objects the way those components would. The emulator's store conforms to this through a
/// small adapter; `InMemoryFabricStore` is a stand-alone implementation for tests.
public protocol FabricObjectStore: Sendable {
    /// Stores a new object; returns it with `metadata.uid`, `resourceVersion` and `generation` set.
    func create(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue
    func get(_ r: ResourceType, namespace: String?, name: String) async throws -> JSONValue?
    /// Replaces spec and metadata (not status); the server bumps `generation` when spec changes.
    func update(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue
    /// Replaces `.status` as a whole (GatewayAgent status is atomic: the dataplane owns all of it).
    func updateStatus(_ r: ResourceType, namespace: String?, name: String, status: JSONValue) async throws -> JSONValue
    func delete(_ r: ResourceType, namespace: String?, name: String) async throws
    func list(_ r: ResourceType, namespace: String?) async throws -> [JSONValue]
}

/// Why a store refused a request, with the object it was about.
public enum FabricStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(resource: String, namespace: String?, name: String)
    case alreadyExists(resource: String, namespace: String?, name: String)
    case conflict(resource: String, namespace: String?, name: String, expected: String, actual: String)
    case invalidObject(resource: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let r, let ns, let n): "\(r) \(FabricStoreError.key(ns, n)) not found"
        case .alreadyExists(let r, let ns, let n): "\(r) \(FabricStoreError.key(ns, n)) already exists"
        case .conflict(let r, let ns, let n, let expected, let actual):
            "\(r) \(FabricStoreError.key(ns, n)) was modified: resourceVersion \(expected) is stale, current is \(actual)"
        case .invalidObject(let r, let reason): "invalid \(r) object: \(reason)"
        }
    }

    static func key(_ namespace: String?, _ name: String) -> String {
        namespace.map { "\($0)/\(name)" } ?? name
    }
}
