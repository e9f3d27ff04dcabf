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
public struct GatewayView: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var resourceVersion: String?
    public var generation: Int64?
    public var creationTime: Date?
    /// `spec.protocolIP` without its `/32`: also the gateway's BGP router ID.
    public var protocolIP: String?
    public var vtepIP: String?
    public var asn: Int64?
    public var neighbors: [ExpectedNeighbor]
    public var groups: [GroupMembership]
    public var problems: [FieldProblem]

    public init(json: JSONValue) {
        var reader = FieldReader()
        let meta = MetadataFields(json, &reader)
        name = meta.name
        namespace = meta.namespace
        resourceVersion = meta.resourceVersion
        generation = meta.generation.value
        creationTime = meta.creationTime
        protocolIP = reader.string(json, ["spec", "protocolIP"]).value.map(bareAddress)
        vtepIP = reader.string(json, ["spec", "vtepIP"]).value.map(bareAddress)
        asn = reader.int(json, ["spec", "asn"]).value
        neighbors = readExpectedNeighbors(json, ["spec", "neighbors"], &reader)
        groups = []
        if let items = reader.array(json, ["spec", "groups"]).value {
            for (index, item) in items.enumerated() {
                let path = ["spec", "groups", String(index)]
                guard let groupName = reader.string(item, ["name"]).value else {
                    reader.note(path + ["name"], "group without a name")
                    continue
                }
                groups.append(GroupMembership(name: groupName, priority: reader.int(item, ["priority"]).value))
            }
        }
        problems = reader.problems
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
