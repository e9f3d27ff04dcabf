import Foundation
import KubeAPI
import Locking

/// The emulator's object store, usable directly by tests and the fabric simulator with the same
/// semantics as over HTTP: one resourceVersion counter, the same watch notifications. Calls are
/// synchronous and thread-safe. Errors are the `Status` the HTTP API would answer with.
public final class ObjectStore: Sendable {
    let state: Locked<StoreState>
    let now: @Sendable () -> Date

    public init(configuration: EmulatorConfiguration = EmulatorConfiguration()) {
        state = Locked(StoreState(historyLimit: configuration.historyLimit, watchBufferLimit: configuration.watchBufferLimit))
        now = configuration.now
        state.withLock { s in
            for r in RegisteredResource.builtIns { s.registry[r.key] = r }
        }
        // Namespaces need not exist to be used, but these are there to be read, as on any cluster.
        for name in ["default", "kube-system", "kube-public"] {
            _ = try? create(.namespaces, ["metadata": .object(["name": .string(name)])], fieldManager: "emulator")
        }
        if configuration.registerFabricResources { registerFabricResources() }
    }

    // MARK: Resources

    /// Serves a resource. Registering through a CRD object (`create(.customResourceDefinitions, …)`)
    /// also works and makes the definition visible to `kubectl get crd`.
    public func register(_ resource: RegisteredResource) {
        state.withLock { $0.registry[resource.key] = resource }
    }

    /// Creates the CRD objects of the Hedgehog fabric resources and GatewayHealth (idempotent).
    public func registerFabricResources() {
        for r in RegisteredResource.fabric {
            _ = try? create(.customResourceDefinitions, r.crdObject, fieldManager: "gateway-medic-emulator")
        }
    }

    public var resources: [RegisteredResource] {
        state.withLock { Array($0.registry.values) }.sorted { $0.key < $1.key }
    }

    /// The resource serving `group`/`version`/`plural`, if any.
    public func resource(group: String, version: String, plural: String) -> RegisteredResource? {
        state.withLock { s in s.registry["\(group)/\(plural)"].flatMap { $0.versions.contains(version) ? $0 : nil } }
    }

    /// The newest resourceVersion handed out.
    public var resourceVersion: Int64 { state.withLock { $0.resourceVersion } }

    /// The resourceVersion of the newest change (create, update, delete) to objects of `type` in
    /// `namespace` (nil: cluster-scoped), or nil when there was none. A watcher that has seen
    /// this resourceVersion has seen every change of that resource there.
    public func latestChangeVersion(_ type: ResourceType, namespace: String? = nil) -> Int64? {
        state.withLock { $0.latestChange["\(type.group)/\(type.plural)|\(namespace ?? "")"] }
    }

    /// Changes at or before this resourceVersion are forgotten: resuming from before it is a 410.
    public var compactedResourceVersion: Int64 { state.withLock { $0.compactedThrough } }

    // MARK: Reads and writes

    public func get(_ type: ResourceType, namespace: String? = nil, name: String) throws(Status) -> JSONValue {
        try state.withLockTyped { s throws(Status) in
            let r = try s.resolve(type)
            let ns = r.type.namespaced ? (namespace ?? "default") : ""
            guard let o = s.current(r, ns, name) else { throw StatusErrors.notFound(r, name) }
            return StoreState.relabel(o, apiVersion: type.apiVersion, kind: type.kind)
        }
    }

    /// Creates an object; `namespace` nil takes the object's own (or `default`).
    @discardableResult
    public func create(_ type: ResourceType, _ object: JSONValue, namespace: String? = nil,
                       fieldManager: String = "emulator") throws(Status) -> JSONValue {
        let time = now()
        return try state.withLockTyped { s throws(Status) in
            let r = try s.resolve(type)
            let stored = try s.create(r, object, namespace: namespace, manager: fieldManager, now: time)
            return StoreState.relabel(stored, apiVersion: type.apiVersion, kind: type.kind)
        }
    }

    /// Replaces an object (status is kept when the resource has a status subresource). A
    /// non-empty `metadata.resourceVersion` that is not the current one is a 409 Conflict.
    @discardableResult
    public func update(_ type: ResourceType, _ object: JSONValue, namespace: String? = nil,
                       fieldManager: String = "emulator") throws(Status) -> JSONValue {
        try write(type, object, namespace: namespace, subresource: nil, fieldManager: fieldManager)
    }

    /// Replaces only the status of an object.
    @discardableResult
    public func updateStatus(_ type: ResourceType, _ object: JSONValue, namespace: String? = nil,
                             fieldManager: String = "emulator") throws(Status) -> JSONValue {
        try write(type, object, namespace: namespace, subresource: "status", fieldManager: fieldManager)
    }

    func write(_ type: ResourceType, _ object: JSONValue, namespace: String?, name: String? = nil, subresource: String?,
               fieldManager: String) throws(Status) -> JSONValue {
        let time = now()
        return try state.withLockTyped { s throws(Status) in
            let r = try s.resolve(type)
            let stored = try s.update(r, object, namespace: namespace, name: name, subresource: subresource, manager: fieldManager, now: time)
            return StoreState.relabel(stored, apiVersion: type.apiVersion, kind: type.kind)
        }
    }

    /// Patches an object or (subresource "status") its status. An apply patch creates a missing object.
    @discardableResult
    public func patch(_ type: ResourceType, namespace: String? = nil, name: String, _ patch: JSONValue,
                      patchType: PatchType = .merge, subresource: String? = nil,
                      fieldManager: String = "emulator") throws(Status) -> JSONValue {
        let time = now()
        return try state.withLockTyped { s throws(Status) in
            let r = try s.resolve(type)
            let ns = r.type.namespaced ? (namespace ?? "default") : ""
            guard let old = s.current(r, ns, name) else {
                guard patchType == .apply else { throw StatusErrors.notFound(r, name) }
                var object = patch
                object["metadata"]?["name"] = .string(name)
                let stored = try s.create(r, object, namespace: ns, manager: fieldManager, operation: "Apply", now: time)
                return StoreState.relabel(stored, apiVersion: type.apiVersion, kind: type.kind)
            }
            let patched = try Patcher.apply(patchType, patch: patch, to: StoreState.relabel(old, apiVersion: type.apiVersion, kind: type.kind))
            let stored = try s.update(r, patched, namespace: ns, name: name, subresource: subresource, manager: fieldManager,
                                      operation: patchType == .apply ? "Apply" : "Update", now: time)
            return StoreState.relabel(stored, apiVersion: type.apiVersion, kind: type.kind)
        }
    }

    /// Deletes an object now (no graceful period); preconditions that do not hold are a 409.
    @discardableResult
    public func delete(_ type: ResourceType, namespace: String? = nil, name: String,
                       preconditions: Preconditions? = nil) throws(Status) -> JSONValue {
        try state.withLockTyped { s throws(Status) in
            let r = try s.resolve(type)
            return StoreState.relabel(try s.delete(r, namespace: namespace, name: name, preconditions: preconditions),
                                      apiVersion: type.apiVersion, kind: type.kind)
        }
    }

    /// Lists objects in key order; `namespace` nil lists across namespaces. With `limit`, the
    /// result's `metadata.continue` fetches the rest; a token from before `compact()` is a 410.
    public func list(_ type: ResourceType, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
                     limit: Int? = nil, continueToken: String? = nil) throws(Status) -> ObjectList {
        let filter = try ObjectFilter(labelSelector: labelSelector, fieldSelector: fieldSelector)
        return try state.withLockTyped { s throws(Status) in
            let r = try s.resolve(type)
            return try s.list(r, as: type, namespace: namespace, filter: filter, limit: limit, continueToken: continueToken)
        }
    }

    // MARK: Eviction

    /// Evicts (deletes) a pod, unless evictions of it are refused: then a 429 like a PodDisruptionBudget gives.
    public func evict(namespace: String, name: String) throws(Status) {
        try state.withLockTyped { s throws(Status) in
            let r = try s.resolve(.pods)
            guard s.current(r, namespace, name) != nil else { throw StatusErrors.notFound(r, name) }
            if s.refusedEvictions.contains("\(namespace)/\(name)") {
                throw Status(message: "Cannot evict pod as it would violate the pod's disruption budget.", reason: "TooManyRequests",
                             code: 429, details: StatusDetails(name: name, kind: "pods", retryAfterSeconds: 10))
            }
            _ = try s.delete(r, namespace: namespace, name: name, preconditions: nil)
        }
    }

    /// Makes evictions of one pod fail with 429 (true) or succeed again (false).
    public func setEvictionRefused(_ refused: Bool, namespace: String, name: String) {
        state.withLock { s in
            if refused { s.refusedEvictions.insert("\(namespace)/\(name)") } else { s.refusedEvictions.remove("\(namespace)/\(name)") }
        }
    }

    // MARK: History

    /// Forgets every change so far: a watch or a continue token from before now gets 410 Gone.
    public func compact() {
        state.withLock { $0.compact() }
    }
}
