import KubeAPI

/// What the cache keeps of a GatewayHealth: identity, version and the persisted status (the
/// previous assessment and the state Events are judged against).
public struct GatewayHealthRecord: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var resourceVersion: String?
    public var uid: String?
    public var status: JSONValue?
    /// `gatewaymedic.io/paused: "true"` on the GatewayHealth pauses remediation of its gateway.
    public var paused: Bool

    public init(name: String, namespace: String, resourceVersion: String?, uid: String? = nil, status: JSONValue?,
                paused: Bool = false) {
        self.name = name
        self.namespace = namespace
        self.resourceVersion = resourceVersion
        self.uid = uid
        self.status = status
        self.paused = paused
    }

    /// The record of a raw GatewayHealth; nil without a name.
    public init?(json: JSONValue) {
        guard let name = json[path: "metadata", "name"]?.stringValue, !name.isEmpty else { return nil }
        var status: JSONValue?
        if case .object? = json["status"] { status = json["status"] }
        self.init(name: name, namespace: json[path: "metadata", "namespace"]?.stringValue ?? "",
                  resourceVersion: json[path: "metadata", "resourceVersion"]?.stringValue,
                  uid: json[path: "metadata", "uid"]?.stringValue, status: status,
                  paused: json[path: "metadata", "annotations", "gatewaymedic.io/paused"]?.stringValue?.lowercased() == "true")
    }
}

/// Where the reconciler writes GatewayHealths: the API, or the dry-run printer.
public protocol GatewayHealthWriter: Sendable {
    /// Creates the object (without status: the API drops it on create); returns the stored one.
    func create(_ object: JSONValue, namespace: String) async throws -> JSONValue
    /// Merge-patches the status subresource; `patch` is the whole patch document
    /// (`{"metadata": {"resourceVersion": …}, "status": {…}}`). Returns the stored object.
    func patchStatus(namespace: String, name: String, patch: JSONValue, summary: String) async throws -> JSONValue
}
