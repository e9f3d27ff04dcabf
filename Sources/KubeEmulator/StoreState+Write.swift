import Foundation
import KubeAPI

/// Create, update and delete, with the real server's metadata rules. Runs under the store's lock.
extension StoreState {
    static let crdKey = "apiextensions.k8s.io/customresourcedefinitions"

    func checkKind(_ r: RegisteredResource, _ object: JSONValue) throws(Status) {
        guard case .object = object else { throw StatusErrors.badRequest("the request body must be a JSON object, not \(object.typeName)") }
        if let kind = object["kind"]?.stringValue, !kind.isEmpty, kind != r.type.kind {
            throw StatusErrors.badRequest("the kind of the object (\(kind)) does not match the resource \(StatusErrors.qualified(r)) (\(r.type.kind))")
        }
        if let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty {
            let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
            if group != r.type.group {
                throw StatusErrors.badRequest("the apiVersion of the object (\(apiVersion)) does not match the resource's group \"\(r.type.group)\"")
            }
        }
    }

    /// The namespace an object goes to: "" for cluster-scoped resources.
    func placement(_ r: RegisteredResource, _ object: JSONValue, namespace: String?) throws(Status) -> String {
        guard r.type.namespaced else { return "" }
        let own = object[path: "metadata", "namespace"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let namespace, let own, own != namespace {
            throw StatusErrors.badRequest("the namespace of the provided object (\(own)) does not match the namespace sent on the request (\(namespace))")
        }
        return namespace ?? own ?? "default"
    }

    func current(_ r: RegisteredResource, _ namespace: String, _ name: String) -> JSONValue? {
        objects[r.key]?[namespace]?[name]
    }

    /// Stores a new state of an object under a fresh resourceVersion and tells the watchers.
    private mutating func commit(_ r: RegisteredResource, _ namespace: String, _ name: String, _ object: JSONValue,
                                 type: WatchEvent.Kind, previous: JSONValue?) -> JSONValue {
        resourceVersion += 1
        var stored = object
        stored["metadata"]?["resourceVersion"] = .string(String(resourceVersion))
        if type == .deleted {
            objects[r.key]?[namespace]?.removeValue(forKey: name)
            if objects[r.key]?[namespace]?.isEmpty == true { objects[r.key]?.removeValue(forKey: namespace) }
        } else {
            objects[r.key, default: [:]][namespace, default: [:]][name] = stored
        }
        record(ChangeRecord(resourceVersion: resourceVersion, key: r.key, namespace: namespace, type: type, object: stored, previous: previous))
        return stored
    }

    mutating func create(_ r: RegisteredResource, _ input: JSONValue, namespace: String?, manager: String, operation: String = "Update",
                         now: Date) throws(Status) -> JSONValue {
        try checkKind(r, input)
        let ns = try placement(r, input, namespace: namespace)
        var object = input
        var meta = object["metadata"]?.objectValue ?? [:]
        var name = meta["name"]?.stringValue ?? ""
        if name.isEmpty {
            guard let prefix = meta["generateName"]?.stringValue, !prefix.isEmpty else {
                throw StatusErrors.invalid(r, "", "metadata.name: Required value: name or generateName is required")
            }
            repeat { name = prefix + MetadataRules.randomSuffix() } while current(r, ns, name) != nil
        }
        guard MetadataRules.isValidName(name) else {
            throw StatusErrors.invalid(r, name, "metadata.name: Invalid value: \"\(name)\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'")
        }
        if current(r, ns, name) != nil { throw StatusErrors.alreadyExists(r, name) }
        var definition: RegisteredResource?
        if r.key == Self.crdKey { definition = try RegisteredResource(crd: input) }
        for k in MetadataRules.serverOwned { meta.removeValue(forKey: k) }
        meta["name"] = .string(name)
        meta["uid"] = .string(UUID().uuidString.lowercased())
        meta["creationTimestamp"] = .string(KubeTime.format(now))
        meta["generation"] = .int(1)
        if r.type.namespaced { meta["namespace"] = .string(ns) } else { meta.removeValue(forKey: "namespace") }
        object["metadata"] = .object(meta)
        object["apiVersion"] = .string(r.type.apiVersion)
        object["kind"] = .string(r.type.kind)
        if r.hasStatusSubresource {
            // As on a real server: status cannot be set by create; it starts as the server's default.
            switch r.type.plural {
            case "pods" where r.type.group.isEmpty: object["status"] = ["phase": "Pending"]
            case "namespaces" where r.type.group.isEmpty: object["status"] = ["phase": "Active"]
            default: object["status"] = nil
            }
        }
        if definition != nil { object["status"] = RegisteredResource.establishedStatus(of: object, previous: nil) }
        MetadataRules.updateManagedFields(&object, old: nil, manager: manager, operation: operation, subresource: nil,
                                          time: KubeTime.format(now))
        if let definition { registry[definition.key] = definition }
        return commit(r, ns, name, object, type: .added, previous: nil)
    }

    /// PUT of the object (subresource nil) or of its status (subresource "status").
    mutating func update(_ r: RegisteredResource, _ input: JSONValue, namespace: String?, name urlName: String?,
                         subresource: String?, manager: String, operation: String = "Update", now: Date) throws(Status) -> JSONValue {
        try checkKind(r, input)
        let ns = try placement(r, input, namespace: namespace)
        let bodyName = input[path: "metadata", "name"]?.stringValue ?? ""
        if let urlName, !bodyName.isEmpty, bodyName != urlName {
            throw StatusErrors.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(urlName))")
        }
        let name = urlName ?? bodyName
        guard !name.isEmpty else { throw StatusErrors.invalid(r, "", "metadata.name: Required value: name is required") }
        guard let old = current(r, ns, name) else { throw StatusErrors.notFound(r, name) }
        if let rv = input[path: "metadata", "resourceVersion"]?.stringValue, !rv.isEmpty,
           rv != old[path: "metadata", "resourceVersion"]?.stringValue {
            throw StatusErrors.staleVersion(r, name)
        }
        if subresource == "status" && !r.hasStatusSubresource { throw StatusErrors.notFound(r, "\(name)/status") }
        var object: JSONValue
        if subresource == "status" {
            object = old
            object["status"] = input["status"]
        } else {
            object = input
            if r.hasStatusSubresource { object["status"] = old["status"] }
            var meta = object["metadata"]?.objectValue ?? [:]
            let oldMeta = old["metadata"]?.objectValue ?? [:]
            for k in MetadataRules.serverOwned { meta[k] = oldMeta[k] }
            meta["name"] = .string(name)
            if r.type.namespaced { meta["namespace"] = .string(ns) } else { meta.removeValue(forKey: "namespace") }
            object["metadata"] = .object(meta)
            if MetadataRules.specPart(object, statusIsSubresource: r.hasStatusSubresource)
                != MetadataRules.specPart(old, statusIsSubresource: r.hasStatusSubresource) {
                object["metadata"]?["generation"] = .int((old[path: "metadata", "generation"]?.intValue ?? 0) + 1)
            }
        }
        object["apiVersion"] = .string(r.type.apiVersion)
        object["kind"] = .string(r.type.kind)
        // A write that changes nothing keeps the resourceVersion and wakes no watcher.
        if MetadataRules.sameContent(object, old) { return old }
        var definition: RegisteredResource?
        if r.key == Self.crdKey {
            definition = try RegisteredResource(crd: object)
            if subresource == nil { object["status"] = RegisteredResource.establishedStatus(of: object, previous: old["status"]) }
        }
        MetadataRules.updateManagedFields(&object, old: old, manager: manager, operation: operation, subresource: subresource,
                                          time: KubeTime.format(now))
        if let definition { registry[definition.key] = definition }
        return commit(r, ns, name, object, type: .modified, previous: old)
    }

    mutating func delete(_ r: RegisteredResource, namespace: String?, name: String, preconditions: Preconditions?) throws(Status) -> JSONValue {
        let ns = r.type.namespaced ? (namespace ?? "default") : ""
        guard let old = current(r, ns, name) else { throw StatusErrors.notFound(r, name) }
        if let uid = preconditions?.uid, let actual = old[path: "metadata", "uid"]?.stringValue, uid != actual {
            throw StatusErrors.conflict(r, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(actual)")
        }
        if let rv = preconditions?.resourceVersion, let actual = old[path: "metadata", "resourceVersion"]?.stringValue, rv != actual {
            throw StatusErrors.conflict(r, name, "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(actual)")
        }
        let deleted = commit(r, ns, name, old, type: .deleted, previous: nil)
        if r.key == Self.crdKey, let definition = try? RegisteredResource(crd: old) {
            // Deleting a CRD removes its resource and every object of it, as on a real cluster.
            registry.removeValue(forKey: definition.key)
            objects.removeValue(forKey: definition.key)
        }
        return deleted
    }
}
