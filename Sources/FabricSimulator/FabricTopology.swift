import Foundation
import KubeEmulator

/// An IPv4 address as a number, so the address plan is arithmetic.
struct IPv4: Sendable, Hashable, CustomStringConvertible {
    var value: UInt32
    init(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) { value = a << 24 | b << 16 | c << 8 | d }
    private init(value: UInt32) { self.value = value }
    func advanced(by n: Int) -> IPv4 { IPv4(value: value &+ UInt32(truncatingIfNeeded: n)) }
    var description: String { "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)" }
}

/// One gateway–leaf link: a /31 with the leaf on the even address and a BGP session across it.
struct LinkPlan: Sendable {
    var leaf: Int
    var interface: String  // the gateway's interface, `source` of the BGP neighbor
    var pci: String
    var gatewayIP: IPv4
    var leafIP: IPv4
}

struct GatewayPlan: Sendable {
    var index: Int
    var name: String
    var routerID: String  // the protocol IP without its prefix length
    var protocolIP: String  // "<routerID>/32" as Gateway.spec.protocolIP holds it
    var vtepIP: String
    var group: Int
    var priority: Int64
    var links: [LinkPlan]
}

struct LeafPlan: Sendable {
    var index: Int
    var name: String
    var asn: Int64
    var routerID: String
    var vtepIP: String
    /// (gateway, link index within that gateway) for every session the leaf holds.
    var sessions: [(gateway: Int, link: Int)]
}

struct GroupPlan: Sendable {
    var name: String
    var members: [Int]  // gateway indices, highest priority first
    var peerings: [Int]
}

struct VPCPlan: Sendable {
    var name: String
    var internalID: String
    var vni: Int64
    var subnet: String
}

struct PeeringPlan: Sendable {
    var name: String
    var vpcs: (Int, Int)
    var group: Int
    /// The NAT of the first VPC's side (`spec.peering.<vpcs.0>.expose[].nat`).
    var nat: PeeringNAT
    /// Packets per second and bytes per packet for the a→b and b→a directions.
    var forward: (pps: Double, bytes: Double)
    var reverse: (pps: Double, bytes: Double)
}

/// The fabric laid out from a spec: names, addresses, group membership, which gateway talks to
/// which leaf. Built once; nothing here changes while the simulation runs.
struct FabricTopology: Sendable {
    var gateways: [GatewayPlan] = []
    var leaves: [LeafPlan] = []
    var groups: [GroupPlan] = []
    var vpcs: [VPCPlan] = []
    var peerings: [PeeringPlan] = []
    var gatewayIndex: [String: Int] = [:]

    static let protocolBase = IPv4(172, 30, 8, 0)
    static let vtepBase = IPv4(172, 30, 96, 0)
    static let linkBase = IPv4(172, 31, 0, 0)
    static let leafProtocolBase = IPv4(172, 29, 0, 0)
    static let leafVTEPBase = IPv4(172, 28, 0, 0)
    /// NAT pools (`expose[].as`): 256 addresses per VPC in 100.64.0.0/10.
    static let natBase = IPv4(100, 64, 0, 0)

    init(spec: FabricSpec, random: inout SplitMix64) {
        let n = spec.gatewayCount
        let groupCount = spec.groupCount
        vpcs = (1...(groupCount + 1)).map { v in
            VPCPlan(
                name: "vpc-\(Self.pad(v))", internalID: "vpc\(v)", vni: Int64(1000 + v),
                subnet: "10.\(v / 256 % 256).\(v % 256).0/24")
        }
        for g in 0..<groupCount {
            let members = Array((g * spec.gatewaysPerGroup)..<min(n, (g + 1) * spec.gatewaysPerGroup))
            groups.append(GroupPlan(name: "gw-group-\(g + 1)", members: members, peerings: [g]))
            func rate() -> (pps: Double, bytes: Double) {
                (spec.traffic.packetsPerSecond * (0.5 + random.unit()), spec.traffic.bytesPerPacket * (0.5 + random.unit()))
            }
            peerings.append(PeeringPlan(
                name: "\(vpcs[g].name)--\(vpcs[g + 1].name)", vpcs: (g, g + 1), group: g,
                nat: spec.peeringNAT.isEmpty ? .noNAT : spec.peeringNAT[g % spec.peeringNAT.count],
                forward: rate(), reverse: rate()))
        }
        leaves = (0..<spec.leafCount).map { j in
            LeafPlan(
                index: j, name: "leaf-\(Self.pad(j + 1))", asn: spec.firstLeafASN + Int64(j),
                routerID: Self.leafProtocolBase.advanced(by: j + 1).description,
                vtepIP: Self.leafVTEPBase.advanced(by: j + 1).description + "/32", sessions: [])
        }
        for i in 0..<n {
            let group = i / spec.gatewaysPerGroup
            let position = i - group * spec.gatewaysPerGroup
            let firstLeaf = (i / spec.gatewaysPerLeafSet) * spec.leavesPerGateway
            let links = (0..<spec.leavesPerGateway).map { l in
                let k = i * spec.leavesPerGateway + l
                return LinkPlan(
                    leaf: firstLeaf + l, interface: "enp2s\(l + 1)", pci: "0000:02:\(Self.pad(l + 1)).0",
                    gatewayIP: Self.linkBase.advanced(by: 2 * k + 1), leafIP: Self.linkBase.advanced(by: 2 * k))
            }
            for (l, link) in links.enumerated() { leaves[link.leaf].sessions.append((i, l)) }
            let routerID = Self.protocolBase.advanced(by: i + 1).description
            let plan = GatewayPlan(
                index: i, name: "gateway-\(i + 1)", routerID: routerID, protocolIP: routerID + "/32",
                vtepIP: Self.vtepBase.advanced(by: i + 1).description + "/32", group: group,
                priority: Int64((spec.gatewaysPerGroup - position) * 10), links: links)
            gateways.append(plan)
            gatewayIndex[plan.name] = i
        }
    }

    static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
