import Foundation
import KubeAPI
import KubeEmulator

/// The emulator's object store as a `FabricObjectStore`, so the simulated fabric lives in the
/// same API the operator under test reads over HTTPS. Writes go to the store directly: they are
/// visible to watches but not counted in the emulator's HTTP `writeCount`, which then counts
/// only the operator's writes.
///
/// The emulator drops `status` on create (as a real API server does), so an object created with
/// a status is created first and given its status with a second write. Errors come back as the
/// `FabricStoreError`s the simulator understands.
public struct EmulatorFabricStore: FabricObjectStore {
    public let store: ObjectStore

    public init(store: ObjectStore) { self.store = store }

    public func create(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue {
        let namespace = object[path: "metadata", "namespace"]?.stringValue
        let created = try mapErrors(r, namespace, object) { () throws(Status) in
            try store.create(r, object, namespace: namespace, fieldManager: Self.manager(r, status: false))
        }
        guard let status = object["status"], !status.isNull else { return created }
        let name = created[path: "metadata", "name"]?.stringValue ?? ""
        return try await updateStatus(r, namespace: namespace, name: name, status: status)
    }

    public func get(_ r: ResourceType, namespace: String?, name: String) async throws -> JSONValue? {
        do {
            return try store.get(r, namespace: namespace, name: name)
        } catch where error.code == 404 {
            return nil
        } catch {
            throw map(error, r, namespace, name)
        }
    }

    public func update(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue {
        let namespace = object[path: "metadata", "namespace"]?.stringValue
        return try mapErrors(r, namespace, object) { () throws(Status) in
            try store.update(r, object, namespace: namespace, fieldManager: Self.manager(r, status: false))
        }
    }

    /// Replaces the whole status (a PUT of the status subresource), as the dataplane does.
    public func updateStatus(_ r: ResourceType, namespace: String?, name: String, status: JSONValue) async throws -> JSONValue {
        let current = try store.getMapped(r, namespace: namespace, name: name, map: map)
        var object = current
        object["status"] = status
        object["metadata"]?["resourceVersion"] = nil  // last writer wins, as the dataplane's PUT does
        return try mapErrors(r, namespace, object) { () throws(Status) in
            try store.updateStatus(r, object, namespace: namespace, fieldManager: Self.manager(r, status: true))
        }
    }

    public func delete(_ r: ResourceType, namespace: String?, name: String) async throws {
        do {
            _ = try store.delete(r, namespace: namespace, name: name)
        } catch {
            throw map(error, r, namespace, name)
        }
    }

    public func list(_ r: ResourceType, namespace: String?) async throws -> [JSONValue] {
        do {
            return try store.list(r, namespace: namespace).items
        } catch {
            throw map(error, r, namespace, "")
        }
    }

    /// Tells `simulator` about every gateway pod deleted by someone else (an eviction, `kubectl
    /// delete pod`), so the DaemonSet-like recreation starts at once instead of at the next pod
    /// sweep. Runs until the returned task is cancelled.
    public func relayPodDeletions(to simulator: FabricSimulator) throws -> Task<Void, Never> {
        let namespace = simulator.spec.gatewayNamespace
        let watch = try store.watch(.pods, namespace: namespace, resourceVersion: String(store.resourceVersion))
        return Task {
            defer { watch.cancel() }
            for await event in watch.events where event.type == .deleted {
                guard let name = event.object[path: "metadata", "name"]?.stringValue else { continue }
                await simulator.podDeleted(namespace: namespace, name: name)
            }
        }
    }

    // MARK: Errors

    private func mapErrors(_ r: ResourceType, _ namespace: String?, _ object: JSONValue,
                           _ body: () throws(Status) -> JSONValue) throws -> JSONValue {
        do {
            return try body()
        } catch {
            throw map(error, r, namespace, object[path: "metadata", "name"]?.stringValue ?? "")
        }
    }

    private func map(_ status: Status, _ r: ResourceType, _ namespace: String?, _ name: String) -> any Error {
        switch status.code {
        case 404: return FabricStoreError.notFound(resource: r.plural, namespace: namespace, name: name)
        case 409 where status.reason == "AlreadyExists":
            return FabricStoreError.alreadyExists(resource: r.plural, namespace: namespace, name: name)
        case 409:
            return FabricStoreError.conflict(resource: r.plural, namespace: namespace, name: name,
                                             expected: "(sent)", actual: status.message ?? "newer")
        default: return status
        }
    }

    /// Field managers as the real components would write: the fabric controller owns specs, the
    /// dataplane, the switch agents and the kubelet own their statuses.
    static func manager(_ r: ResourceType, status: Bool) -> String {
        guard status else { return "fabric-controller" }
        switch r.plural {
        case "gatewayagents": return "dataplane"
        case "agents": return "agent"
        case "pods": return "kubelet"
        default: return "fabric-simulator"
        }
    }
}

extension ObjectStore {
    fileprivate func getMapped(_ r: ResourceType, namespace: String?, name: String,
                               map: (Status, ResourceType, String?, String) -> any Error) throws -> JSONValue {
        do {
            return try get(r, namespace: namespace, name: name)
        } catch {
            throw map(error, r, namespace, name)
        }
    }
}
