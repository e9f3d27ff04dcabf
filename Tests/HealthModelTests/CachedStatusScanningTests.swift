import Foundation
import KubeAPI
import Testing
@testable import HealthModel
import ViewScanning

/// The GatewayAgent watch's reader beside the cached view (`watchReader(previous:)`) compares the
/// status's bytes with the cached view's values and takes those that are equal. Whatever the
/// cached view and whatever the bytes, it must give exactly the view the reader gives without a
/// cached view (the same fields, the same spec digest, a miss where that one misses), which is
/// the tree reader's view where it answers.
@Suite("Views from bytes beside the cached view")
struct CachedStatusScanningTests {
    typealias Writer = ViewScanningTests.Writer

    /// A gateway with two VRFs (several neighbours each), VPC and peering counters, peerings in
    /// the spec: what a heartbeat rewrites and what it leaves alone.
    static let rich: JSONValue = Fx.agent(
        vpcs: ["vpc-01": Fx.counters(3555, 0), "vpc-02": Fx.counters(12, 1), "vpc-longer-than-sixteen-bytes": Fx.counters(7, 0)],
        peerings: ["vpc-01->vpc-02": Fx.counters(3555, 0), "vpc-02->vpc-01": Fx.counters(2711, 0)],
        specPeerings: ["a--b": Fx.peering(nat: "masquerade", idleTimeout: "2m")]
    )
    .setting(["status", "state", "bgp", "vrfs"], [
        "default": ["neighbors": ["172.30.128.12": Fx.neighbor(received: 6, sent: 1), "172.30.128.14": Fx.neighbor("active"),
                                  "172.30.128.26": Fx.neighbor(routerID: "172.30.255.254-long-id")]],
        "vrf-b": ["neighbors": ["10.0.0.1": Fx.neighbor("idle", enabled: false), "10.0.0.2": Fx.neighbor(received: 0, sent: 0)],
                  "extra": "ignored"],
    ])

    static func text(_ object: JSONValue, _ writer: Writer = Writer()) -> String { writer.render(object) }

    /// The view the watch's reader gives for `text` beside `cached` (nil: left to the tree).
    static func read(_ text: String, cached: GatewayAgentView?) -> GatewayAgentView? {
        let reader = GatewayAgentView.watchReader(previous: { _, _ in cached })
        let line = ViewScanningTests.bytes(#"{"type":"MODIFIED","object":"# + text + "}")
        return WatchEvent.Unparsed.scan(line: line, reader: reader)?.1.view as? GatewayAgentView
    }

    /// Read beside `cached` as without it; and as the tree reads it where it answers.
    @discardableResult
    static func check(_ text: String, cached: GatewayAgentView, _ comment: String = "") -> GatewayAgentView? {
        let alone = read(text, cached: nil)
        let beside = read(text, cached: cached)
        #expect(beside == alone, "\(comment): \(text)")
        #expect(beside?.specDigest == alone?.specDigest && beside?.specLength == alone?.specLength, "\(comment): \(text)")
        if let beside, let tree = try? JSONValue.parse(Array(text.utf8)) {
            #expect(beside == GatewayAgentView(json: tree), "\(comment): \(text)")
        }
        return beside
    }

    /// The caches a heartbeat may meet: the view read from bytes of the same object (with its
    /// digest), of another object, or from the tree (no digest).
    static func caches(_ base: JSONValue) throws -> [GatewayAgentView] {
        var out: [GatewayAgentView] = []
        for object in [base, Self.rich, Fx.agent(), Fx.initAgent(), ViewScanningTests.fabricAgent] {
            out.append(try #require(read(text(object), cached: nil)))
        }
        out.append(GatewayAgentView(json: base))
        return out
    }

    /// A heartbeat's and a change's variants of `base`.
    static func variants(of base: JSONValue) -> [(String, JSONValue)] {
        let state = ["status", "state"]
        let vrfs = state + ["bgp", "vrfs"]
        let n12 = vrfs + ["default", "neighbors", "172.30.128.12"]
        let n14 = vrfs + ["default", "neighbors", "172.30.128.14"]
        let heartbeat = base.setting(["status", "lastHeartbeat"], "2030-01-01T00:00:15Z")
            .setting(state + ["lastCollectedTime"], "2030-01-01T00:00:14Z")
            .setting(["metadata", "resourceVersion"], "201")
        return [
            ("equal", base),
            ("heartbeat", heartbeat),
            ("keepalives", heartbeat.setting(n12 + ["messages"], ["keepalive": ["sent": 1001, "received": 999]])),
            ("a counter moved", heartbeat.setting(state + ["vpcs", "vpc-01", "p"], 4000)),
            ("a drop counted", heartbeat.setting(state + ["peerings", "vpc-02->vpc-01", "d"], 3)),
            ("a count null", heartbeat.setting(state + ["vpcs", "vpc-01", "p"], .null)),
            ("a count absent", heartbeat.setting(state + ["vpcs", "vpc-01", "d"], nil)),
            ("a counter added", heartbeat.setting(state + ["vpcs", "vpc-00"], Fx.counters(1, 0))),
            ("a counter added last", heartbeat.setting(state + ["peerings", "vpc-09->vpc-01"], Fx.counters(1, 0))),
            ("a counter removed", heartbeat.setting(state + ["vpcs", "vpc-01"], nil)),
            ("counters renamed", heartbeat.setting(state + ["vpcs"], ["vpc-1": Fx.counters(3555, 0)])),
            ("counters null", heartbeat.setting(state + ["vpcs"], .null)),
            ("counters empty", heartbeat.setting(state + ["peerings"], [:])),
            ("counters gone", heartbeat.setting(state + ["vpcs"], nil).setting(state + ["peerings"], nil)),
            ("counter not an object", heartbeat.setting(state + ["vpcs", "vpc-01"], 5)),
            ("a negative count", heartbeat.setting(state + ["vpcs", "vpc-01", "p"], -1)),
            ("a fractional count", heartbeat.setting(state + ["vpcs", "vpc-01", "p"], 1.5)),
            ("state changed", heartbeat.setting(n12 + ["sessionState"], "idle")),
            ("state unknown", heartbeat.setting(n12 + ["sessionState"], "bogus")),
            ("session state null", heartbeat.setting(n12 + ["sessionState"], .null)),
            ("state not a string", heartbeat.setting(n12 + ["sessionState"], 3)),
            ("router id changed", heartbeat.setting(n12 + ["remoteRouterID"], "172.30.1.9")),
            ("router id null", heartbeat.setting(n12 + ["remoteRouterID"], .null)),
            ("disabled", heartbeat.setting(n12 + ["enabled"], false)),
            ("peer AS", heartbeat.setting(n12 + ["peerAS"], 65200)),
            ("transitions", heartbeat.setting(n12 + ["establishedTransitions"], 2)),
            ("dropped", heartbeat.setting(n12 + ["connectionsDropped"], 1)),
            ("prefixes", heartbeat.setting(n12 + ["ipv4UnicastPrefixes", "received"], 7)),
            ("prefixes gone", heartbeat.setting(n12 + ["ipv4UnicastPrefixes"], nil)),
            ("an unknown key", heartbeat.setting(n12 + ["newField"], ["x": [1, 2]])),
            ("a neighbour added first", heartbeat.setting(vrfs + ["default", "neighbors", "172.30.128.1"], Fx.neighbor())),
            ("a neighbour added last", heartbeat.setting(vrfs + ["default", "neighbors", "172.30.128.99"], Fx.neighbor())),
            ("a neighbour removed", heartbeat.setting(n14, nil)),
            ("a neighbour renamed", heartbeat.setting(n14, nil).setting(vrfs + ["default", "neighbors", "172.30.128.15"], Fx.neighbor("active"))),
            ("a neighbour null", heartbeat.setting(n14, .null)),
            ("neighbours null", heartbeat.setting(vrfs + ["default", "neighbors"], .null)),
            ("neighbours empty", heartbeat.setting(vrfs + ["default", "neighbors"], [:])),
            ("neighbours gone", heartbeat.setting(vrfs + ["default", "neighbors"], nil)),
            ("a VRF added empty", heartbeat.setting(vrfs + ["vrf-c"], ["neighbors": [:]])),
            ("a VRF added null", heartbeat.setting(vrfs + ["a-vrf"], .null)),
            ("a VRF renamed", heartbeat.setting(vrfs + ["default"], nil).setting(vrfs + ["main"], base[path: "status", "state", "bgp", "vrfs", "default"] ?? .null)),
            ("VRFs null", heartbeat.setting(vrfs, .null)),
            ("bgp null", heartbeat.setting(state + ["bgp"], .null)),
            ("bgp empty", heartbeat.setting(state + ["bgp"], [:])),
            ("bgp not an object", heartbeat.setting(state + ["bgp"], "x")),
            ("agent version", heartbeat.setting(["status", "agentVersion"], "v1.3.0")),
            ("agent version null", heartbeat.setting(["status", "agentVersion"], .null)),
            ("state gone", heartbeat.setting(state, nil)),
            ("state null", heartbeat.setting(state, .null)),
            ("status gone", heartbeat.setting(["status"], nil)),
            ("status null", heartbeat.setting(["status"], .null)),
            ("an init status", Fx.initAgent()),
            ("spec changed", heartbeat.setting(["spec", "gateway", "protocolIP"], "172.30.8.9/32")),
            ("spec null", heartbeat.setting(["spec"], .null)),
            ("spec gone", heartbeat.setting(["spec"], nil)),
            ("spec empty", heartbeat.setting(["spec"], [:])),
            ("another gateway", heartbeat.setting(["metadata", "name"], "gw-2")),
            // The metadata: the uid kept in its parsed form (or as text when not a lowercase
            // UUID), the last spec change from managedFields, the creation time.
            ("uid", heartbeat.setting(["metadata", "uid"], "0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5c")),
            ("uid one byte off", heartbeat.setting(["metadata", "uid"], "0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5d")),
            ("uid uppercase", heartbeat.setting(["metadata", "uid"], "0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5C")),
            ("uid a dash moved", heartbeat.setting(["metadata", "uid"], "0f3c2a9e5-b1d-4e7a-9c2b-8d4e6f1a3b5c")),
            ("uid null", heartbeat.setting(["metadata", "uid"], .null)),
            ("uid escaped", heartbeat.setting(["metadata", "uid"], "0f3c2a9e\"5b1d")),
            ("uid not a string", heartbeat.setting(["metadata", "uid"], 7)),
            ("managed fields", heartbeat.setting(["metadata", "managedFields"], [
                ["manager": "a", "time": "2030-01-01T00:00:01Z", "fieldsV1": ["f:spec": [:]]],
                ["manager": "b", "time": "2030-01-01T00:00:09Z", "fieldsV1": ["f:spec": [:], "f:status": [:]], "subresource": "status"],
                ["manager": "c", "time": "2030-01-01T00:00:05Z", "fieldsV1": ["f:spec": ["f:x": [:]]], "subresource": ""],
                ["manager": "d", "time": "2030-01-01T00:00:07.5+00:00", "fieldsV1": ["f:spec": [:]], "subresource": .null],
            ])),
            ("managed fields, a subresource not a string", heartbeat.setting(["metadata", "managedFields"], [
                ["manager": "a", "time": "2030-01-01T00:00:01Z", "fieldsV1": ["f:spec": [:]], "subresource": 1],
            ])),
            ("managed fields, a bad time", heartbeat.setting(["metadata", "managedFields"], [
                ["manager": "a", "time": "2030-01-01T00:00:61Z", "fieldsV1": ["f:spec": [:]], "subresource": ""],
            ])),
            ("creation time", heartbeat.setting(["metadata", "creationTimestamp"], "2029-12-31T23:59:59Z")),
            ("creation time not a time", heartbeat.setting(["metadata", "creationTimestamp"], "2029-12-31T23:59:5Z")),
        ]
    }

    /// Every variant, written compact, spaced and with its keys in descending order, read beside
    /// every cache.
    @Test func everyVariantIsReadAsWithoutTheCachedView() throws {
        var answered = 0
        var missed = 0
        for base in [Self.rich, Fx.agent(), ViewScanningTests.fabricAgent] {
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
        #expect(answered > 1_000 && missed > 50, "\(answered) answered, \(missed) missed")
    }

    /// Every node of the status replaced, removed or repeated in turn, beside the view of the
    /// unchanged object (read from bytes and from the tree).
    @Test func everyMutatedStatusIsReadAsWithoutTheCachedView() throws {
        let replacements: [JSONValue?] = [nil, .null, "text", "2026-01-01T00:00:00Z", "established", "", 0, -1, 7, 1.5,
                                          true, [:], [], ["p": 1, "d": 2], ["neighbors": [:]]]
        let cached = try #require(Self.read(Self.text(Self.rich), cached: nil))
        let caches = [cached, GatewayAgentView(json: Self.rich)]
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
    /// without a cached view refuses or orders otherwise — a VRF written twice with its
    /// neighbours split between the two, an address twice, a counter twice, an unsorted VRF.
    @Test func repeatedAndUnsortedKeysAreNotTakenFromTheCachedView() throws {
        func agent(_ vrfs: String, vpcs: String = #""vpc-01":{"p":1,"d":0},"vpc-02":{"p":2,"d":0}"#) -> String {
            #"{"metadata":{"name":"gw-1","namespace":"default","resourceVersion":"7"},"spec":{"gateway":{"protocolIP":"172.30.8.0/32"}},"#
                + #""status":{"lastHeartbeat":"2026-04-17T17:25:25Z","state":{"bgp":{"vrfs":{\#(vrfs)}},"vpcs":{\#(vpcs)}}}}"#
        }
        let a = #""10.0.0.1":{"sessionState":"established"}"#
        let b = #""10.0.0.2":{"sessionState":"idle"}"#
        let c = #""10.0.0.3":{"sessionState":"active"}"#
        let base = agent(#""v1":{"neighbors":{\#(a),\#(b)}},"v2":{"neighbors":{\#(c)}}"#)
        let cached = try #require(Self.read(base, cached: nil))
        #expect(cached.bgpNeighbors.value?.count == 3)
        let splitVRF = agent(#""v1":{"neighbors":{\#(a)}},"v1":{"neighbors":{\#(b)}},"v2":{"neighbors":{\#(c)}}"#)
        let repeatedAddress = agent(#""v1":{"neighbors":{\#(a),\#(a),\#(b)}},"v2":{"neighbors":{\#(c)}}"#)
        let repeatedCounter = agent(#""v1":{"neighbors":{\#(a),\#(b)}},"v2":{"neighbors":{\#(c)}}"#,
                                    vpcs: #""vpc-01":{"p":1,"d":0},"vpc-01":{"p":1,"d":0},"vpc-02":{"p":2,"d":0}"#)
        let repeatedNeighbors = agent(#""v1":{"neighbors":{\#(a),\#(b)},"neighbors":{\#(a),\#(b)}},"v2":{"neighbors":{\#(c)}}"#)
        for text in [splitVRF, repeatedAddress, repeatedCounter, repeatedNeighbors] {
            #expect(Self.check(text, cached: cached) == nil, "\(text)")
        }
        let unsorted = agent(#""v2":{"neighbors":{\#(c)}},"v1":{"neighbors":{\#(b),\#(a)}}"#, vpcs: #""vpc-02":{"p":2,"d":0},"vpc-01":{"p":1,"d":0}"#)
        let view = try #require(Self.check(unsorted, cached: cached))
        #expect(view == cached)
        // A cached view out of order (none of the readers makes one) is not trusted either.
        var fields = cached.fields
        fields.bgpNeighbors = .value(Array(cached.bgpNeighbors.value!.reversed()))
        fields.counters.reverse()
        Self.check(base, cached: GatewayAgentView(fields))
        Self.check(unsorted, cached: GatewayAgentView(fields))
    }

    /// A neighbour is compared with the cached one field by field in place (no neighbour
    /// built): for each field it reads, every pair of values — absent, null, equal, different,
    /// refused — of the cached view's neighbour and the next heartbeat's reads as without the
    /// cached view, and as the tree reads it.
    @Test func everyNeighbourFieldIsComparedInPlace() throws {
        let n12 = ["status", "state", "bgp", "vrfs", "default", "neighbors", "172.30.128.12"]
        let options: [(String, [JSONValue?])] = [
            ("sessionState", [nil, .null, "established", "idle", "bogus", 3]),
            ("enabled", [nil, .null, true, false, "true"]),
            ("remoteRouterID", [nil, .null, "172.30.1.1", "172.30.1.2", "", 7]),
            ("peerAS", [nil, .null, 65100, 65200, -1, 1.5]),
            ("establishedTransitions", [nil, .null, 0, 1, -1]),
            ("connectionsDropped", [nil, .null, 0, 1, -1, "1"]),
            ("ipv4UnicastPrefixes", [nil, .null, ["received": 6, "sent": 1], ["received": 6], ["sent": 1], ["received": 7, "sent": 1],
                                     ["received": 6, "sent": 0], [:], ["received": .null, "sent": 1], ["received": 6, "sent": 1, "receivedPrePolicy": 9],
                                     ["received": -1], 5]),
        ]
        var answered = 0
        for (field, values) in options {
            for was in values {
                let before = Self.rich.setting(n12 + [field], was)
                var caches = [GatewayAgentView(json: before)]
                if let read = Self.read(Self.text(before), cached: nil) { caches.append(read) }
                for now in values {
                    let next = before.setting(["status", "lastHeartbeat"], "2030-01-01T00:00:15Z").setting(n12 + [field], now)
                    for writer in [Writer(), Writer(descending: true)] {
                        for cached in caches where Self.check(Self.text(next, writer), cached: cached, "\(field): \(String(describing: was)) then \(String(describing: now))") != nil {
                            answered += 1
                        }
                    }
                }
            }
        }
        #expect(answered > 300, "\(answered) answered")
    }

    /// On a heartbeat the unchanged parts are the cached view's own arrays (what makes comparing
    /// the two views cheap afterwards); a changed part is a new one.
    @Test func unchangedPartsShareTheCachedViewsStorage() throws {
        func shared<T>(_ a: [T], _ b: [T]) -> Bool {
            a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
        }
        let cached = try #require(Self.read(Self.text(Self.rich), cached: nil))
        let variants = Dictionary(uniqueKeysWithValues: Self.variants(of: Self.rich))
        let next = try #require(Self.check(Self.text(variants["keepalives"]!), cached: cached))
        #expect(next.lastHeartbeat != cached.lastHeartbeat)
        #expect(shared(next.bgpNeighbors.value!, cached.bgpNeighbors.value!))
        #expect(shared(next.counters, cached.counters))
        #expect(shared(next.peerings, cached.peerings))
        let moved = try #require(Self.check(Self.text(variants["a counter moved"]!), cached: cached))
        #expect(shared(moved.bgpNeighbors.value!, cached.bgpNeighbors.value!))
        #expect(!shared(moved.counters, cached.counters) && moved.counters != cached.counters)
        let idle = try #require(Self.check(Self.text(variants["state changed"]!), cached: cached))
        #expect(!shared(idle.bgpNeighbors.value!, cached.bgpNeighbors.value!) && idle.bgpNeighbors != cached.bgpNeighbors)
        #expect(shared(idle.counters, cached.counters))
    }
}
