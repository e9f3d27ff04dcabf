import Foundation
import HealthModel
import KubeAPI

/// Read from bytes by `init?(bytes:)` (ViewScanning.swift).
extension SwitchAgentView: ReadableFromBytes {
    public init(scanning s: inout JSONScanner) throws(JSONScanner.Miss) {
        self = try Self.scanned(&s, previous: nil).view
    }

    /// The switch Agent watch's reader: the view and the identity in one pass.
    public static let watchReader = WatchObjectReader.reading { (s: inout JSONScanner) throws(Miss) in try scanned(&s, previous: nil) }

    /// The same, beside the cached view of the same object (`previous`, by namespace and name):
    /// a leaf's heartbeat rewrites its heartbeat time and counters the view does not keep, and its
    /// sessions are most often the cached ones. When the bytes give exactly the cached sessions
    /// the cached array is the result (no strings, no array; the new view shares its storage, so
    /// the fleet index tells an unchanged leaf by a pointer); anything else is read as without it.
    public static func watchReader(previous: @escaping @Sendable (_ namespace: String?, _ name: String) -> SwitchAgentView?) -> WatchObjectReader {
        WatchObjectReader.reading { (s: inout JSONScanner) throws(Miss) in try scanned(&s, previous: previous) }
    }

    private static func scanned(_ s: inout JSONScanner,
                                previous: ((_ namespace: String?, _ name: String) -> SwitchAgentView?)?) throws(Miss) -> (view: SwitchAgentView, meta: ScannedMetadata) {
        var meta: ScannedMetadata?
        var heartbeat: Reading<Date> = .absent
        var sessions: [LeafSessionView] = []
        var seen = SeenKeys()
        try s.beginObject()
        while let key = try s.nextKey() {
            if key.isEqual(to: "metadata") {
                try seen.first(0); meta = try ScannedMetadata(&s, keepingUID: false)  // the view keeps no uid
            } else if key.isEqual(to: "status") {
                try seen.first(1)
                guard try s.enterObjectUnlessNull() else { continue }
                var inner = SeenKeys()
                while let field = try s.nextKey() {
                    if field.isEqual(to: "lastHeartbeat") {
                        try inner.first(0); heartbeat = try s.optionalTime()
                    } else if field.isEqual(to: "state") {
                        try inner.first(1)
                        // The cached view is looked up once (the API server writes metadata first;
                        // before it, none is looked up).
                        let cached = meta.flatMap { meta in previous?(meta.watchIdentity?.namespace, meta.name) }
                        sessions = try Self.readState(&s, like: cached?.sessions)
                    } else {
                        try s.skipValue()
                    }
                }
            } else {
                try s.skipValue()
            }
        }
        guard let meta else { throw Miss() }
        return (SwitchAgentView(name: meta.name, namespace: meta.namespace, resourceVersion: meta.resourceVersion,
                                generation: meta.generation.value, lastHeartbeat: heartbeat, sessions: sessions, problems: []), meta)
    }

    /// At `status.state`: `known` (the cached view's sessions) when `readState` would read exactly
    /// them from these bytes, else what it reads.
    private static func readState(_ s: inout JSONScanner, like known: [LeafSessionView]?) throws(Miss) -> [LeafSessionView] {
        if let known {
            var ahead = s
            if try sessionsAreUnchanged(&ahead, known) {
                s = ahead
                return known
            }
        }
        return try readState(&s)
    }

    /// At `status.state`: whether `readState` would read `known` from these bytes. It walks them as
    /// `readState` does, validating the same (so it throws only where `readState` would), and
    /// compares each session with the next one of `known` in place. True only when the bytes
    /// list exactly `known`'s sessions in `known`'s order (VRFs and addresses strictly ascending,
    /// each VRF once: `readState`'s order, so its sort would move nothing) with equal fields;
    /// false on anything else — another order, a VRF without sessions, a null — and the caller
    /// reads them with `readState`.
    private static func sessionsAreUnchanged(_ s: inout JSONScanner, _ known: [LeafSessionView]) throws(Miss) -> Bool {
        guard try s.enterObjectUnlessNull() else { return known.isEmpty }
        var seen = SeenKeys()
        var next = 0
        while let key = try s.nextKey() {
            guard key.isEqual(to: "bgpNeighbors") else { try s.skipValue(); continue }
            try seen.first(0)
            guard try s.enterObjectUnlessNull() else { continue }
            while let vrf = try s.nextKey() {
                // A VRF starts a run of `known` of its own name: a repeated VRF key, or one
                // without sessions (which `known` cannot show), is left to `readState`.
                // (`known` came from one of the readers, sorted; checked all the same, so that
                // the answer rests on nothing but the bytes and `known` itself.)
                let first = next
                guard first < known.count, vrf.isEqual(to: known[first].vrf),
                      first == 0 || known[first - 1].vrf < known[first].vrf,
                      try s.enterObjectUnlessNull() else { return false }
                while let address = try s.nextKey() {
                    guard next < known.count, address.isEqual(to: known[next].neighbor),
                          next == first || (known[next].vrf == known[first].vrf && known[next - 1].neighbor < known[next].neighbor)
                    else { return false }
                    guard try sessionIsUnchanged(&s, known[next]) else { return false }
                    next += 1
                }
                guard next > first else { return false }
            }
        }
        return next == known.count
    }

    /// At a session's value: whether `readSession` would read `known`'s fields from it (its VRF
    /// and address were compared by the caller). Each field is compared as it comes, with no
    /// session built (a copy of the cached session's strings, retained and released, for every
    /// session of every leaf heartbeat); it validates as `readSession` does, so it throws only
    /// where that would, and may stop at the first difference: the caller then reads the whole
    /// state again with `readState`.
    private static func sessionIsUnchanged(_ s: inout JSONScanner, _ known: LeafSessionView) throws(Miss) -> Bool {
        try s.beginObject()
        var seen = SeenKeys()
        var state: Reading<LeafSessionState> = .absent
        var enabled: Bool?
        var received: Int64?
        while let key = try s.nextKey() {
            if key.isEqual(to: "state") {
                try seen.first(0)
                if try !s.skipNull() {
                    guard let read = sessionState(try s.stringBytes()) else { throw Miss() }
                    state = .value(read)
                }
            } else if key.isEqual(to: "remoteRouterID") {
                try seen.first(1)
                guard try routerIDIsUnchanged(&s, known.remoteRouterID) else { return false }
            } else if key.isEqual(to: "enabled") {
                try seen.first(2); enabled = try s.optionalBool()
            } else if key.isEqual(to: "prefixes") {
                try seen.first(3); received = try readReceived(&s)
            } else {
                try s.skipValue()
            }
        }
        // A field not written reads as `readSession` leaves it: absent, nil.
        return state == known.state && enabled == known.enabled && received == known.receivedPrefixes
            && (seen.contains(1) || known.remoteRouterID == nil)
    }

    /// At `remoteRouterID`'s value: whether `readRouterID` would read `known`. No string is made
    /// where the bytes are its own and `bareAddress` would leave them as they are (printable
    /// ASCII, no `/`: nothing to trim or cut).
    private static func routerIDIsUnchanged(_ s: inout JSONScanner, _ known: String?) throws(Miss) -> Bool {
        if try s.skipNull() { return known == nil }
        let bytes = try s.stringBytes()
        guard let known else { return false }
        if JSONScanner.same(bytes, known), bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: "/") }) {
            return true
        }
        return bareAddress(String(decoding: bytes, as: UTF8.self)) == known
    }

    /// `status.state.bgpNeighbors`: `{vrf: {address: {state, remoteRouterID, enabled, prefixes}}}`,
    /// the sessions by VRF and address as the tree reader iterates them (`keys.sorted()`). Read
    /// into one array, in place: every leaf heartbeat reads it, and the arrays of entries per
    /// VRF and per session's address families it built were most of its cost. The API server
    /// writes map keys sorted, so the order is only checked; a document that is not is sorted.
    private static func readState(_ s: inout JSONScanner) throws(Miss) -> [LeafSessionView] {
        guard try s.enterObjectUnlessNull() else { return [] }
        var seen = SeenKeys()
        var sessions: [LeafSessionView] = []
        while let key = try s.nextKey() {
            guard key.isEqual(to: "bgpNeighbors") else { try s.skipValue(); continue }
            try seen.first(0)
            guard try s.enterObjectUnlessNull() else { continue }
            var vrfs: [String] = []
            while let vrfKey = try s.nextKey() {
                let vrf = vrfKey.string
                guard !vrfs.contains(vrf) else { throw Miss() }  // a repeated VRF: the tree keeps the last
                vrfs.append(vrf)
                // A null VRF is skipped by the tree reader without a problem.
                guard try s.enterObjectUnlessNull() else { continue }
                while let address = try s.nextKey() {
                    var session = LeafSessionView(vrf: vrf, neighbor: address.string, state: .absent, remoteRouterID: nil)
                    try readSession(&s, into: &session)
                    sessions.append(session)
                }
            }
        }
        guard !inOrder(sessions) else { return sessions }
        sessions.sort { ($0.vrf, $0.neighbor) < ($1.vrf, $1.neighbor) }
        guard inOrder(sessions) else { throw Miss() }  // a repeated address in a VRF
        return sessions
    }

    /// Strictly increasing by VRF and address: sorted, and no address twice in a VRF.
    private static func inOrder(_ sessions: [LeafSessionView]) -> Bool {
        for i in sessions.indices.dropFirst() where !((sessions[i - 1].vrf, sessions[i - 1].neighbor) < (sessions[i].vrf, sessions[i].neighbor)) {
            return false
        }
        return true
    }

    /// One session (`sessionIsUnchanged` compares one with a cached session as this reads it).
    private static func readSession(_ s: inout JSONScanner, into session: inout LeafSessionView) throws(Miss) {
        try s.beginObject()  // a null session: the tree reader's paths through it read absent; leave it to it
        var seen = SeenKeys()
        while let key = try s.nextKey() {
            if key.isEqual(to: "state") {
                try seen.first(0)
                if try !s.skipNull() {
                    guard let state = sessionState(try s.stringBytes()) else { throw Miss() }
                    session.state = .value(state)
                }
            } else if key.isEqual(to: "remoteRouterID") {
                try seen.first(1); session.remoteRouterID = try readRouterID(&s)
            } else if key.isEqual(to: "enabled") {
                try seen.first(2); session.enabled = try s.optionalBool()
            } else if key.isEqual(to: "prefixes") {
                try seen.first(3); session.receivedPrefixes = try readReceived(&s)
            } else {
                try s.skipValue()
            }
        }
    }

    /// `remoteRouterID`, its prefix length dropped (`bareAddress`).
    private static func readRouterID(_ s: inout JSONScanner) throws(Miss) -> String? {
        try s.skipNull() ? nil : bareAddress(String(decoding: try s.stringBytes(), as: UTF8.self))
    }

    /// `prefixes`: the sum of `<family>.rec` over the address families (nil when none has one),
    /// summed as they come (a wrapping sum does not depend on the order), not sorted first.
    /// The families come sorted (the API server writes map keys sorted): while each is after
    /// the one before, none is repeated, and no list of them is kept; a family out of order
    /// reads the object again, from its start, keeping the list (`readReceivedInAnyOrder`).
    private static func readReceived(_ s: inout JSONScanner) throws(Miss) -> Int64? {
        let start = s
        guard try s.enterObjectUnlessNull() else { return nil }
        var previous: String?
        var received: Int64?
        while let key = try s.nextKey() {
            let family = key.string
            if let previous, !(previous < family) {
                s = start
                return try readReceivedInAnyOrder(&s)
            }
            previous = family
            if let rec = try readRec(&s) { received = (received ?? 0) &+ rec }
        }
        return received
    }

    /// `readReceived` for families in any order: a repeated one misses (the tree keeps the last).
    private static func readReceivedInAnyOrder(_ s: inout JSONScanner) throws(Miss) -> Int64? {
        guard try s.enterObjectUnlessNull() else { return nil }
        var families: [String] = []
        var received: Int64?
        while let key = try s.nextKey() {
            let family = key.string
            guard !families.contains(family) else { throw Miss() }  // a repeated family: the tree keeps the last
            families.append(family)
            if let rec = try readRec(&s) { received = (received ?? 0) &+ rec }
        }
        return received
    }

    /// One family's `rec` (nil: a null family, or none).
    private static func readRec(_ s: inout JSONScanner) throws(Miss) -> Int64? {
        guard try s.enterObjectUnlessNull() else { return nil }
        var fields = SeenKeys()
        var rec: Int64?
        while let field = try s.nextKey() {
            guard field.isEqual(to: "rec") else { try s.skipValue(); continue }
            try fields.first(0); rec = try s.optionalInt(nonNegative: true).value
        }
        return rec
    }

    /// A session's `state` from its bytes, without making a string of it (nil: not a state).
    private static func sessionState(_ bytes: UnsafeBufferPointer<UInt8>) -> LeafSessionState? {
        func matches(_ name: StaticString) -> Bool {
            bytes.count == name.utf8CodeUnitCount && memcmp(bytes.baseAddress!, name.utf8Start, bytes.count) == 0
        }
        if matches("established") { return .established }
        if matches("idle") { return .idle }
        if matches("active") { return .active }
        if matches("connect") { return .connect }
        if matches("openSent") { return .openSent }
        if matches("openConfirm") { return .openConfirm }
        return nil
    }
}
