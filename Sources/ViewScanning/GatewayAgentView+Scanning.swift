import Foundation
import HealthModel
import KubeAPI

/// Read from bytes by `init?(bytes:)` (ViewScanning.swift).
extension GatewayAgentView: ReadableFromBytes {
    public init(scanning s: inout JSONScanner) throws(JSONScanner.Miss) {
        self = try Self.scanned(&s, previous: nil).view
    }

    /// The GatewayAgent watch's reader: the view and the identity in one pass.
    public static let watchReader = WatchObjectReader.reading { (s: inout JSONScanner) throws(Miss) in try scanned(&s, previous: nil) }

    /// The same, taking the spec part of the cached view of the same object (`previous`, by
    /// namespace and name) when the spec's bytes are the ones it was read from: a heartbeat
    /// rewrites only the status, and the spec (neighbours, peerings, NAT) was a third of reading
    /// the view. The bytes are compared by a 64-bit digest (`SpecDigest`); a spec that changed is
    /// read as always.
    public static func watchReader(previous: @escaping @Sendable (_ namespace: String?, _ name: String) -> GatewayAgentView?) -> WatchObjectReader {
        WatchObjectReader.reading { (s: inout JSONScanner) throws(Miss) in try scanned(&s, previous: previous) }
    }

    private static func scanned(_ s: inout JSONScanner,
                                previous: ((_ namespace: String?, _ name: String) -> GatewayAgentView?)?) throws(Miss) -> (view: GatewayAgentView, meta: ScannedMetadata) {
        var meta: ScannedMetadata?
        var spec = ScannedSpec()
        var status = ScannedStatus()
        var seen = SeenKeys()
        try s.beginObject()
        while let key = try s.nextKey() {
            if key.isEqual(to: "metadata") {
                try seen.first(0); meta = try ScannedMetadata(&s)
            } else if key.isEqual(to: "spec") {
                try seen.first(1)
                // The API server writes metadata first; a spec before it is read as always.
                let cached = meta.flatMap { meta in previous?(meta.watchIdentity?.namespace, meta.name) }
                spec = try ScannedSpec(&s, reusing: cached)
            } else if key.isEqual(to: "status") {
                try seen.first(2); status = try ScannedStatus(&s)
            } else {
                try s.skipValue()
            }
        }
        guard let meta else { throw Miss() }
        var f = Fields()
        f.read(meta)
        f.protocolIP = spec.protocolIP
        f.expectedNeighbors = spec.neighbors
        f.expectedAgentVersion = spec.agentVersion.map(Reading.value) ?? .absent
        f.peerings = spec.peerings
        f.specDigest = SpecDigest(spec.digest)
        f.hasStatus = status.present
        f.lastHeartbeat = status.lastHeartbeat
        f.lastAppliedGen = status.lastAppliedGen
        f.lastAppliedTime = status.lastAppliedTime
        f.agentVersion = status.agentVersion
        f.lastCollectedTime = status.lastCollectedTime
        f.hasState = status.hasState
        f.frrAppliedGen = status.frrAppliedGen
        f.bgpNeighbors = status.bgp
        f.counters = status.vpcs + status.peerings
        return (GatewayAgentView(f), meta)
    }
}

/// A 64-bit digest of a spec's bytes (this process's random seed): equal bytes give equal
/// digests; different bytes give the same one with a probability of 2^-64.
private func specDigest(_ bytes: UnsafeRawBufferPointer) -> Int {
    var hasher = Hasher()
    hasher.combine(bytes: bytes)
    return hasher.finalize()
}

/// `spec.gateway.protocolIP` and `.neighbors`, `spec.agentVersion` and `spec.peerings`.
private struct ScannedSpec {
    var protocolIP: String?
    var neighbors: [ExpectedNeighbor] = []
    var agentVersion: String?
    var peerings: [PeeringSpecView] = []
    /// Of the bytes read (`SpecDigest`).
    var digest: Int?

    init() {}

    /// At `spec`'s value: `cached`'s spec part when its spec was read from the same bytes (they
    /// are only walked to their end, by strings and brackets), else the spec read from them.
    init(_ s: inout JSONScanner, reusing cached: GatewayAgentView?) throws(Miss) {
        _ = try s.peek()
        let start = s.index
        guard let cached, let known = cached.specDigest else {
            try self.init(&s)
            digest = specDigest(s.bytes(since: start))
            return
        }
        // Only its strings and brackets are followed to find its end: bytes with the digest of
        // the bytes the cached spec was read from are those bytes, which were validated then;
        // any others are read below, from the start, validating.
        var walked = s
        try walked.skipValueUnvalidated()
        let read = specDigest(walked.bytes(since: start))
        if read == known {
            self.init()
            protocolIP = cached.protocolIP
            neighbors = cached.expectedNeighbors
            agentVersion = cached.expectedAgentVersion.value
            peerings = cached.peerings
            s = walked
        } else {
            try self.init(&s)
        }
        digest = read
    }

    private init(_ s: inout JSONScanner) throws(Miss) {
        guard try s.enterObjectUnlessNull() else { return }
        var seen = SeenKeys()
        while let key = try s.nextKey() {
            if key.isEqual(to: "agentVersion") {
                try seen.first(1); agentVersion = try s.optionalString()
                continue
            }
            if key.isEqual(to: "peerings") {
                try seen.first(2)
                guard try s.enterObjectUnlessNull() else { continue }
                peerings = try s.sortedEntries { (s: inout JSONScanner) throws(Miss) in try Self.readPeering(&s) }
                    .compactMap { entry in entry.value.map { var p = $0; p.name = entry.key; return p } }
                continue
            }
            guard key.isEqual(to: "gateway") else { try s.skipValue(); continue }
            try seen.first(0)
            guard try s.enterObjectUnlessNull() else { continue }
            var inner = SeenKeys()
            while let field = try s.nextKey() {
                if field.isEqual(to: "protocolIP") {
                    try inner.first(0); protocolIP = try s.optionalString().map(bareAddress)
                } else if field.isEqual(to: "neighbors") {
                    try inner.first(1); neighbors = try scanExpectedNeighbors(&s)
                } else {
                    try s.skipValue()
                }
            }
        }
    }
}

extension ScannedSpec {
    /// One `spec.peerings` entry (its name is filled in by the caller); nil for a null entry.
    fileprivate static func readPeering(_ s: inout JSONScanner) throws(Miss) -> PeeringSpecView? {
        guard try s.enterObjectUnlessNull() else { return nil }
        var seen = SeenKeys()
        var peering = PeeringSpecView(name: "", group: "")
        while let key = try s.nextKey() {
            if key.isEqual(to: "gatewayGroup") {
                try seen.first(0); peering.group = try s.optionalString() ?? ""
            } else if key.isEqual(to: "peering") {
                try seen.first(1)
                guard try s.enterObjectUnlessNull() else { continue }
                let sides = try s.sortedEntries { (s: inout JSONScanner) throws(Miss) in try readSide(&s) }
                for (vpc, nats) in sides {
                    peering.vpcs.append(vpc)
                    for (kind, timeout) in nats { peering.noteNAT(kind, idleTimeout: timeout) }
                }
            } else {
                try s.skipValue()
            }
        }
        return peering
    }

    /// One VPC's side: the NAT kinds of its `expose[]` in order, with their idle timeouts.
    private static func readSide(_ s: inout JSONScanner) throws(Miss) -> [(String, String?)] {
        guard try s.enterObjectUnlessNull() else { return [] }
        var seen = SeenKeys()
        var nats: [(String, String?)] = []
        while let key = try s.nextKey() {
            guard key.isEqual(to: "expose") else { try s.skipValue(); continue }
            try seen.first(0)
            guard try s.enterArrayUnlessNull() else { continue }
            while try s.nextElement() {
                try s.beginObject()  // a null or non-object expose: leave it to the tree reader
                var inner = SeenKeys()
                while let field = try s.nextKey() {
                    guard field.isEqual(to: "nat") else { try s.skipValue(); continue }
                    try inner.first(0)
                    guard try s.enterObjectUnlessNull() else { continue }
                    // Each kind's idle timeout (`.some(nil)`: the kind without one), by slot: no
                    // dictionary per NAT object.
                    var found: [String??] = [nil, nil, nil]
                    var kinds = SeenKeys()
                    while let name = try s.nextKey() {
                        let slot = name.isEqual(to: "masquerade") ? 0 : name.isEqual(to: "portForward") ? 1 : name.isEqual(to: "static") ? 2 : -1
                        guard slot >= 0 else { try s.skipValue(); continue }
                        try kinds.first(slot)
                        guard try s.enterObjectUnlessNull() else { continue }
                        var timeout: String?
                        var fields = SeenKeys()
                        while let option = try s.nextKey() {
                            if option.isEqual(to: "idleTimeout") && slot != 2 {
                                try fields.first(0); timeout = try s.optionalString()
                            } else {
                                try s.skipValue()
                            }
                        }
                        found[slot] = .some(timeout)
                    }
                    for (slot, kind) in PeeringSpecView.natKinds.enumerated() { if let timeout = found[slot] { nats.append((kind, timeout)) } }
                }
            }
        }
        return nats
    }
}

/// The GatewayAgent's `status`.
private struct ScannedStatus {
    var present = false
    var lastHeartbeat: Reading<Date> = .absent
    var lastAppliedGen: Reading<Int64> = .absent
    var lastAppliedTime: Reading<Date> = .absent
    var agentVersion: String?
    var lastCollectedTime: String?
    var hasState = false
    var frrAppliedGen: Reading<Int64> = .absent
    var bgp: Reading<[BGPNeighborView]> = .absent
    var vpcs: [TrafficCounterView] = []
    var peerings: [TrafficCounterView] = []

    init() {}

    init(_ s: inout JSONScanner) throws(Miss) {
        guard try s.enterObjectUnlessNull() else { return }
        present = true
        var seen = SeenKeys()
        while let key = try s.nextKey() {
            if key.isEqual(to: "lastHeartbeat") {
                try seen.first(0); lastHeartbeat = try s.optionalTime()
            } else if key.isEqual(to: "lastAppliedGen") {
                try seen.first(1); lastAppliedGen = try s.optionalInt(nonNegative: true)
            } else if key.isEqual(to: "lastAppliedTime") {
                try seen.first(2); lastAppliedTime = try s.optionalTime()
            } else if key.isEqual(to: "agentVersion") {
                try seen.first(3); agentVersion = try s.optionalString()
            } else if key.isEqual(to: "state") {
                try seen.first(4); try readState(&s)
            } else {
                try s.skipValue()
            }
        }
    }

    private mutating func readState(_ s: inout JSONScanner) throws(Miss) {
        guard try s.enterObjectUnlessNull() else { return }
        hasState = true
        var seen = SeenKeys()
        while let key = try s.nextKey() {
            if key.isEqual(to: "lastCollectedTime") {
                try seen.first(0); lastCollectedTime = try s.optionalString()
            } else if key.isEqual(to: "frr") {
                try seen.first(1)
                guard try s.enterObjectUnlessNull() else { continue }
                var inner = SeenKeys()
                while let field = try s.nextKey() {
                    guard field.isEqual(to: "lastAppliedGen") else { try s.skipValue(); continue }
                    try inner.first(0); frrAppliedGen = try s.optionalInt(nonNegative: true)
                }
            } else if key.isEqual(to: "bgp") {
                try seen.first(2); bgp = try Self.readBGP(&s)
            } else if key.isEqual(to: "vpcs") {
                try seen.first(3); vpcs = try Self.readCounters(&s, .vpc)
            } else if key.isEqual(to: "peerings") {
                try seen.first(4); peerings = try Self.readCounters(&s, .peering)
            } else {
                try s.skipValue()
            }
        }
    }

    /// `status.state.bgp`: every neighbour of every VRF, VRFs then addresses sorted.
    private static func readBGP(_ s: inout JSONScanner) throws(Miss) -> Reading<[BGPNeighborView]> {
        guard try s.enterObjectUnlessNull() else { return .absent }
        var seen = SeenKeys()
        var neighbors: [BGPNeighborView] = []
        while let key = try s.nextKey() {
            guard key.isEqual(to: "vrfs") else { try s.skipValue(); continue }
            try seen.first(0)
            guard try s.enterObjectUnlessNull() else { continue }
            let vrfs = try s.sortedEntries { (s: inout JSONScanner) throws(Miss) in try readVRF(&s) }
            for (vrf, entries) in vrfs {
                for (address, neighbor) in entries {
                    var neighbor = neighbor
                    neighbor.vrf = vrf
                    neighbor.address = address
                    neighbors.append(neighbor)
                }
            }
        }
        // Beyond the limit the tree reader picks which to keep and notes it: leave that to it.
        guard neighbors.count <= GatewayAgentView.maxNeighbors else { throw Miss() }
        return .value(neighbors)
    }

    /// One VRF: its neighbours by address (vrf and address are filled in by the caller).
    private static func readVRF(_ s: inout JSONScanner) throws(Miss) -> [(key: String, value: BGPNeighborView)] {
        // A null VRF is skipped by the tree reader without a problem.
        guard try s.enterObjectUnlessNull() else { return [] }
        var seen = SeenKeys()
        var entries: [(key: String, value: BGPNeighborView)] = []
        while let key = try s.nextKey() {
            guard key.isEqual(to: "neighbors") else { try s.skipValue(); continue }
            try seen.first(0)
            guard try s.enterObjectUnlessNull() else { continue }
            entries = try s.sortedEntries { (s: inout JSONScanner) throws(Miss) in try readNeighbor(&s) }
        }
        return entries
    }

    private static func readNeighbor(_ s: inout JSONScanner) throws(Miss) -> BGPNeighborView {
        try s.beginObject()  // a null neighbour is a problem
        var seen = SeenKeys()
        var neighbor = BGPNeighborView(vrf: "", address: "", sessionState: .absent)
        while let key = try s.nextKey() {
            if key.isEqual(to: "sessionState") {
                try seen.first(0)
                if let text = try s.optionalString() {
                    guard let state = BGPSessionState(rawValue: text) else { throw Miss() }
                    neighbor.sessionState = .value(state)
                }
            } else if key.isEqual(to: "enabled") {
                try seen.first(1); neighbor.enabled = try s.optionalBool()
            } else if key.isEqual(to: "remoteRouterID") {
                try seen.first(2); neighbor.remoteRouterID = try s.optionalString()
            } else if key.isEqual(to: "peerAS") {
                try seen.first(3); neighbor.peerAS = try s.optionalInt().value
            } else if key.isEqual(to: "establishedTransitions") {
                try seen.first(4); neighbor.establishedTransitions = try s.optionalInt(nonNegative: true)
            } else if key.isEqual(to: "connectionsDropped") {
                try seen.first(5); neighbor.connectionsDropped = try s.optionalInt(nonNegative: true)
            } else if key.isEqual(to: "ipv4UnicastPrefixes") {
                try seen.first(6)
                guard try s.enterObjectUnlessNull() else { continue }
                var counts = SeenKeys()
                var prefixes = PrefixCounts(received: 0, sent: 0)
                while let field = try s.nextKey() {
                    if field.isEqual(to: "received") {
                        try counts.first(0); prefixes.received = try s.optionalInt(nonNegative: true).value ?? 0
                    } else if field.isEqual(to: "sent") {
                        try counts.first(1); prefixes.sent = try s.optionalInt(nonNegative: true).value ?? 0
                    } else {
                        try s.skipValue()
                    }
                }
                neighbor.ipv4Prefixes = .value(prefixes)
            } else {
                try s.skipValue()
            }
        }
        return neighbor
    }

    /// `status.state.vpcs` or `.peerings`: `{name: {p, d}}`, sorted by name.
    private static func readCounters(_ s: inout JSONScanner, _ kind: TrafficCounterView.Kind) throws(Miss) -> [TrafficCounterView] {
        guard try s.enterObjectUnlessNull() else { return [] }
        let entries = try s.sortedEntries { (s: inout JSONScanner) throws(Miss) -> (Reading<Int64>, Reading<Int64>) in
            try s.beginObject()
            var seen = SeenKeys()
            var packets: Reading<Int64> = .absent
            var drops: Reading<Int64> = .absent
            while let key = try s.nextKey() {
                if key.isEqual(to: "p") {
                    try seen.first(0); packets = try s.optionalInt(nonNegative: true)
                } else if key.isEqual(to: "d") {
                    try seen.first(1); drops = try s.optionalInt(nonNegative: true)
                } else {
                    try s.skipValue()
                }
            }
            return (packets, drops)
        }
        return entries.map { TrafficCounterView(kind: kind, name: $0.key, packets: $0.value.0, drops: $0.value.1) }
    }
}
