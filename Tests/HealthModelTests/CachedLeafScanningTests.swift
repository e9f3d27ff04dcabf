import Foundation
import KubeAPI
import Testing
@testable import HealthModel
import ViewScanning

/// The switch Agent watch's reader beside the cached view (`SwitchAgentView.watchReader(previous:)`)
/// takes the cached view's sessions when the bytes give exactly them. Whatever the cached view and
/// whatever the bytes, it must give exactly the view the reader gives without a cached view (a miss
/// where that one misses), which is the tree reader's view where it answers.
@Suite("Switch Agent views from bytes beside the cached view")
struct CachedLeafScanningTests {
    typealias Writer = ViewScanningTests.Writer

    /// A leaf with two VRFs, sessions with and without prefixes and router IDs (one with a prefix
    /// length, one `0.0.0.0`), and keys the view does not keep.
    static let rich: JSONValue = Fx.leaf(sessions: [("172.30.128.13", "established", "172.30.8.0"),
                                                    ("172.30.128.15", "idle", "172.30.8.2/32"),
                                                    ("172.30.128.17", "active", "0.0.0.0")],
                                         received: ["172.30.128.13": 7, "172.30.128.15": 0])
        .setting(["status", "state", "bgpNeighbors", "vrf-b"], [
            "10.0.0.1": ["state": "established", "remoteRouterID": "172.30.8.4", "enabled": false,
                         "prefixes": ["IPV4_UNICAST": ["rec": 3], "L2VPN_EVPN": ["rec": 2], "IPV6_UNICAST": .null]],
            "10.0.0.2": ["state": "openSent", "remoteRouterID": "172.30.255.254-long-router-id", "prefixes": [:]],
        ])
        .setting(["status", "state", "bgpNeighbors", "vrf-b", "10.0.0.1", "messages"], ["keepalive": ["sent": 10, "received": 9]])

    static func text(_ object: JSONValue, _ writer: Writer = Writer()) -> String { writer.render(object) }

    /// The view the watch's reader gives for `text` beside `cached` (nil: left to the tree).
    static func read(_ text: String, cached: SwitchAgentView?) -> SwitchAgentView? {
        let reader = SwitchAgentView.watchReader(previous: { _, _ in cached })
        let line = ViewScanningTests.bytes(#"{"type":"MODIFIED","object":"# + text + "}")
        return WatchEvent.Unparsed.scan(line: line, reader: reader)?.1.view as? SwitchAgentView
    }

    /// Read beside `cached` as without it (and as the static reader without a cache reads it);
    /// and as the tree reads it where it answers.
    @discardableResult
    static func check(_ text: String, cached: SwitchAgentView, _ comment: String = "") -> SwitchAgentView? {
        let alone = read(text, cached: nil)
        let line = ViewScanningTests.bytes(#"{"type":"MODIFIED","object":"# + text + "}")
        let plain = WatchEvent.Unparsed.scan(line: line, reader: SwitchAgentView.watchReader)?.1.view as? SwitchAgentView
        let beside = read(text, cached: cached)
        #expect(alone == plain, "\(comment): \(text)")
        #expect(beside == alone, "\(comment): \(text)")
        if let beside, let tree = try? JSONValue.parse(Array(text.utf8)) {
            #expect(beside == SwitchAgentView(json: tree), "\(comment): \(text)")
        }
        return beside
    }

    /// The caches a heartbeat may meet: the view read from bytes of the same object, of other
    /// objects (one without sessions), from the tree, and one whose sessions are out of order
    /// (none of the readers makes one: not to be trusted).
    static func caches(_ base: JSONValue) throws -> [SwitchAgentView] {
        var out: [SwitchAgentView] = []
        for object in [base, Self.rich, Fx.leaf(), Fx.leaf(sessions: []), ViewScanningTests.fabricLeaf] {
            out.append(try #require(read(text(object), cached: nil)))
        }
        out.append(SwitchAgentView(json: base))
        var reversed = out[0]
        reversed.sessions.reverse()
        out.append(reversed)
        return out
    }

    /// A heartbeat's and a change's variants of `base` (a leaf with a session at 172.30.128.13
    /// in `default`).
    static func variants(of base: JSONValue) -> [(String, JSONValue)] {
        let state = ["status", "state"]
        let vrfs = state + ["bgpNeighbors"]
        let n13 = vrfs + ["default", "172.30.128.13"]
        let heartbeat = base.setting(["status", "lastHeartbeat"], "2030-01-01T00:00:15Z")
            .setting(["metadata", "resourceVersion"], "401")
        return [
            ("equal", base),
            ("heartbeat", heartbeat),
            ("counters", heartbeat.setting(n13 + ["estabTrans"], 2).setting(n13 + ["messages"], ["keepalive": ["sent": 11]])),
            ("prefixes moved", heartbeat.setting(n13 + ["prefixes", "IPV4_UNICAST", "rec"], 8)),
            ("prefixes to zero", heartbeat.setting(n13 + ["prefixes"], ["IPV4_UNICAST": ["rec": 0]])),
            ("prefixes other counters", heartbeat.setting(n13 + ["prefixes", "IPV4_UNICAST", "sent"], 9)),
            ("a family added", heartbeat.setting(n13 + ["prefixes", "A_FIRST"], ["rec": 1])),
            ("a family null", heartbeat.setting(n13 + ["prefixes", "IPV4_UNICAST"], .null)),
            ("rec null", heartbeat.setting(n13 + ["prefixes", "IPV4_UNICAST", "rec"], .null)),
            ("rec negative", heartbeat.setting(n13 + ["prefixes", "IPV4_UNICAST", "rec"], -1)),
            ("prefixes null", heartbeat.setting(n13 + ["prefixes"], .null)),
            ("prefixes gone", heartbeat.setting(n13 + ["prefixes"], nil)),
            ("state changed", heartbeat.setting(n13 + ["state"], "idle")),
            ("state unknown", heartbeat.setting(n13 + ["state"], "estab")),
            ("session state null", heartbeat.setting(n13 + ["state"], .null)),
            ("state not a string", heartbeat.setting(n13 + ["state"], 3)),
            ("router id changed", heartbeat.setting(n13 + ["remoteRouterID"], "172.30.8.9")),
            ("router id with a prefix length", heartbeat.setting(n13 + ["remoteRouterID"], "172.30.8.0/32")),
            ("router id spaced", heartbeat.setting(n13 + ["remoteRouterID"], " 172.30.8.0")),
            ("router id null", heartbeat.setting(n13 + ["remoteRouterID"], .null)),
            ("router id empty", heartbeat.setting(n13 + ["remoteRouterID"], "")),
            ("router id gone", heartbeat.setting(n13 + ["remoteRouterID"], nil)),
            ("router id one byte longer", heartbeat.setting(n13 + ["remoteRouterID"], "172.30.8.00")),
            ("router id with a trailing slash", heartbeat.setting(n13 + ["remoteRouterID"], "172.30.8.0/")),
            ("router id not ASCII", heartbeat.setting(n13 + ["remoteRouterID"], "172.30.8.0\u{e9}")),
            ("router id escaped", heartbeat.setting(n13 + ["remoteRouterID"], "172.30.8.0\"")),
            ("router id not a string", heartbeat.setting(n13 + ["remoteRouterID"], 1)),
            ("enabled not a bool", heartbeat.setting(n13 + ["enabled"], "true")),
            // The metadata, which a switch Agent's view reads without keeping its uid.
            ("uid", heartbeat.setting(["metadata", "uid"], "0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5c")),
            ("uid not a UUID", heartbeat.setting(["metadata", "uid"], "0F3C2A9E-5b1d-4e7a-9c2b-8d4e6f1a3b5c")),
            ("uid null", heartbeat.setting(["metadata", "uid"], .null)),
            ("uid escaped", heartbeat.setting(["metadata", "uid"], "0f3c2a9e\"5b1d")),
            ("uid not a string", heartbeat.setting(["metadata", "uid"], 7)),
            ("managed fields", heartbeat.setting(["metadata", "managedFields"], [
                ["manager": "a", "time": "2030-01-01T00:00:01Z", "fieldsV1": ["f:spec": [:]]],
                ["manager": "b", "time": "2030-01-01T00:00:09Z", "fieldsV1": ["f:spec": [:], "f:status": [:]], "subresource": "status"],
                ["manager": "c", "time": "2030-01-01T00:00:05Z", "fieldsV1": ["f:spec": ["f:x": [:]]], "subresource": ""],
                ["manager": "d", "time": "2030-01-01T00:00:07Z", "fieldsV1": ["f:spec": [:]], "subresource": .null],
            ])),
            ("managed fields, a subresource not a string", heartbeat.setting(["metadata", "managedFields"], [
                ["manager": "a", "time": "2030-01-01T00:00:01Z", "fieldsV1": ["f:spec": [:]], "subresource": 1],
            ])),
            ("managed fields, a bad time", heartbeat.setting(["metadata", "managedFields"], [
                ["manager": "a", "time": "2030-01-01T00:00:61Z", "fieldsV1": ["f:spec": [:]], "subresource": ""],
            ])),
            ("managed fields, a bad time under a subresource", heartbeat.setting(["metadata", "managedFields"], [
                ["manager": "a", "time": "yesterday", "fieldsV1": ["f:spec": [:]], "subresource": "status"],
            ])),
            ("creation time", heartbeat.setting(["metadata", "creationTimestamp"], "2029-12-31T23:59:59Z")),
            ("creation time not a time", heartbeat.setting(["metadata", "creationTimestamp"], "2029-12-31T23:59:5Z")),
            ("disabled", heartbeat.setting(n13 + ["enabled"], false)),
            ("enabled gone", heartbeat.setting(n13 + ["enabled"], nil)),
            ("an unknown key", heartbeat.setting(n13 + ["newField"], ["x": [1, 2]])),
            ("a session added first", heartbeat.setting(vrfs + ["default", "172.30.128.1"], ["state": "idle"])),
            ("a session added last", heartbeat.setting(vrfs + ["default", "172.30.128.99"], ["state": "idle"])),
            ("a session removed", heartbeat.setting(n13, nil)),
            ("a session null", heartbeat.setting(n13, .null)),
            ("a session empty", heartbeat.setting(n13, [:])),
            ("a VRF added empty", heartbeat.setting(vrfs + ["vrf-c"], [:])),
            ("a VRF added null", heartbeat.setting(vrfs + ["a-vrf"], .null)),
            ("a VRF added", heartbeat.setting(vrfs + ["vrf-z", "10.9.9.9"], ["state": "established", "remoteRouterID": "172.30.8.0"])),
            ("a VRF renamed", heartbeat.setting(vrfs + ["default"], nil).setting(vrfs + ["main"], base[path: "status", "state", "bgpNeighbors", "default"] ?? .null)),
            ("VRFs null", heartbeat.setting(vrfs, .null)),
            ("VRFs empty", heartbeat.setting(vrfs, [:])),
            ("VRFs not an object", heartbeat.setting(vrfs, "x")),
            ("state gone", heartbeat.setting(state, nil)),
            ("state null", heartbeat.setting(state, .null)),
            ("state empty", heartbeat.setting(state, [:])),
            ("status gone", heartbeat.setting(["status"], nil)),
            ("status null", heartbeat.setting(["status"], .null)),
            ("heartbeat null", heartbeat.setting(["status", "lastHeartbeat"], .null)),
            ("another leaf", heartbeat.setting(["metadata", "name"], "leaf-2")),
        ]
    }

    /// Every variant, written compact, spaced and with its keys in descending order (which also
    /// puts the address families out of order), read beside every cache.
    @Test func everyVariantIsReadAsWithoutTheCachedView() throws {
        var answered = 0
        var missed = 0
        for base in [Self.rich, Fx.leaf(), ViewScanningTests.fabricLeaf] {
            let caches = try Self.caches(base)
            for (name, variant) in Self.variants(of: base) {
                for writer in [Writer(), Writer(spaced: true), Writer(descending: true)] {
                    let text = Self.text(variant, writer)
                    for cached in caches {
                        if Self.check(text, cached: cached, name) == nil { missed += 1 } else { answered += 1 }
                    }
                }
            }
        }
        #expect(answered > 2_000 && missed > 100, "\(answered) answered, \(missed) missed")
    }

    /// Every node of the status replaced, removed or repeated in turn, beside the view of the
    /// unchanged object (read from bytes and from the tree).
    @Test func everyMutatedStatusIsReadAsWithoutTheCachedView() throws {
        let replacements: [JSONValue?] = [nil, .null, "text", "2026-01-01T00:00:00Z", "established", "", "172.30.8.0", 0, -1, 7,
                                          1.5, true, [:], [], ["rec": 1], ["IPV4_UNICAST": ["rec": 2]]]
        let cached = try #require(Self.read(Self.text(Self.rich), cached: nil))
        let caches = [cached, SwitchAgentView(json: Self.rich)]
        for path in ViewScanningTests.paths(Self.rich) where path.first == "status" {
            for replacement in replacements {
                for c in caches { Self.check(Self.text(Self.rich.setting(path, replacement)), cached: c, "\(path)") }
            }
            // The first member of this node written twice: with another value, and with its own.
            let node = Array(path.dropLast())
            let members = node.reduce(Optional(Self.rich)) { value, key in value?.objectValue?[key] }?.objectValue ?? [:]
            let first = members.keys.sorted().first.flatMap { members[$0] } ?? .null
            for duplicate in [JSONValue.string("dup"), first] {
                let text = Self.text(Self.rich, Writer(duplicateAt: node, duplicateValue: duplicate))
                for c in caches { Self.check(text, cached: c, "duplicate at \(node)") }
            }
        }
    }

    /// Written by hand: keys the cached view's order would accept one at a time but the reader
    /// without a cached view refuses or orders otherwise — a VRF written twice with its sessions
    /// split between the two, an address twice, a family twice, unsorted VRFs, addresses and
    /// families.
    @Test func repeatedAndUnsortedKeysAreNotTakenFromTheCachedView() throws {
        func leaf(_ vrfs: String) -> String {
            #"{"metadata":{"name":"leaf-1","namespace":"default","resourceVersion":"7"},"#
                + #""status":{"lastHeartbeat":"2026-04-17T17:25:25Z","state":{"bgpNeighbors":{\#(vrfs)}}}}"#
        }
        let a = #""10.0.0.1":{"state":"established","remoteRouterID":"172.30.8.1","prefixes":{"A":{"rec":1},"B":{"rec":2}}}"#
        let b = #""10.0.0.2":{"state":"idle"}"#
        let c = #""10.0.0.3":{"state":"active","remoteRouterID":"172.30.8.3"}"#
        let base = leaf(#""v1":{\#(a),\#(b)},"v2":{\#(c)}"#)
        let cached = try #require(Self.read(base, cached: nil))
        #expect(cached.sessions.count == 3 && cached.sessions[0].receivedPrefixes == 3)
        let splitVRF = leaf(#""v1":{\#(a)},"v1":{\#(b)},"v2":{\#(c)}"#)
        let repeatedAddress = leaf(#""v1":{\#(a),\#(a),\#(b)},"v2":{\#(c)}"#)
        let repeatedFamily = leaf(#""v1":{\#(a.replacingOccurrences(of: #""B":{"rec":2}"#, with: #""B":{"rec":2},"A":{"rec":1}"#)),\#(b)},"v2":{\#(c)}"#)
        let repeatedFamilyInOrder = leaf(#""v1":{\#(a.replacingOccurrences(of: #""B":{"rec":2}"#, with: #""B":{"rec":2},"B":{"rec":2}"#)),\#(b)},"v2":{\#(c)}"#)
        for text in [splitVRF, repeatedAddress, repeatedFamily, repeatedFamilyInOrder] {
            #expect(Self.check(text, cached: cached) == nil, "\(text)")
        }
        let unsorted = leaf(#""v2":{\#(c)},"v1":{\#(b),\#(a.replacingOccurrences(of: #""A":{"rec":1},"B":{"rec":2}"#, with: #""B":{"rec":2},"A":{"rec":1}"#))}"#)
        let view = try #require(Self.check(unsorted, cached: cached))
        #expect(view == cached)
        // A cached view out of order (none of the readers makes one) is not trusted either.
        var reversed = cached
        reversed.sessions.reverse()
        #expect(Self.check(base, cached: reversed) == cached)
        #expect(Self.check(unsorted, cached: reversed) == cached)
    }

    /// On a heartbeat the unchanged sessions are the cached view's own array (what lets the
    /// fleet index tell an unchanged leaf by a pointer); changed ones are a new array.
    @Test func unchangedSessionsShareTheCachedViewsStorage() throws {
        func shared<T>(_ a: [T], _ b: [T]) -> Bool {
            a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
        }
        let cached = try #require(Self.read(Self.text(Self.rich), cached: nil))
        let variants = Dictionary(uniqueKeysWithValues: Self.variants(of: Self.rich))
        for name in ["heartbeat", "counters", "prefixes other counters"] {
            let next = try #require(Self.check(Self.text(variants[name]!), cached: cached), "\(name)")
            #expect(shared(next.sessions, cached.sessions), "\(name)")
        }
        // A router ID whose bytes are the cached one's is the cached string.
        let next = try #require(Self.check(Self.text(variants["heartbeat"]!), cached: cached))
        #expect(next.sessions[0].remoteRouterID == "172.30.8.0")
        for name in ["prefixes moved", "state changed", "router id changed", "a session added last"] {
            let changed = try #require(Self.check(Self.text(variants[name]!), cached: cached), "\(name)")
            #expect(!shared(changed.sessions, cached.sessions) && changed.sessions != cached.sessions, "\(name)")
        }
        // Beside a view read from the tree the same: its array is taken.
        let tree = SwitchAgentView(json: Self.rich)
        let beside = try #require(Self.check(Self.text(variants["heartbeat"]!), cached: tree))
        #expect(shared(beside.sessions, tree.sessions))
    }
}
