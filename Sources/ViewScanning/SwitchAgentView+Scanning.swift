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

    /// `status.state.bgpNeighbors`: `{vrf: {address: {state, remoteRouterID, enabled}}}`.
    private static func readState(_ s: inout JSONScanner) throws(Miss) -> [LeafSessionView] {
        guard try s.enterObjectUnlessNull() else { return [] }
        var seen = SeenKeys()
        var sessions: [LeafSessionView] = []
        while let key = try s.nextKey() {
            guard key.isEqual(to: "bgpNeighbors") else { try s.skipValue(); continue }
            try seen.first(0)
            guard try s.enterObjectUnlessNull() else { continue }
            let vrfs = try s.sortedEntries { (s: inout JSONScanner) throws(Miss) -> [(key: String, value: LeafSessionView)] in
                // A null VRF is skipped by the tree reader without a problem.
                guard try s.enterObjectUnlessNull() else { return [] }
                return try s.sortedEntries { (s: inout JSONScanner) throws(Miss) in try readSession(&s) }
            }
            for (vrf, entries) in vrfs {
                for (address, session) in entries {
                    var session = session
                    session.vrf = vrf
                    session.neighbor = address
                    sessions.append(session)
                }
            }
        }
        return sessions
    }

    private static func readSession(_ s: inout JSONScanner) throws(Miss) -> LeafSessionView {
        try s.beginObject()  // a null session: the tree reader's paths through it read absent; leave it to it
        var seen = SeenKeys()
        var session = LeafSessionView(vrf: "", neighbor: "", state: .absent, remoteRouterID: nil)
        while let key = try s.nextKey() {
            if key.isEqual(to: "state") {
                try seen.first(0)
                if let text = try s.optionalString() {
                    guard let state = LeafSessionState(rawValue: text) else { throw Miss() }
                    session.state = .value(state)
                }
            } else if key.isEqual(to: "remoteRouterID") {
                try seen.first(1); session.remoteRouterID = try s.optionalString().map(bareAddress)
            } else if key.isEqual(to: "enabled") {
                try seen.first(2); session.enabled = try s.optionalBool()
            } else if key.isEqual(to: "prefixes") {
                try seen.first(3)
                guard try s.enterObjectUnlessNull() else { continue }
                let families = try s.sortedEntries { (s: inout JSONScanner) throws(Miss) -> Int64? in
                    guard try s.enterObjectUnlessNull() else { return nil }
                    var fields = SeenKeys()
                    var rec: Int64?
                    while let field = try s.nextKey() {
                        guard field.isEqual(to: "rec") else { try s.skipValue(); continue }
                        try fields.first(0); rec = try s.optionalInt(nonNegative: true).value
                    }
                    return rec
                }
                for (_, rec) in families { if let rec { session.receivedPrefixes = (session.receivedPrefixes ?? 0) &+ rec } }
            } else {
                try s.skipValue()
            }
        }
        return session
    }
}
