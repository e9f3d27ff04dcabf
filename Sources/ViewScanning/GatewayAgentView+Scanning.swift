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
        // The cached view of this object, looked up once, when the spec or the status comes
        // (the API server writes metadata first; before it, none is looked up).
        var cached: GatewayAgentView?
        var lookedUp = false
        func cachedView() -> GatewayAgentView? {
            guard !lookedUp, let meta, let previous else { return cached }
            lookedUp = true
            cached = previous(meta.watchIdentity?.namespace, meta.name)
            return cached
        }
        try s.beginObject()
        while let key = try s.nextKey() {
            if key.isEqual(to: "metadata") {
                try seen.first(0); meta = try ScannedMetadata(&s)
            } else if key.isEqual(to: "spec") {
                try seen.first(1); spec = try ScannedSpec(&s, reusing: cachedView())
            } else if key.isEqual(to: "status") {
                try seen.first(2); status = try ScannedStatus(&s, like: cachedView())
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
        f.specDigest = spec.digest
        f.hasStatus = status.present
        f.lastHeartbeat = status.lastHeartbeat
        f.lastAppliedGen = status.lastAppliedGen
        f.lastAppliedTime = status.lastAppliedTime
        f.agentVersion = status.agentVersion
        f.lastCollectedTime = status.lastCollectedTime
        f.hasState = status.hasState
        f.frrAppliedGen = status.frrAppliedGen
        f.bgpNeighbors = status.bgp
        f.counters = status.counters()
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
    var digest = SpecDigest()

    init() {}

    /// At `spec`'s value: `cached`'s spec part when its spec was read from the same bytes, else
    /// the spec read from them.
    init(_ s: inout JSONScanner, reusing cached: GatewayAgentView?) throws(Miss) {
        let opening = try s.peek()
        let start = s.index
        guard let cached, let known = cached.specDigest else {
            try self.init(&s)
            digest = Self.digest(s.bytes(since: start))
            return
        }
        // As many bytes as the cached spec was read from, where this spec starts: when their
        // digest is the cached one they are those bytes, which were validated then, and the
        // spec ends where they end (a whole object is no prefix of a longer value). Not even
        // its brackets are followed. Any other spec is read below, from the start, validating.
        var skipped = s
        if opening == UInt8(ascii: "{"), let bytes = try skipped.skipKnownBytes(cached.specLength),
           specDigest(bytes) == known {
            self.init()
            protocolIP = cached.protocolIP
            neighbors = cached.expectedNeighbors
            agentVersion = cached.expectedAgentVersion.value
            peerings = cached.peerings
            digest = SpecDigest(known, length: Int32(cached.specLength))
            s = skipped
            return
        }
        try self.init(&s)
        digest = Self.digest(s.bytes(since: start))
    }

    /// The digest and length of a spec's bytes; none for a spec too long to note the length of.
    private static func digest(_ bytes: UnsafeRawBufferPointer) -> SpecDigest {
        guard let length = Int32(exactly: bytes.count) else { return SpecDigest() }
        return SpecDigest(specDigest(bytes), length: length)
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
///
/// Read beside the cached view of the same object when there is one (`like`): between two
/// heartbeats of a gateway its BGP sessions, the names of its counters and most other values are
/// the ones the cached view holds, so the bytes are compared with those in place, and where they
/// give the same values the cached strings and arrays are taken (no new ones; equal arrays then
/// share storage with the cached view, which makes comparing the two views cheap too). Whatever
/// differs, or is shaped otherwise, is read again from its start as without a cached view: the
/// result is the same view either way (`ViewScanningTests`, the watch fuzzer).
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
    private var vpcs: Counters = .read(0..<0)
    private var peerings: Counters = .read(0..<0)
    /// The counters read, of both kinds, each kind a run in the order the bytes give them
    /// (`Counters.read`): one array for both, which `counters()` gives as it is when it holds
    /// the vpcs then the peerings (it reorders them in place when they came the other way). An
    /// array per kind and their sum was three arrays a heartbeat where one does.
    private var read: [TrafficCounterView] = []
    /// Of the view this status is compared with (none: nothing compared).
    private let cached: GatewayAgentView?

    /// `status.state.vpcs` or `.peerings`: the run of `read` it is, or the cached view's, unchanged.
    private enum Counters {
        case read(Range<Int>)
        case cached
    }

    /// `status.state.vpcs` then `.peerings`.
    mutating func counters() -> [TrafficCounterView] {
        switch (vpcs, peerings) {
        case (.cached, .cached):
            return cached?.counters ?? []
        case (.read(let v), .read(let p)) where v.lowerBound == 0 && v.upperBound == p.lowerBound && p.upperBound == read.count:
            return read
        case (.read(let v), .read(let p)) where p.lowerBound == 0 && p.upperBound == v.lowerBound && v.upperBound == read.count:
            // The peerings came first (a writer that sorts keys): rotated in place, by three
            // reversals, to the vpcs then the peerings.
            func reverse(_ range: Range<Int>) {
                var (i, j) = (range.lowerBound, range.upperBound - 1)
                while i < j { read.swapAt(i, j); i += 1; j -= 1 }
            }
            reverse(0..<read.count)
            reverse(0..<v.count)
            reverse(v.count..<read.count)
            return read
        default:
            var all: [TrafficCounterView] = []
            all.reserveCapacity(read.count + (cached?.counters.count ?? 0))
            func append(_ part: Counters, _ kind: TrafficCounterView.Kind) {
                switch part {
                case .read(let range): all.append(contentsOf: read[range])
                case .cached: all.append(contentsOf: Self.cachedCounters(cached, kind))
                }
            }
            append(vpcs, .vpc)
            append(peerings, .peering)
            return all
        }
    }

    init() { cached = nil }

    init(_ s: inout JSONScanner, like cached: GatewayAgentView?) throws(Miss) {
        self.cached = cached
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
                try seen.first(3); agentVersion = try s.optionalString(reusing: cached?.agentVersion)
            } else if key.isEqual(to: "state") {
                try seen.first(4); try readState(&s)
            } else {
                try s.skipValue()
            }
        }
    }

    /// The cached view's counters of one kind (the vpcs come first, `counters`).
    private static func cachedCounters(_ cached: GatewayAgentView?, _ kind: TrafficCounterView.Kind) -> ArraySlice<TrafficCounterView> {
        guard let all = cached?.counters else { return [] }
        let split = all.firstIndex { $0.kind == .peering } ?? all.endIndex
        return kind == .vpc ? all[..<split] : all[split...]
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
                try seen.first(2)
                if case .value(let known)? = cached?.bgpNeighbors {
                    let mark = s
                    if try Self.bgpIsUnchanged(&s, known) { bgp = .value(known); continue }
                    s = mark
                }
                bgp = try Self.readBGP(&s)
            } else if key.isEqual(to: "vpcs") {
                try seen.first(3); vpcs = try readCounters(&s, .vpc)
            } else if key.isEqual(to: "peerings") {
                try seen.first(4); peerings = try readCounters(&s, .peering)
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

    /// At `status.state.bgp`: whether `readBGP` would read `known` (the cached view's neighbours)
    /// from these bytes. It walks them as `readBGP` does, validating the same, and compares each
    /// neighbour with the next one of `known` in place. True only when the bytes list exactly
    /// `known`'s neighbours in `known`'s order (sorted, no repeats: `readBGP`'s order, so its sort
    /// would move nothing) with equal fields; false on anything else — another order, a VRF
    /// without neighbours, a null — and the caller reads them with `readBGP`.
    private static func bgpIsUnchanged(_ s: inout JSONScanner, _ known: [BGPNeighborView]) throws(Miss) -> Bool {
        guard try s.enterObjectUnlessNull() else { return false }
        var seen = SeenKeys()
        var next = 0
        while let key = try s.nextKey() {
            guard key.isEqual(to: "vrfs") else { try s.skipValue(); continue }
            try seen.first(0)
            guard try s.enterObjectUnlessNull() else { continue }
            while let vrf = try s.nextKey() {
                // A VRF starts a run of `known` of its own name: a repeated VRF key, or one
                // without neighbours (which `known` cannot show), is left to `readBGP`.
                // (`known` came from one of the readers, sorted; checked all the same, so that
                // the answer rests on nothing but the bytes and `known` itself.)
                let first = next
                guard first < known.count, vrf.isEqual(to: known[first].vrf),
                      first == 0 || known[first - 1].vrf < known[first].vrf,
                      try s.enterObjectUnlessNull() else { return false }
                var inner = SeenKeys()
                while let field = try s.nextKey() {
                    guard field.isEqual(to: "neighbors") else { try s.skipValue(); continue }
                    try inner.first(0)
                    guard try s.enterObjectUnlessNull() else { return false }
                    while let address = try s.nextKey() {
                        guard next < known.count, address.isEqual(to: known[next].address),
                              next == first || (known[next].vrf == known[first].vrf && known[next - 1].address < known[next].address)
                        else { return false }
                        guard try neighborIsUnchanged(&s, known[next]) else { return false }
                        next += 1
                    }
                }
                guard next > first else { return false }
            }
        }
        return next == known.count
    }

    /// At a neighbour's value: whether `readNeighbor` would read `known` from it (with `known`'s
    /// VRF and address). It walks the object as `readNeighbor` does, validating the same, and
    /// compares each field's bytes with `known`'s value as it comes, building no neighbour and
    /// no string; false at the first field that differs (the caller then reads the bytes again
    /// from the start, with `readBGP`). Every field `readNeighbor` reads is compared here: a
    /// field added to one must be added to the other (`CachedStatusScanningTests` varies each).
    private static func neighborIsUnchanged(_ s: inout JSONScanner, _ known: BGPNeighborView) throws(Miss) -> Bool {
        try s.beginObject()  // a null neighbour is a problem
        var seen = SeenKeys()
        while let key = try s.nextKey() {
            if key.isEqual(to: "sessionState") {
                try seen.first(0)
                if try s.skipNull() {
                    guard case .absent = known.sessionState else { return false }
                } else {
                    let text = try s.stringBytes()
                    guard case .value(let state) = known.sessionState, JSONScanner.same(text, state.rawValue) else { return false }
                }
            } else if key.isEqual(to: "enabled") {
                try seen.first(1)
                guard try s.optionalBool() == known.enabled else { return false }
            } else if key.isEqual(to: "remoteRouterID") {
                try seen.first(2)
                if try s.skipNull() {
                    guard known.remoteRouterID == nil else { return false }
                } else {
                    let text = try s.stringBytes()
                    guard let id = known.remoteRouterID, JSONScanner.same(text, id) else { return false }
                }
            } else if key.isEqual(to: "peerAS") {
                try seen.first(3)
                guard try s.optionalInt().value == known.peerAS else { return false }
            } else if key.isEqual(to: "establishedTransitions") {
                try seen.first(4)
                guard try s.optionalInt(nonNegative: true) == known.establishedTransitions else { return false }
            } else if key.isEqual(to: "connectionsDropped") {
                try seen.first(5)
                guard try s.optionalInt(nonNegative: true) == known.connectionsDropped else { return false }
            } else if key.isEqual(to: "ipv4UnicastPrefixes") {
                try seen.first(6)
                if try !s.enterObjectUnlessNull() {
                    guard case .absent = known.ipv4Prefixes else { return false }
                    continue
                }
                guard case .value(let prefixes) = known.ipv4Prefixes else { return false }
                var counts = SeenKeys()
                var received: Int64 = 0, sent: Int64 = 0
                while let field = try s.nextKey() {
                    if field.isEqual(to: "received") {
                        try counts.first(0); received = try s.optionalInt(nonNegative: true).value ?? 0
                    } else if field.isEqual(to: "sent") {
                        try counts.first(1); sent = try s.optionalInt(nonNegative: true).value ?? 0
                    } else {
                        try s.skipValue()
                    }
                }
                guard received == prefixes.received && sent == prefixes.sent else { return false }
            } else {
                try s.skipValue()
            }
        }
        // A field the bytes leave out reads as its default.
        if !seen.contains(0), known.sessionState != .absent { return false }
        if !seen.contains(1), known.enabled != nil { return false }
        if !seen.contains(2), known.remoteRouterID != nil { return false }
        if !seen.contains(3), known.peerAS != nil { return false }
        if !seen.contains(4), known.establishedTransitions != .absent { return false }
        if !seen.contains(5), known.connectionsDropped != .absent { return false }
        if !seen.contains(6), known.ipv4Prefixes != .absent { return false }
        return true
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

    /// One neighbour (`neighborIsUnchanged` compares one with a cached one in place).
    private static func readNeighbor(_ s: inout JSONScanner) throws(Miss) -> BGPNeighborView {
        try s.beginObject()  // a null neighbour is a problem
        var seen = SeenKeys()
        var neighbor = BGPNeighborView(vrf: "", address: "", sessionState: .absent)
        while let key = try s.nextKey() {
            if key.isEqual(to: "sessionState") {
                try seen.first(0)
                if try !s.skipNull() {
                    guard let state = BGPSessionState(rawValue: try s.string()) else { throw Miss() }
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

    /// `status.state.vpcs` or `.peerings`: `{name: {p, d}}`, sorted by name. Beside a cached
    /// view whose counters of this kind have the same names in the same order, the names are
    /// its strings, and counts all equal too make it `.cached`.
    private mutating func readCounters(_ s: inout JSONScanner, _ kind: TrafficCounterView.Kind) throws(Miss) -> Counters {
        if read.isEmpty, let count = cached?.counters.count { read.reserveCapacity(count) }
        let start = read.count
        if cached != nil {
            let mark = s
            if let known = try countersLike(&s, kind, Self.cachedCounters(cached, kind)) { return known }
            s = mark
            read.removeSubrange(start...)
        }
        guard try s.enterObjectUnlessNull() else { return .read(start..<start) }
        let entries = try s.sortedEntries { (s: inout JSONScanner) throws(Miss) in try Self.readCounts(&s) }
        read.append(contentsOf: entries.lazy.map { TrafficCounterView(kind: kind, name: $0.key, packets: $0.value.0, drops: $0.value.1) })
        return .read(start..<read.count)
    }

    /// What `readCounters` reads when the bytes name exactly `known`'s counters in `known`'s
    /// order (sorted, no repeats: its sort would move nothing), read in place (appended to
    /// `read`); nil on anything else (other names, another order, a null), which the caller
    /// then reads as always (dropping what this appended). `.cached` when every count is
    /// `known`'s too (what this appended is dropped).
    private mutating func countersLike(_ s: inout JSONScanner, _ kind: TrafficCounterView.Kind,
                                       _ known: ArraySlice<TrafficCounterView>) throws(Miss) -> Counters? {
        guard try s.enterObjectUnlessNull() else { return nil }
        let start = read.count
        var same = true
        var next = known.startIndex
        while let key = try s.nextKey() {
            guard next < known.endIndex, key.isEqual(to: known[next].name),
                  next == known.startIndex || known[next - 1].name < known[next].name else { return nil }
            let (packets, drops) = try Self.readCounts(&s)
            same = same && packets == known[next].packets && drops == known[next].drops && known[next].kind == kind
            read.append(TrafficCounterView(kind: kind, name: known[next].name, packets: packets, drops: drops))
            next += 1
        }
        guard next == known.endIndex else { return nil }
        if same {
            read.removeSubrange(start...)
            return .cached
        }
        return .read(start..<read.count)
    }

    /// One counter set's `{p, d}`.
    private static func readCounts(_ s: inout JSONScanner) throws(Miss) -> (Reading<Int64>, Reading<Int64>) {
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
}
