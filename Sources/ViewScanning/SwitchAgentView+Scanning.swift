import Foundation
import HealthModel
import KubeAPI

/// Read from bytes by `init?(bytes:)` (ViewScanning.swift).
extension SwitchAgentView: ReadableFromBytes {
    public init(scanning s: inout JSONScanner) throws(JSONScanner.Miss) {
        self = try Self.scanned(&s).view
    }

    /// The switch Agent watch's reader: the view and the identity in one pass.
    public static let watchReader = WatchObjectReader.reading(scanned)

    private static func scanned(_ s: inout JSONScanner) throws(Miss) -> (view: SwitchAgentView, meta: ScannedMetadata) {
        var meta: ScannedMetadata?
        var heartbeat: Reading<Date> = .absent
        var sessions: [LeafSessionView] = []
        var seen = SeenKeys()
        try s.beginObject()
        while let key = try s.nextKey() {
            if key.isEqual(to: "metadata") {
                try seen.first(0); meta = try ScannedMetadata(&s)
            } else if key.isEqual(to: "status") {
                try seen.first(1)
                guard try s.enterObjectUnlessNull() else { continue }
                var inner = SeenKeys()
                while let field = try s.nextKey() {
                    if field.isEqual(to: "lastHeartbeat") {
                        try inner.first(0); heartbeat = try s.optionalTime()
                    } else if field.isEqual(to: "state") {
                        try inner.first(1); sessions = try Self.readState(&s)
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
                try seen.first(1); session.remoteRouterID = try s.optionalString().map(bareAddress)
            } else if key.isEqual(to: "enabled") {
                try seen.first(2); session.enabled = try s.optionalBool()
            } else if key.isEqual(to: "prefixes") {
                try seen.first(3); session.receivedPrefixes = try readReceived(&s)
            } else {
                try s.skipValue()
            }
        }
    }

    /// `prefixes`: the sum of `<family>.rec` over the address families (nil when none has one),
    /// summed as they come (a wrapping sum does not depend on the order), not sorted first.
    private static func readReceived(_ s: inout JSONScanner) throws(Miss) -> Int64? {
        guard try s.enterObjectUnlessNull() else { return nil }
        var families: [String] = []
        var received: Int64?
        while let key = try s.nextKey() {
            let family = key.string
            guard !families.contains(family) else { throw Miss() }  // a repeated family: the tree keeps the last
            families.append(family)
            guard try s.enterObjectUnlessNull() else { continue }
            var fields = SeenKeys()
            var rec: Int64?
            while let field = try s.nextKey() {
                guard field.isEqual(to: "rec") else { try s.skipValue(); continue }
                try fields.first(0); rec = try s.optionalInt(nonNegative: true).value
            }
            if let rec { received = (received ?? 0) &+ rec }
        }
        return received
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
