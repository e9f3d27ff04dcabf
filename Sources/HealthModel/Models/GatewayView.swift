import Foundation
import KubeAPI

/// A BGP session the gateway is expected to have (`spec.neighbors[]` of a Gateway, or
/// `spec.gateway.neighbors[]` of its GatewayAgent).
public struct ExpectedNeighbor: Sendable, Hashable, Codable {
    /// The neighbour address without a prefix length.
    public var ip: String
    public var asn: Int64?
    public var source: String?

    public init(ip: String, asn: Int64? = nil, source: String? = nil) {
        self.ip = ip
        self.asn = asn
        self.source = source
    }
}

/// One entry of `spec.groups[]`: the gateway's membership and priority in a GatewayGroup.
public struct GroupMembership: Sendable, Hashable, Codable {
    public var name: String
    public var priority: Int64?

    public init(name: String, priority: Int64? = nil) {
        self.name = name
        self.priority = priority
    }
}

/// The fields of a `gateway.githedgehog.com/v1alpha1` Gateway that the health model reads.
/// Immutable; its fields are shared by every copy (`SharedFields`).
public struct GatewayView: Sendable, Equatable {
    private struct Fields: Sendable, Equatable {
        var name: String = ""
        var namespace: String = ""
        var resourceVersion: String?
        var uid: StoredUID?
        var generation: Int64?
        var creationTime: Date?
        var protocolIP: String?
        var interfaceAddresses: [String] = []
        var vtepIP: String?
        var asn: Int64?
        var neighbors: [ExpectedNeighbor] = []
        var groups: [GroupMembership] = []
        var problems: [FieldProblem] = []
    }

    private let box: SharedFields<Fields>

    public var name: String { box.fields.name }
    public var namespace: String { box.fields.namespace }
    public var resourceVersion: String? { box.fields.resourceVersion }
    /// `metadata.uid`: the owner of a GatewayHealth and the subject of its Events when the
    /// gateway has no GatewayAgent.
    public var uid: String? { box.fields.uid?.text }
    public var generation: Int64? { box.fields.generation }
    public var creationTime: Date? { box.fields.creationTime }
    /// `spec.protocolIP` without its `/32`: also the gateway's BGP router ID.
    public var protocolIP: String? { box.fields.protocolIP }
    public var vtepIP: String? { box.fields.vtepIP }
    public var asn: Int64? { box.fields.asn }
    public var neighbors: [ExpectedNeighbor] { box.fields.neighbors }
    /// The gateway's own addresses on its links (`spec.interfaces.<name>.ips[]`, prefix length
    /// dropped): a leaf names its session with the gateway by one of them.
    public var interfaceAddresses: [String] { box.fields.interfaceAddresses }
    public var groups: [GroupMembership] { box.fields.groups }
    public var problems: [FieldProblem] { box.fields.problems }

    public static func == (a: GatewayView, b: GatewayView) -> Bool { SharedFields.same(a.box, b.box) }

    public init(json: JSONValue) {
        var reader = FieldReader()
        var f = Fields()
        let meta = MetadataFields(json, &reader)
        f.name = meta.name
        f.namespace = meta.namespace
        f.resourceVersion = meta.resourceVersion
        f.uid = StoredUID(meta.uid)
        f.generation = meta.generation.value
        f.creationTime = meta.creationTime
        f.protocolIP = reader.string(json, ["spec", "protocolIP"]).value.map(bareAddress)
        f.vtepIP = reader.string(json, ["spec", "vtepIP"]).value.map(bareAddress)
        f.asn = reader.int(json, ["spec", "asn"]).value
        f.neighbors = readExpectedNeighbors(json, ["spec", "neighbors"], &reader)
        if let interfaces = reader.object(json, ["spec", "interfaces"]).value {
            for name in interfaces.keys.sorted() {
                guard let ips = reader.array(json, ["spec", "interfaces", name, "ips"]).value else { continue }
                f.interfaceAddresses += ips.compactMap { $0.stringValue.map(bareAddress) }.filter { !$0.isEmpty }
            }
        }
        f.groups = []
        if let items = reader.array(json, ["spec", "groups"]).value {
            for (index, item) in items.enumerated() {
                let path = ["spec", "groups", String(index)]
                guard let groupName = reader.string(item, ["name"]).value else {
                    reader.note(path + ["name"], "group without a name")
                    continue
                }
                f.groups.append(GroupMembership(name: groupName, priority: reader.int(item, ["priority"]).value))
            }
        }
        f.problems = reader.problems
        box = SharedFields(f)
    }
}

/// Reads a `neighbors[]` list of `{source, ip, asn}` entries.
func readExpectedNeighbors(_ json: JSONValue, _ path: [String], _ reader: inout FieldReader) -> [ExpectedNeighbor] {
    guard let items = reader.array(json, path).value else { return [] }
    var out: [ExpectedNeighbor] = []
    for (index, item) in items.enumerated() {
        guard let ip = reader.string(item, ["ip"]).value, !ip.isEmpty else {
            reader.note(path + [String(index), "ip"], "neighbour without an ip")
            continue
        }
        out.append(ExpectedNeighbor(ip: bareAddress(ip), asn: reader.int(item, ["asn"]).value,
                                    source: reader.string(item, ["source"]).value))
    }
    return out
}
