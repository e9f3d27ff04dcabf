import Foundation
import KubeAPI

/// The fields of a `gwint.githedgehog.com/v1alpha1` GatewayAgent that the health model reads.
/// `status` is written only by the gateway's dataplane (every 15 s and after each apply).
/// Immutable; its fields are shared by every copy (`SharedFields`).
public struct GatewayAgentView: Sendable, Equatable {
    /// Every field, as both readers fill them in (the byte reader is in `ViewScanning`).
    package struct Fields: Sendable, Equatable {
        package var name: String = ""
        package var namespace: String = ""
        package var resourceVersion: String?
        package var uid: StoredUID?
        package var generation: Reading<Int64> = .absent
        package var creationTime: Date?
        package var specChangeTime: Date?
        package var protocolIP: String?
        package var expectedNeighbors: [ExpectedNeighbor] = []
        package var expectedAgentVersion: Reading<String> = .absent
        package var peerings: [PeeringSpecView] = []
        package var hasStatus: Bool = false
        package var lastHeartbeat: Reading<Date> = .absent
        package var lastHeartbeatText: String?
        package var lastAppliedGen: Reading<Int64> = .absent
        package var lastAppliedTime: Reading<Date> = .absent
        package var agentVersion: String?
        package var lastCollectedTime: String?
        package var hasState: Bool = false
        package var frrAppliedGen: Reading<Int64> = .absent
        package var bgpNeighbors: Reading<[BGPNeighborView]> = .absent
        package var counters: [TrafficCounterView] = []
        package var problems: [FieldProblem] = []
        package var unreadable: String?
        /// The digest of the bytes `spec` was read from, by the byte reader (see `SpecDigest`).
        package var specDigest = SpecDigest()

        package init() {}

        /// The fields a heartbeat may change without changing any other rule input: the heartbeat
        /// and the counter collection (`GatewayAgentView.advancedChange`), and `resourceVersion`
        /// (no input). `equalOutsideAdvancedInputs` compares every other field; a field added to
        /// the view must be compared there too (`HeartbeatAdvanceTests` counts them).
        package static let advancedInputFields: Set<String> = ["lastHeartbeat", "lastCollectedTime", "counters", "resourceVersion"]

        /// `self == other` with the `advancedInputFields` left out, field by field in place (the
        /// heartbeat's cheap test copied the fields, a retain and a release each, to compare them
        /// whole). An array stored once for both views (unchanged bytes read into the same
        /// storage) is equal without looking at its elements.
        package func equalOutsideAdvancedInputs(_ other: Fields) -> Bool {
            name == other.name && namespace == other.namespace && uid == other.uid && generation == other.generation
                && creationTime == other.creationTime && specChangeTime == other.specChangeTime
                && protocolIP == other.protocolIP && sameElements(expectedNeighbors, other.expectedNeighbors)
                && expectedAgentVersion == other.expectedAgentVersion && sameElements(peerings, other.peerings)
                && hasStatus == other.hasStatus && lastHeartbeatText == other.lastHeartbeatText
                && lastAppliedGen == other.lastAppliedGen && lastAppliedTime == other.lastAppliedTime
                && agentVersion == other.agentVersion && hasState == other.hasState && frrAppliedGen == other.frrAppliedGen
                && sameNeighbors(bgpNeighbors, other.bgpNeighbors) && sameElements(problems, other.problems)
                && unreadable == other.unreadable && specDigest == other.specDigest
        }

        package mutating func read(_ meta: some ObjectMetadata) {
            name = meta.name
            namespace = meta.namespace
            resourceVersion = meta.resourceVersion
            uid = meta.storedUID
            generation = meta.generation
            creationTime = meta.creationTime
            specChangeTime = meta.specChangeTime
        }
    }

    private let box: SharedFields<Fields>

    package init(_ fields: Fields) { box = SharedFields(fields) }

    /// The digest of the bytes this view's spec part was read from; nil unless the byte reader read them.
    package var specDigest: Int? { box.fields.specDigest.value }

    /// How many bytes `specDigest` is of (`SpecDigest.length`).
    package var specLength: Int { Int(box.fields.specDigest.length) }

    /// All the fields at once (`changedInputs` compares them), read in place.
    var fields: Fields { _read { yield box.fields } }

    public var name: String { box.fields.name }
    public var namespace: String { box.fields.namespace }
    public var resourceVersion: String? { box.fields.resourceVersion }
    /// `metadata.uid`: the operator needs it for owner references and Event subjects.
    public var uid: String? { box.fields.uid?.text }
    /// `metadata.generation`: the configuration generation the fabric controller wants applied.
    public var generation: Reading<Int64> { box.fields.generation }
    public var creationTime: Date? { box.fields.creationTime }
    /// Time of the last spec change, from managedFields (see hedgehog-facts); nil when unknown.
    public var specChangeTime: Date? { box.fields.specChangeTime }
    /// `spec.gateway.protocolIP` without its prefix length.
    public var protocolIP: String? { box.fields.protocolIP }
    /// `spec.gateway.neighbors[]`, used when the Gateway object itself is not available.
    public var expectedNeighbors: [ExpectedNeighbor] { box.fields.expectedNeighbors }
    /// `spec.agentVersion`: the version the fabric controller wants the dataplane to run.
    public var expectedAgentVersion: Reading<String> { box.fields.expectedAgentVersion }
    /// `spec.peerings`, by name: the peerings the fabric controller gave this gateway's groups.
    public var peerings: [PeeringSpecView] { box.fields.peerings }
    /// Whether `status` is present at all.
    public var hasStatus: Bool { box.fields.hasStatus }
    public var lastHeartbeat: Reading<Date> { box.fields.lastHeartbeat }
    /// The raw `lastHeartbeat` text when it does not parse (to notice whether it still changes).
    public var lastHeartbeatText: String? { box.fields.lastHeartbeatText }
    public var lastAppliedGen: Reading<Int64> { box.fields.lastAppliedGen }
    public var lastAppliedTime: Reading<Date> { box.fields.lastAppliedTime }
    /// `status.agentVersion`: the version the dataplane runs (nil when absent or not a string).
    public var agentVersion: String? { box.fields.agentVersion }
    /// `status.state.lastCollectedTime`, raw: identifies one collection of counters.
    public var lastCollectedTime: String? { box.fields.lastCollectedTime }
    /// What identifies the counters' collection: `lastCollectedTime`, else the heartbeat (as
    /// an instant, else as written). The traffic and peering rules compare it with the one they
    /// remember to tell a new collection from the same one seen again.
    var collectionStamp: String? { lastCollectedTime ?? lastHeartbeat.value.map(KubeTime.format) ?? lastHeartbeatText }
    /// Whether `status.state` is present (the init status written after a restart has none).
    public var hasState: Bool { box.fields.hasState }
    /// `status.state.frr.lastAppliedGen`.
    public var frrAppliedGen: Reading<Int64> { box.fields.frrAppliedGen }
    /// Every neighbour of every VRF; `.absent` when `status.state.bgp` is not reported.
    public var bgpNeighbors: Reading<[BGPNeighborView]> { box.fields.bgpNeighbors }
    /// `status.state.vpcs` then `status.state.peerings`, sorted by name.
    public var counters: [TrafficCounterView] { box.fields.counters }
    public var problems: [FieldProblem] { box.fields.problems }
    /// Why the client could not read this object (it is an `UnreadableObject` stub), if so.
    public var unreadable: String? { box.fields.unreadable }

    public static func == (a: GatewayAgentView, b: GatewayAgentView) -> Bool { SharedFields.same(a.box, b.box) }

    public init(json: JSONValue) {
        var reader = FieldReader()
        var f = Fields()
        f.unreadable = UnreadableObject.reason(json)
        if let unreadable = f.unreadable { reader.note([], unreadable) }
        if let partial = UnreadableObject.partialReason(json) { reader.note([], partial) }
        let meta = MetadataFields(json, &reader)
        f.read(meta)
        f.protocolIP = reader.string(json, ["spec", "gateway", "protocolIP"]).value.map(bareAddress)
        f.expectedNeighbors = readExpectedNeighbors(json, ["spec", "gateway", "neighbors"], &reader)
        f.expectedAgentVersion = reader.string(json, ["spec", "agentVersion"])
        f.peerings = Self.readPeerings(json, &reader)

        f.hasStatus = reader.object(json, ["status"]).value != nil
        f.lastHeartbeat = reader.time(json, ["status", "lastHeartbeat"])
        f.lastHeartbeatText = f.lastHeartbeat.isInvalid ? json[path: "status", "lastHeartbeat"].map { String($0.stringValue?.prefix(64) ?? Substring($0.typeName)) } : nil
        f.lastAppliedGen = reader.int(json, ["status", "lastAppliedGen"], nonNegative: true)
        f.lastAppliedTime = reader.time(json, ["status", "lastAppliedTime"])
        f.agentVersion = reader.string(json, ["status", "agentVersion"]).value
        f.lastCollectedTime = reader.string(json, ["status", "state", "lastCollectedTime"]).value
        f.hasState = reader.object(json, ["status", "state"]).value != nil
        f.frrAppliedGen = reader.int(json, ["status", "state", "frr", "lastAppliedGen"], nonNegative: true)
        f.bgpNeighbors = Self.readNeighbors(json, &reader)
        f.counters = Self.readCounters(json, .vpc, "vpcs", &reader) + Self.readCounters(json, .peering, "peerings", &reader)
        f.problems = reader.problems
        self.init(f)
    }

    /// The init status the dataplane writes when it (re)starts: `lastAppliedGen` 0 (Go omits a
    /// zero, so a status without it counts too), `lastAppliedTime` 1970-01-01T00:00:00Z.
    /// Most BGP neighbours judged (a gateway has a handful); the rest are reported as a problem.
    public static let maxNeighbors = 1024

    public var isInitStatus: Bool {
        guard hasStatus, !lastHeartbeat.isAbsent else { return false }
        switch lastAppliedGen {
        case .value(let gen): return gen == 0
        case .absent: return true
        case .invalid: return false
        }
    }

    private static func readNeighbors(_ json: JSONValue, _ reader: inout FieldReader) -> Reading<[BGPNeighborView]> {
        let base = ["status", "state", "bgp"]
        switch reader.object(json, base) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .value: break
        }
        guard let vrfs = reader.object(json, base + ["vrfs"]).value else { return .value([]) }
        var listed: [(vrf: String, address: String, neighbors: [String: JSONValue])] = []
        for vrf in vrfs.keys.sorted() {
            guard let neighbors = reader.object(json, base + ["vrfs", vrf, "neighbors"]).value else { continue }
            for address in neighbors.keys.sorted() { listed.append((vrf, address, neighbors)) }
        }
        if listed.count > maxNeighbors {
            // Bounded work and a bounded GatewayHealth: the spec's neighbours are kept first.
            let expected = Set(readExpectedNeighbors(json, ["spec", "gateway", "neighbors"], &reader).map(\.ip))
            let wanted = listed.filter { expected.contains($0.address) } + listed.filter { !expected.contains($0.address) }
            let kept = Set(wanted.prefix(maxNeighbors).map { "\($0.vrf)/\($0.address)" })
            reader.note(base, "\(listed.count) neighbours reported; only \(maxNeighbors) are judged (the spec's neighbours first)")
            listed = listed.filter { kept.contains("\($0.vrf)/\($0.address)") }
        }
        var out: [BGPNeighborView] = []
        for (vrf, address, neighbors) in listed {
            let vrfPath = base + ["vrfs", vrf]
            let path = vrfPath + ["neighbors", address]
            guard let entry = neighbors[address], entry.objectValue != nil else {
                reader.note(path, "expected an object")
                continue
            }
            let state: Reading<BGPSessionState>
            switch reader.string(entry, ["sessionState"]) {
            case .absent: state = .absent
            case .invalid: state = .invalid
            case .value(let text):
                if let known = BGPSessionState(rawValue: text) {
                    state = .value(known)
                } else {
                    reader.note(path + ["sessionState"], "session state \"\(text.prefix(32))\" is not one of unset|idle|connect|active|open|established")
                    state = .invalid
                }
            }
            var sub = FieldReader()
            let neighbor = BGPNeighborView(
                vrf: vrf, address: address,
                enabled: sub.bool(entry, ["enabled"]).value,
                sessionState: state,
                remoteRouterID: sub.string(entry, ["remoteRouterID"]).value,
                peerAS: sub.int(entry, ["peerAS"]).value,
                establishedTransitions: sub.int(entry, ["establishedTransitions"], nonNegative: true),
                connectionsDropped: sub.int(entry, ["connectionsDropped"], nonNegative: true),
                ipv4Prefixes: Self.readPrefixes(entry, &sub))
            reader.absorb(sub, under: path)
            out.append(neighbor)
        }
        return .value(out)
    }

    /// `ipv4UnicastPrefixes` of one neighbour; a malformed count is a problem and `.invalid`.
    private static func readPrefixes(_ entry: JSONValue, _ reader: inout FieldReader) -> Reading<PrefixCounts> {
        switch reader.object(entry, ["ipv4UnicastPrefixes"]) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .value: break
        }
        let received = reader.int(entry, ["ipv4UnicastPrefixes", "received"], nonNegative: true)
        let sent = reader.int(entry, ["ipv4UnicastPrefixes", "sent"], nonNegative: true)
        if received.isInvalid || sent.isInvalid { return .invalid }
        return .value(PrefixCounts(received: received.value ?? 0, sent: sent.value ?? 0))
    }

    /// `spec.peerings`: each entry's group, the VPCs it joins and its NAT, by name.
    private static func readPeerings(_ json: JSONValue, _ reader: inout FieldReader) -> [PeeringSpecView] {
        let base = ["spec", "peerings"]
        guard let map = reader.object(json, base).value else { return [] }
        var out: [PeeringSpecView] = []
        for name in map.keys.sorted() {
            let path = base + [name]
            guard reader.object(json, path).value != nil else { continue }
            var peering = PeeringSpecView(name: name, group: reader.string(json, path + ["gatewayGroup"]).value ?? "")
            let sides = reader.object(json, path + ["peering"]).value ?? [:]
            for vpc in sides.keys.sorted() {
                peering.vpcs.append(vpc)
                guard let exposes = reader.array(json, path + ["peering", vpc, "expose"]).value else { continue }
                for (index, expose) in exposes.enumerated() {
                    var sub = FieldReader()
                    if sub.object(expose, ["nat"]).value != nil {
                        for kind in PeeringSpecView.natKinds where sub.object(expose, ["nat", kind]).value != nil {
                            let timeout = kind == "static" ? nil : sub.string(expose, ["nat", kind, "idleTimeout"]).value
                            peering.noteNAT(kind, idleTimeout: timeout)
                        }
                    }
                    reader.absorb(sub, under: path + ["peering", vpc, "expose", String(index)])
                }
            }
            out.append(peering)
        }
        return out
    }

    private static func readCounters(_ json: JSONValue, _ kind: TrafficCounterView.Kind, _ key: String,
                                     _ reader: inout FieldReader) -> [TrafficCounterView] {
        let base = ["status", "state", key]
        guard let map = reader.object(json, base).value else { return [] }
        return map.keys.sorted().map { name in
            let path = base + [name]
            return TrafficCounterView(kind: kind, name: name,
                                      packets: reader.int(json, path + ["p"], nonNegative: true),
                                      drops: reader.int(json, path + ["d"], nonNegative: true))
        }
    }
}

/// The digest of the bytes a GatewayAgent's `spec` was read from, kept with the view so that the
/// watch's byte reader can take the spec part of the cached view instead of reading again bytes
/// that did not change (`GatewayAgentView.watchReader(previous:)`): a heartbeat rewrites the
/// status only. Not part of what a view says: any two digests are `==`, so two views are equal
/// or not by their fields alone, however they were read. Compare `value`.
package struct SpecDigest: Sendable, Equatable {
    package var value: Int?
    /// How many bytes the digest is of: the reader hashes that many bytes where the next spec
    /// starts instead of first walking the spec to find its end (a match means they are the
    /// same bytes, so the spec ends there too). In the padding after `value`: no larger a view.
    package var length: Int32 = 0

    package init(_ value: Int? = nil, length: Int32 = 0) {
        self.value = value
        self.length = length
    }

    package static func == (lhs: SpecDigest, rhs: SpecDigest) -> Bool { true }
}

/// Two arrays equal element for element, without comparing them when they are one storage.
func sameElements<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Bool {
    let shared = a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in a.count == b.count && a.baseAddress == b.baseAddress }
    }
    return shared || a == b
}

/// `a == b` for the BGP neighbours' reading, through `sameElements`.
func sameNeighbors(_ a: Reading<[BGPNeighborView]>, _ b: Reading<[BGPNeighborView]>) -> Bool {
    switch (a, b) {
    case (.value(let a), .value(let b)): sameElements(a, b)
    case (.absent, .absent), (.invalid, .invalid): true
    default: false
    }
}
