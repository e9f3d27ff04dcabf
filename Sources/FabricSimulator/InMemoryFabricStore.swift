import Foundation
import KubeAPI

/// One write a store accepted, for tests that count what the simulator wrote.
public struct StoreWrite: Sendable, Hashable {
    public enum Verb: String, Sendable, Hashable { case create, update, updateStatus, delete }
    public var verb: Verb
    public var resource: ResourceType
    public var namespace: String?
    public var name: String
}

/// A plain in-memory object store with the API server's bookkeeping: uid, a global
/// resourceVersion counter, generation 1 on create and +1 whenever spec changes, optimistic
/// concurrency on update when the caller sends a resourceVersion. No watches, no validation
/// beyond what the simulator relies on.
public actor InMemoryFabricStore: FabricObjectStore {
    private struct Key: Hashable {
        var resource: ResourceType
        var namespace: String?
        var name: String
    }

    private var objects: [Key: JSONValue] = [:]
    private var revision: Int64 = 0
    private var log: [StoreWrite] = []
    private let recordsWrites: Bool

    /// `recordsWrites` keeps a log of every write for `writes()`; turn it off for long runs.
    public init(recordsWrites: Bool = true) {
        self.recordsWrites = recordsWrites
    }

    public func create(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue {
        let key = try key(r, object)
        guard objects[key] == nil else {
            throw FabricStoreError.alreadyExists(resource: r.plural, namespace: key.namespace, name: key.name)
        }
        revision += 1
        var stored = object
        var meta = object["metadata"] ?? [:]
        meta["uid"] = .string(Self.uid(revision))
        meta["resourceVersion"] = .string(String(revision))
        meta["generation"] = .int(1)
        stored["metadata"] = meta
        stored["apiVersion"] = .string(r.apiVersion)
        stored["kind"] = .string(r.kind)
        objects[key] = stored
        record(.create, key)
        return stored
    }

    public func get(_ r: ResourceType, namespace: String?, name: String) async throws -> JSONValue? {
        objects[Key(resource: r, namespace: r.namespaced ? namespace : nil, name: name)]
    }

    public func update(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue {
        let key = try key(r, object)
        guard let current = objects[key] else {
            throw FabricStoreError.notFound(resource: r.plural, namespace: key.namespace, name: key.name)
        }
        let currentVersion = current[path: "metadata", "resourceVersion"]?.stringValue ?? ""
        if let sent = object[path: "metadata", "resourceVersion"]?.stringValue, !sent.isEmpty, sent != currentVersion {
            throw FabricStoreError.conflict(
                resource: r.plural, namespace: key.namespace, name: key.name, expected: sent, actual: currentVersion)
        }
        revision += 1
        var stored = object
        var meta = object["metadata"] ?? [:]
        // The server owns these; a client cannot change them through update.
        meta["uid"] = current[path: "metadata", "uid"]
        var generation = current[path: "metadata", "generation"]?.intValue ?? 1
        if current["spec"] != object["spec"] { generation += 1 }
        meta["generation"] = .int(generation)
        meta["resourceVersion"] = .string(String(revision))
        stored["metadata"] = meta
        stored["status"] = current["status"]  // status changes only through updateStatus
        stored["apiVersion"] = .string(r.apiVersion)
        stored["kind"] = .string(r.kind)
        objects[key] = stored
        record(.update, key)
        return stored
    }

    public func updateStatus(_ r: ResourceType, namespace: String?, name: String, status: JSONValue) async throws -> JSONValue {
        let key = Key(resource: r, namespace: r.namespaced ? namespace : nil, name: name)
        guard var stored = objects[key] else {
            throw FabricStoreError.notFound(resource: r.plural, namespace: key.namespace, name: name)
        }
        revision += 1
        stored["status"] = status
        var meta = stored["metadata"] ?? [:]
        meta["resourceVersion"] = .string(String(revision))
        stored["metadata"] = meta
        objects[key] = stored
        record(.updateStatus, key)
        return stored
    }

    public func delete(_ r: ResourceType, namespace: String?, name: String) async throws {
        let key = Key(resource: r, namespace: r.namespaced ? namespace : nil, name: name)
        guard objects.removeValue(forKey: key) != nil else {
            throw FabricStoreError.notFound(resource: r.plural, namespace: key.namespace, name: name)
        }
        revision += 1
        record(.delete, key)
    }

    public func list(_ r: ResourceType, namespace: String?) async throws -> [JSONValue] {
        objects.filter { $0.key.resource == r && (namespace == nil || $0.key.namespace == namespace) }
            .sorted { ($0.key.namespace ?? "", $0.key.name) < ($1.key.namespace ?? "", $1.key.name) }
            .map(\.value)
    }

    /// Every write accepted so far, oldest first (empty when the log is off).
    public func writes() -> [StoreWrite] { log }

    public func clearWrites() { log.removeAll() }

    /// How many objects of a kind the store holds.
    public func count(_ r: ResourceType) -> Int { objects.keys.filter { $0.resource == r }.count }

    private func key(_ r: ResourceType, _ object: JSONValue) throws -> Key {
        guard let name = object[path: "metadata", "name"]?.stringValue, !name.isEmpty else {
            throw FabricStoreError.invalidObject(resource: r.plural, reason: "metadata.name is missing")
        }
        let namespace = object[path: "metadata", "namespace"]?.stringValue
        if r.namespaced && (namespace ?? "").isEmpty {
            throw FabricStoreError.invalidObject(resource: r.plural, reason: "metadata.namespace is missing for \(name)")
        }
        return Key(resource: r, namespace: r.namespaced ? namespace : nil, name: name)
    }

    private func record(_ verb: StoreWrite.Verb, _ key: Key) {
        guard recordsWrites else { return }
        log.append(StoreWrite(verb: verb, resource: key.resource, namespace: key.namespace, name: key.name))
    }

    private static func uid(_ n: Int64) -> String {
        let hex = String(n, radix: 16)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }
}
