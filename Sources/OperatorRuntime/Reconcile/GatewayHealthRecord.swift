import HealthModel
import KubeAPI

/// What the cache keeps of a GatewayHealth: identity, version and the persisted status (the
/// previous assessment and the state Events are judged against).
///
/// The status is kept as its compact JSON bytes, not as a parsed tree: a status is a few KB as
/// text but several times that as nested dictionaries and strings, and with 10,000 gateways the
/// difference is most of the operator's memory. It is parsed only when a reconcile must read it
/// (a change of verdict, someone else's write); the steady state reads just `remediation`.
public struct GatewayHealthRecord: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var resourceVersion: String?
    /// `metadata.uid`, kept as its 16 bytes when it is a lowercase UUID (`StoredUID`): the
    /// 36-character text was an 80-byte allocation in each of 10,000 cached records.
    public var uid: String? {
        get { storedUID?.text }
        set { storedUID = StoredUID(newValue) }
    }
    private var storedUID: StoredUID?
    /// `metadata.generation`: the status written for it says so in `observedGeneration`.
    public var generation: Int64?
    /// `.status.remediation`, kept parsed: every reconcile reads it.
    public private(set) var remediation: JSONValue?
    /// `.status.state`, kept parsed: the state a recreated GatewayHealth's transitions are judged from.
    public private(set) var state: GatewayState?
    /// `gatewaymedic.io/paused: "true"` on the GatewayHealth pauses remediation of its gateway.
    public var paused: Bool
    private var statusBytes: CompactJSON?

    public init(name: String, namespace: String, resourceVersion: String?, uid: String? = nil, generation: Int64? = nil,
                status: JSONValue?, paused: Bool = false) {
        self.name = name
        self.namespace = namespace
        self.resourceVersion = resourceVersion
        self.storedUID = StoredUID(uid)
        self.generation = generation
        self.paused = paused
        self.status = status
    }

    /// The persisted status (parsed from the kept bytes on each read).
    public var status: JSONValue? {
        get { statusBytes?.value }
        set {
            statusBytes = newValue.map { CompactJSON($0, dictionary: .gatewayHealthStatus) }
            remediation = newValue?["remediation"]
            state = newValue?["state"]?.stringValue.flatMap(GatewayState.init(rawValue:))
        }
    }

    /// Whether a status is persisted at all (without parsing it).
    public var hasStatus: Bool { statusBytes != nil }

    /// The record of a raw GatewayHealth; nil without a name.
    public init?(json: JSONValue) {
        guard let name = json[path: "metadata", "name"]?.stringValue, !name.isEmpty else { return nil }
        var status: JSONValue?
        if case .object? = json["status"] { status = json["status"] }
        self.init(name: name, namespace: json[path: "metadata", "namespace"]?.stringValue ?? "",
                  resourceVersion: json[path: "metadata", "resourceVersion"]?.stringValue,
                  uid: json[path: "metadata", "uid"]?.stringValue,
                  generation: json[path: "metadata", "generation"]?.intValue, status: status,
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
