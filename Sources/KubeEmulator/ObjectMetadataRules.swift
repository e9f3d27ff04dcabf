import Foundation
import KubeAPI

/// The server-owned parts of an object: what a write may change and what it may not.
enum MetadataRules {
    /// Fields of metadata only the server sets; a client's values are replaced by the stored ones.
    static let serverOwned = ["uid", "creationTimestamp", "generation", "resourceVersion", "managedFields", "deletionTimestamp", "selfLink"]

    /// The object without metadata (and without status when the resource has a status
    /// subresource): a change here bumps `generation`, as kube-apiserver's custom resource strategy
    /// does. Without the subresource, status is ordinary content and a change to it counts.
    static func specPart(_ object: JSONValue, statusIsSubresource: Bool) -> JSONValue {
        var o = object.objectValue ?? [:]
        for k in ["metadata", "apiVersion", "kind"] { o.removeValue(forKey: k) }
        if statusIsSubresource { o.removeValue(forKey: "status") }
        return .object(o)
    }

    /// Top-level keys whose value differs between two objects (metadata and status excluded).
    static func changedTopLevelKeys(_ old: JSONValue?, _ new: JSONValue) -> Set<String> {
        let a = old?.objectValue ?? [:]
        let b = new.objectValue ?? [:]
        var keys = Set<String>()
        for k in Set(a.keys).union(b.keys) where !["metadata", "apiVersion", "kind"].contains(k) && a[k] != b[k] {
            keys.insert(k)
        }
        return keys
    }

    /// Two objects equal but for resourceVersion and managedFields: such an update is a no-op.
    static func sameContent(_ a: JSONValue, _ b: JSONValue) -> Bool {
        strip(a) == strip(b)
    }

    private static func strip(_ o: JSONValue) -> JSONValue {
        var x = o
        x["metadata"]?["resourceVersion"] = nil
        x["metadata"]?["managedFields"] = nil
        return x
    }

    /// Records which writer changed which top-level fields and when, the way the real server's
    /// managedFields let a reader learn when `spec` last changed and who changed it.
    static func updateManagedFields(_ object: inout JSONValue, old: JSONValue?, manager: String, operation: String,
                                    subresource: String?, time: String) {
        let changed = changedTopLevelKeys(old, object)
        guard !changed.isEmpty || old == nil else { return }
        var entries = old?[path: "metadata", "managedFields"]?.arrayValue ?? []
        // Ownership moves to the writer: other entries lose the fields it just changed.
        entries = entries.compactMap { e in
            var fields = e["fieldsV1"]?.objectValue ?? [:]
            let sameWriter = e["manager"]?.stringValue == manager && e["operation"]?.stringValue == operation
                && e["subresource"]?.stringValue == subresource
            if sameWriter { return e }
            for k in changed { fields.removeValue(forKey: "f:\(k)") }
            if fields.isEmpty { return nil }
            var copy = e
            copy["fieldsV1"] = .object(fields)
            return copy
        }
        let index = entries.firstIndex {
            $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == operation && $0["subresource"]?.stringValue == subresource
        }
        var fields = index.flatMap { entries[$0]["fieldsV1"]?.objectValue } ?? [:]
        for k in changed { fields["f:\(k)"] = .object([:]) }
        var entry: JSONValue = [
            "manager": .string(manager), "operation": .string(operation), "apiVersion": object["apiVersion"] ?? .null,
            "time": .string(time), "fieldsType": "FieldsV1", "fieldsV1": .object(fields),
        ]
        if let subresource { entry["subresource"] = .string(subresource) }
        if let index { entries[index] = entry } else { entries.append(entry) }
        object["metadata"]?["managedFields"] = .array(entries)
    }

    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement() ?? "x" })
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 253 && name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." }
            && name.first.map { $0.isLetter || $0.isNumber } == true && name.last.map { $0.isLetter || $0.isNumber } == true
    }
}
