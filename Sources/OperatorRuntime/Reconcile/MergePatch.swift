import KubeAPI

/// RFC 7386 JSON merge patches, computed rather than hand-written.
public enum MergePatch {
    /// The patch that turns `old` into `new`: changed keys carry their new value, removed keys
    /// are null, nested objects are diffed key by key, arrays and scalars are replaced whole.
    /// Nil when nothing differs.
    public static func diff(from old: JSONValue, to new: JSONValue) -> JSONValue? {
        guard case .object(let before) = old, case .object(let after) = new else {
            // (Spelled out: `old == new ? nil : new` would make nil a JSON null.)
            if old == new { return nil }
            return new
        }
        var patch: [String: JSONValue] = [:]
        for (key, value) in after {
            if let previous = before[key] {
                if let change = diff(from: previous, to: value) { patch[key] = change }
            } else {
                patch[key] = value
            }
        }
        // A merge patch cannot say "set to null": a null in the new document is a removal too.
        for key in before.keys where after[key] == nil { patch[key] = .null }
        if patch.isEmpty { return nil }
        return .object(patch)
    }

    /// Applies a merge patch (RFC 7386), for tests and the dry-run view of a write.
    public static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in changes {
            if value.isNull {
                result.removeValue(forKey: key)
            } else {
                result[key] = apply(value, to: result[key] ?? .null)
            }
        }
        return .object(result)
    }
}
