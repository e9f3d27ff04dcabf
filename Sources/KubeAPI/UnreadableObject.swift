/// An object the client could not read in full (larger than its size limit), stood in for by a
/// stub: the object's identity (apiVersion, kind, name, namespace, uid, resourceVersion,
/// generation) and an annotation saying why. The health model turns the annotation into a
/// condition with a reason, so the object is neither silently dropped nor read unbounded.
public enum UnreadableObject {
    /// The annotation a stub carries; its value is the reason, for people.
    public static let annotation = "gatewaymedic.io/unreadable"

    /// The stub for `object` (complete or a truncated prefix), or nil when not even its name
    /// is known.
    public static func stub(of object: JSONValue, reason: String) -> JSONValue? {
        guard let name = object[path: "metadata", "name"]?.stringValue, !name.isEmpty else { return nil }
        var metadata: [String: JSONValue] = ["name": .string(name)]
        for key in ["namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let value = object[path: "metadata", key]?.stringValue { metadata[key] = .string(value) }
        }
        if let generation = object[path: "metadata", "generation"]?.intValue { metadata["generation"] = .int(generation) }
        metadata["annotations"] = [annotation: .string(reason)]
        var stub: [String: JSONValue] = ["metadata": .object(metadata)]
        for key in ["apiVersion", "kind"] {
            if let value = object[key]?.stringValue { stub[key] = .string(value) }
        }
        return .object(stub)
    }

    /// The annotation of an object read only in part (values nested too deep were dropped);
    /// its value is the reason.
    public static let partialAnnotation = "gatewaymedic.io/partially-read"

    /// `object` with the partial-read annotation set to `reason`.
    public static func markPartial(_ object: JSONValue, reason: String) -> JSONValue {
        guard case .object(var fields) = object else { return object }
        var metadata = fields["metadata"]?.objectValue ?? [:]
        var annotations = metadata["annotations"]?.objectValue ?? [:]
        annotations[partialAnnotation] = .string(reason)
        metadata["annotations"] = .object(annotations)
        fields["metadata"] = .object(metadata)
        return .object(fields)
    }

    /// The reason when `object` was read only in part.
    public static func partialReason(_ object: JSONValue) -> String? {
        object[path: "metadata", "annotations", partialAnnotation]?.stringValue
    }

    /// Whether `value` holds a value dropped by `JSONValue.parseDroppingDeepValues`.
    public static func containsDroppedValue(_ value: JSONValue) -> Bool {
        var pending = [value]
        while let next = pending.popLast() {
            switch next {
            case .string(let s) where s == JSONValue.droppedDeepValue: return true
            case .array(let items): pending.append(contentsOf: items)
            case .object(let fields): pending.append(contentsOf: fields.values)
            default: break
            }
        }
        return false
    }

    /// The reason when `object` is such a stub.
    public static func reason(_ object: JSONValue) -> String? {
        object[path: "metadata", "annotations", annotation]?.stringValue
    }
}
