import KubeAPI

/// Identifies one object in a cache or a work queue: namespace (nil for cluster-scoped) and name.
public struct ObjectKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var namespace: String?
    public var name: String

    public init(namespace: String?, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// The key of a raw API object; nil when it has no `metadata.name`.
    public init?(object: JSONValue) {
        guard let name = object[path: "metadata", "name"]?.stringValue, !name.isEmpty else { return nil }
        self.init(namespace: object[path: "metadata", "namespace"]?.stringValue, name: name)
    }

    /// `namespace/name`, or `name` when cluster-scoped (the form `kubectl` and logs use).
    public var description: String { namespace.map { "\($0)/\(name)" } ?? name }

    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.namespace ?? "", lhs.name) < (rhs.namespace ?? "", rhs.name)
    }
}

/// A change the cache applied, with the values before and after, so a handler can decide which
/// work to enqueue (e.g. a Gateway's change enqueues its GatewayAgent's key).
public enum ObjectChange<Value: Sendable>: Sendable {
    case added(ObjectKey, Value)
    case updated(ObjectKey, old: Value, new: Value)
    case deleted(ObjectKey, Value)

    public var key: ObjectKey {
        switch self {
        case .added(let key, _), .updated(let key, _, _), .deleted(let key, _): key
        }
    }

    /// The value after the change (nil for a deletion).
    public var newValue: Value? {
        switch self {
        case .added(_, let value), .updated(_, _, let value): value
        case .deleted: nil
        }
    }

    /// The value before the change (nil for an addition).
    public var oldValue: Value? {
        switch self {
        case .added: nil
        case .updated(_, let value, _), .deleted(_, let value): value
        }
    }
}
