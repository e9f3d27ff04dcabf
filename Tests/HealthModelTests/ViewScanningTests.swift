import Foundation
import KubeAPI
import Testing
@testable import HealthModel
import ViewScanning

/// The views read straight from bytes (the watch's fast path) equal the views read from the
/// parsed tree whenever they answer, and they answer for the plain objects the fabric writes.
@Suite("Views from bytes")
struct ViewScanningTests {
    /// Writes JSON the way a server might: compact or spaced, `/` escaped or not, and with a
    /// repeated member where asked.
    struct Writer {
        var spaced = false
        var escapeSlash = false
        /// Repeat the first member of the object at this path (with `duplicateValue`).
        var duplicateAt: [String]?
        var duplicateValue: JSONValue = .null
        /// Members in descending key order (the API server writes them ascending).
        var descending = false

        func render(_ value: JSONValue, at path: [String] = []) -> String {
            let gap = spaced ? " " : ""
            switch value {
            case .object(let members):
                var parts = members.keys.sorted(by: descending ? (>) : (<)).map { "\(string($0)):\(gap)\(render(members[$0]!, at: path + [$0]))" }
                if path == duplicateAt, let first = members.keys.sorted().first {
                    parts.append("\(string(first)):\(gap)\(render(duplicateValue))")
                }
                return "{\(gap)" + parts.joined(separator: ",\(spaced ? "\n  " : "")") + "\(gap)}"
            case .array(let items):
                return "[" + items.enumerated().map { render($1, at: path + [String($0)]) }.joined(separator: ",\(gap)") + "]"
            case .string(let text): return string(text)
            default: return value.jsonString
            }
        }

        func string(_ text: String) -> String {
            let plain = JSONValue.string(text).jsonString
            return escapeSlash ? plain.replacingOccurrences(of: "/", with: "\\/") : plain
        }
    }

    static let agents: [JSONValue] = [
        Fx.agent().setting(["spec", "agentVersion"], "v1.2.0"), Fx.agent(specChanged: -60), Fx.initAgent(), Fx.initAgent(omitZero: true),
        Fx.agent(heartbeat: nil, appliedGen: nil, appliedTime: nil, frrGen: nil, neighbors: nil, vpcs: nil, peerings: nil),
        Fx.agent(neighbors: ["172.30.128.12": Fx.neighbor("active"), "172.30.128.14": Fx.neighbor(routerID: "172.30.1.2")]),
        fabricAgent,
    ]
    /// Issue 19's fields: spec.peerings with each NAT kind, and prefix counts on the sessions.
    static let fabricAgent = Fx.agent(
        neighbors: ["172.30.128.12": Fx.neighbor(received: 6, sent: 1), "172.30.128.26": Fx.neighbor(received: 0, sent: 0, state: "idle")],
        specPeerings: ["a--b": Fx.peering(nat: "masquerade", idleTimeout: "2m"), "c--d": Fx.peering(group: "", vpcs: ("vpc-c", "vpc-d"), nat: "portForward"),
                       "e--f": Fx.peering(vpcs: ("vpc-e", "vpc-f"), nat: "static"), "g--h": Fx.peering(vpcs: ("vpc-g", "vpc-h"))])
    static let fabricLeaf = Fx.leaf(sessions: [("172.30.128.13", "established", "172.30.8.0"), ("172.30.128.15", "idle", "172.30.8.2")],
                                    received: ["172.30.128.13": 7, "172.30.128.15": 0])
    static let leaves: [JSONValue] = [
        Fx.leaf(), Fx.leaf(sessions: []), Fx.leaf(sessions: [("172.30.128.13", "established", "172.30.8.0/32"), ("172.30.128.15", "idle", "172.30.8.2")]),
        fabricLeaf,
    ]

    /// `isDirection` reads ASCII keys as bytes; it answers exactly as comparing the names as
    /// strings does (canonical equivalence included: a Kelvin sign is a K), ASCII or not.
    @Test func isDirectionAgreesWithComparingTheNamesAsStrings() {
        func reference(_ peering: PeeringSpecView, _ key: String) -> Bool {
            guard let arrow = key.range(of: "->", options: .literal) else { return false }
            let from = key[..<arrow.lowerBound], to = key[arrow.upperBound...]
            return from != to && peering.vpcs.contains { $0 == from } && peering.vpcs.contains { $0 == to }
        }
        let peerings = [PeeringSpecView(name: "a", group: "", vpcs: ["vpc-01", "vpc-02"]),
                        PeeringSpecView(name: "b", group: "", vpcs: ["\u{212A}", "vpc-02"]),
                        PeeringSpecView(name: "c", group: "", vpcs: ["caf\u{E9}", "x"])]
        let keys = ["vpc-01->vpc-02", "vpc-02->vpc-01", "vpc-01->vpc-03", "vpc-01-->vpc-02", "K->vpc-02", "vpc-02->\u{212A}",
                    "cafe\u{301}->x", "caf\u{E9}->x", "x->cafe", "->", "-", "", "vpc-01->vpc-01", "vpc-01->vpc-02->vpc-01"]
        for peering in peerings {
            for key in keys { #expect(peering.isDirection(key) == reference(peering, key), "\(peering.vpcs) \(key)") }
        }
        #expect(peerings[1].isDirection("K->vpc-02") && peerings[2].isDirection("cafe\u{301}->x"))
    }

    @Test func issue19FieldsAreRead() throws {
        let agent = GatewayAgentView(json: Self.fabricAgent)
        #expect(agent.problems.isEmpty)
        #expect(agent.peerings.map(\.name) == ["a--b", "c--d", "e--f", "g--h"])
        #expect(agent.peerings.map(\.groupName) == ["gw-group-1", "default", "gw-group-1", "gw-group-1"])
        #expect(agent.peerings.map(\.nat) == ["masquerade", "portForward", "static", nil])
        #expect(agent.peerings.map(\.idleTimeout) == ["2m", nil, nil, nil])
        #expect(agent.peerings[0].vpcs == ["vpc-01", "vpc-02"])
        #expect(agent.peerings[0].isDirection("vpc-02->vpc-01") && !agent.peerings[0].isDirection("vpc-01->vpc-03"))
        for key in ["vpc-01-vpc-02", "vpc-01->", "->vpc-02", "vpc-01->vpc-01", "vpc-01-->vpc-02", "", "->", "vpc-01->vpc-02->vpc-01"] {
            #expect(!agent.peerings[0].isDirection(key), "\(key)")
        }
        #expect(agent.bgpNeighbors.value?.map(\.ipv4Prefixes) == [.value(PrefixCounts(received: 6, sent: 1)), .value(PrefixCounts(received: 0, sent: 0))])
        let leaf = SwitchAgentView(json: Self.fabricLeaf)
        #expect(leaf.sessions.map(\.receivedPrefixes) == [7, 0])
        #expect(SwitchAgentView(json: Fx.leaf()).sessions.map(\.receivedPrefixes) == [nil])
        // Both readers agree on them (the byte reader answers for these plain objects).
        let text = Writer().render(Self.fabricAgent)
        #expect(try #require(GatewayAgentView(bytes: Self.bytes(text))).peerings == agent.peerings)
    }

    static func bytes(_ text: String) -> ArraySlice<UInt8> { ArraySlice(Array(text.utf8)) }

    @Test func plainObjectsAreReadFromBytesAsFromTheTree() throws {
        for writer in [Writer(), Writer(spaced: true)] {
            for agent in Self.agents {
                let text = writer.render(agent)
                let fast = try #require(GatewayAgentView(bytes: Self.bytes(text)), "missed a plain GatewayAgent: \(text)")
                #expect(fast == GatewayAgentView(json: try JSONValue.parse(Array(text.utf8))))
            }
            for leaf in Self.leaves {
                let text = writer.render(leaf)
                let fast = try #require(SwitchAgentView(bytes: Self.bytes(text)), "missed a plain Agent: \(text)")
                #expect(fast == SwitchAgentView(json: try JSONValue.parse(Array(text.utf8))))
            }
        }
    }

    /// Every GatewayAgent and switch Agent of the corpus (each situation's, its earlier
    /// observations' and its group peers'), compact and spaced: wherever the byte reader answers
    /// it gives the tree reader's view, and where it misses the tree reader finds a problem.
    @Test func corpusObjectsAreReadAlikeFromBytesAndFromTheTree() throws {
        var agents: [JSONValue] = []
        var leaves: [JSONValue] = []
        for situation in StateCorpus.all + ConditionCorpus.all + MalformedCorpus.all {
            for snapshot in situation.earlier.map(\.snapshot) + [situation.snapshot] {
                agents += [snapshot.agent].compactMap { $0 } + snapshot.peers.compactMap(\.agent)
                leaves += snapshot.leaves + snapshot.peers.flatMap(\.leaves)
            }
        }
        var answered = 0
        var missed = 0
        for writer in [Writer(), Writer(spaced: true)] {
            for agent in agents {
                let text = writer.render(agent)
                let tree = GatewayAgentView(json: try JSONValue.parse(Array(text.utf8)))
                Self.checkWatchReaders(text)
                if let fast = GatewayAgentView(bytes: Self.bytes(text)) {
                    answered += 1
                    #expect(fast == tree, "\(text)")
                } else {
                    missed += 1
                    #expect(!tree.problems.isEmpty, "missed a GatewayAgent the tree reads without a problem: \(text)")
                }
            }
            for leaf in leaves {
                let text = writer.render(leaf)
                let tree = SwitchAgentView(json: try JSONValue.parse(Array(text.utf8)))
                if let fast = SwitchAgentView(bytes: Self.bytes(text)) {
                    answered += 1
                    #expect(fast == tree, "\(text)")
                } else {
                    missed += 1
                    #expect(!tree.problems.isEmpty, "missed an Agent the tree reads without a problem: \(text)")
                }
            }
        }
        #expect(answered > 100, "\(answered) read from bytes, \(missed) left to the tree")
        #expect(missed > 0, "the malformed corpus must make the byte reader miss")
    }

    /// Every node of every sample replaced, removed or repeated in turn, with values of every
    /// type: wherever the byte reader answers, it says what the tree reader says (so it missed
    /// every object with a problem); it must also answer for some of the variants and miss others.
    @Test func mutatedObjectsAreReadAlikeOrLeftToTheTree() throws {
        let replacements: [JSONValue?] = [nil, .null, "text", "2026-01-01T00:00:00Z", "10.0.0.1/24", "established", "",
                                          0, -1, 7, 1.5, 3.0, true, [:], [], ["p": 1, "d": 2], [["ip": "10.1.1.1"]]]
        var answered = 0
        var missed = 0
        func check(_ object: JSONValue, _ writer: Writer = Writer()) throws {
            let text = writer.render(object)
            let tree = try JSONValue.parse(Array(text.utf8))
            if let fast = GatewayAgentView(bytes: Self.bytes(text)) {
                answered += 1
                #expect(fast == GatewayAgentView(json: tree), "\(text)")
            } else {
                missed += 1
            }
            if let fast = SwitchAgentView(bytes: Self.bytes(text)) {
                #expect(fast == SwitchAgentView(json: tree), "\(text)")
            }
            Self.checkWatchReaders(text)
        }
        for sample in Self.agents.prefix(3) + Self.leaves.prefix(1) + [Self.fabricAgent, Self.fabricLeaf] {
            for path in Self.paths(sample) {
                for replacement in replacements { try check(sample.setting(path, replacement)) }
                try check(sample, Writer(escapeSlash: true, duplicateAt: Array(path.dropLast()), duplicateValue: "dup"))
            }
        }
        #expect(answered > 100)
        #expect(missed > 100)
    }

    /// The GatewayAgent watch's reader with the cached view (`watchReader(previous:)`): a spec
    /// whose bytes are those the cached view's spec was read from is taken from it, not read; a
    /// changed spec, or a cached view read from the tree (no digest), is read. Either way the
    /// view is the tree reader's.
    @Test func unchangedSpecIsTakenFromTheCachedView() throws {
        func read(_ object: JSONValue, cached: GatewayAgentView?) throws -> GatewayAgentView {
            let text = Writer().render(object)
            let reader = GatewayAgentView.watchReader(previous: { namespace, name in
                #expect(namespace == "default" && name == "gw-1")
                return cached
            })
            let line = Self.bytes(#"{"type":"MODIFIED","object":"# + text + "}")
            let view = try #require(WatchEvent.Unparsed.scan(line: line, reader: reader)?.1.view as? GatewayAgentView)
            #expect(view == GatewayAgentView(json: try JSONValue.parse(Array(text.utf8))))
            return view
        }
        /// The same array storage: taken from the cached view, not read again.
        func shared<T>(_ a: [T], _ b: [T]) -> Bool {
            a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
        }
        let first = try read(Self.fabricAgent, cached: nil)
        let heartbeat = Self.fabricAgent.setting(["status", "lastHeartbeat"], "2030-01-01T00:00:00Z")
            .setting(["metadata", "resourceVersion"], "201")
        let next = try read(heartbeat, cached: first)
        #expect(next.lastHeartbeat != first.lastHeartbeat)
        #expect(shared(next.peerings, first.peerings) && shared(next.expectedNeighbors, first.expectedNeighbors))
        let moved = heartbeat.setting(["spec", "gateway", "protocolIP"], "172.30.8.9/32")
        let changed = try read(moved, cached: next)
        #expect(changed.protocolIP == "172.30.8.9")
        #expect(!shared(changed.peerings, next.peerings) && !shared(changed.expectedNeighbors, next.expectedNeighbors))
        // Taken again from the view whose spec was read from these bytes (the digest is kept).
        #expect(shared(try read(moved, cached: changed).peerings, changed.peerings))
        let fromTree = GatewayAgentView(json: Self.fabricAgent)
        #expect(!shared(try read(heartbeat, cached: fromTree).peerings, fromTree.peerings))
        // How a view was read never makes it unequal to another.
        #expect(fromTree == first)
    }

    /// A spec whose bytes differ from the cached view's is read, validating, even where only
    /// its strings and brackets were followed to find its end: broken JSON in it is no view.
    @Test func aChangedSpecIsValidatedWithACachedView() throws {
        let cachedText = Writer().render(Self.fabricAgent)
        let reader = GatewayAgentView.watchReader(previous: { _, _ in nil })
        let cachedLine = Self.bytes(#"{"type":"MODIFIED","object":"# + cachedText + "}")
        let cached = try #require(WatchEvent.Unparsed.scan(line: cachedLine, reader: reader)?.1.view as? GatewayAgentView)
        let withCache = GatewayAgentView.watchReader(previous: { _, _ in cached })
        let marked = Writer().render(Self.fabricAgent.setting(["spec", "gateway", "protocolIP"], "MARK"))
        for broken in ["tru", "1.", "\"a\\q\"", "[1,]", "{\"a\"}"] {
            let text = marked.replacingOccurrences(of: "\"MARK\"", with: broken)
            #expect(text != marked)
            #expect((try? JSONValue.parse(Array(text.utf8))) == nil, "\(broken)")
            let line = Self.bytes(#"{"type":"MODIFIED","object":"# + text + "}")
            #expect(WatchEvent.Unparsed.scan(line: line, reader: withCache)?.1.view == nil, "\(broken)")
        }
    }

    /// A switch Agent's sessions are read into one array as they come: keys in any order (VRFs,
    /// addresses, address families; the API server writes them sorted, others may not) give the
    /// tree reader's view, in its order; a VRF, address or family written twice is left to the
    /// tree (which keeps the last one).
    @Test func leafSessionsInAnyOrderAreReadAsFromTheTree() throws {
        func session(_ state: String, _ id: String, families: String = #""L2VPN_EVPN":{"rec":2},"IPV4_UNICAST":{"rec":5,"sent":1}"#) -> String {
            #"{"localAS":65101,"state":"\#(state)","enabled":true,"remoteRouterID":"\#(id)","prefixes":{\#(families)}}"#
        }
        func leaf(_ neighbors: String) -> String {
            #"{"metadata":{"name":"leaf-1","namespace":"default"},"status":{"lastHeartbeat":"2026-04-17T17:25:25Z","state":{"bgpNeighbors":{\#(neighbors)}}}}"#
        }
        let unsorted = leaf(#""vrf-b":{"172.30.128.15":\#(session("idle", "0.0.0.0")),"172.30.128.13":\#(session("established", "172.30.8.0/32"))},"#
                            + #""default":{"172.30.128.9":\#(session("openConfirm", "172.30.8.4", families: ""))},"vrf-a":null,"#
                            + #""vrf-a2":{"10.0.0.1":\#(session("connect", "172.30.8.6", families: #""X":null,"Y":{"rec":null}"#))}"#)
        let fast = try #require(SwitchAgentView(bytes: Self.bytes(unsorted)))
        let tree = SwitchAgentView(json: try JSONValue.parse(Array(unsorted.utf8)))
        #expect(tree.problems.isEmpty)
        #expect(fast == tree)
        #expect(fast.sessions.map { "\($0.vrf)/\($0.neighbor)" } == ["default/172.30.128.9", "vrf-a2/10.0.0.1", "vrf-b/172.30.128.13", "vrf-b/172.30.128.15"])
        #expect(fast.sessions.map(\.receivedPrefixes) == [nil, nil, 7, 7])
        #expect(fast.sessions.map(\.state.value) == [.openConfirm, .connect, .established, .idle])
        for repeated in [
            leaf(#""default":{"172.30.128.9":\#(session("idle", "0.0.0.0"))},"vrf-b":{},"default":{"172.30.128.7":\#(session("idle", "0.0.0.0"))}"#),
            leaf(#""default":{"172.30.128.9":\#(session("idle", "0.0.0.0")),"172.30.128.1":{},"172.30.128.9":\#(session("active", "0.0.0.0"))}"#),
            leaf(#""default":{"172.30.128.9":\#(session("idle", "0.0.0.0", families: #""A":{"rec":1},"B":{"rec":1},"A":{"rec":4}"#))}"#),
        ] {
            #expect(SwitchAgentView(bytes: Self.bytes(repeated)) == nil, "\(repeated)")
        }
        let unknownState = leaf(#""default":{"172.30.128.9":\#(session("estab", "0.0.0.0"))}"#)
        #expect(SwitchAgentView(bytes: Self.bytes(unknownState)) == nil)
        #expect(!SwitchAgentView(json: try JSONValue.parse(Array(unknownState.utf8))).problems.isEmpty)
    }

    /// The watch's one-pass readers (`watchReader`): on a watch line carrying `object`, the
    /// decoder's scan with a reader finds what the scan alone finds (kind, identity, bytes), and
    /// carries a view exactly when both the scan alone and the byte reader answer: that view.
    static func checkWatchReaders(_ object: String) {
        let line = bytes(#"{"type":"MODIFIED","object":"# + object + "}")
        let alone = WatchEvent.Unparsed.scan(line: line)
        let agent = WatchEvent.Unparsed.scan(line: line, reader: GatewayAgentView.watchReader)
        let leaf = WatchEvent.Unparsed.scan(line: line, reader: SwitchAgentView.watchReader)
        for read in [agent, leaf] {
            #expect(read?.0 == alone?.0 && read?.1 == alone?.1, "\(object)")
            #expect(read?.1.namespace == alone?.1.namespace && read?.1.resourceVersion == alone?.1.resourceVersion)
        }
        let agentView = GatewayAgentView(bytes: bytes(object))
        #expect((agent?.1.view as? GatewayAgentView) == (alone == nil ? nil : agentView), "\(object)")
        let leafView = SwitchAgentView(bytes: bytes(object))
        #expect((leaf?.1.view as? SwitchAgentView) == (alone == nil ? nil : leafView), "\(object)")
    }

    /// Every path to a node in `value` (array elements by index).
    static func paths(_ value: JSONValue, _ prefix: [String] = []) -> [[String]] {
        switch value {
        case .object(let members):
            return members.keys.sorted().flatMap { [prefix + [$0]] + paths(members[$0]!, prefix + [$0]) }
        case .array(let items):
            return items.indices.flatMap { paths(items[$0], prefix + [String($0)]) }
        default:
            return []
        }
    }

    @Test func notJSONOrNotAnObjectIsLeftToTheTree() {
        for text in ["", "null", "[]", "{", "{\"metadata\":{\"name\":\"a\"}} x", "{\"metadata\":{\"name\":\"a\"},}",
                     "{\"metadata\":{\"name\":\"a\",\"generation\":01x}}"] {
            #expect(GatewayAgentView(bytes: Self.bytes(text)) == nil, "\(text)")
        }
    }
}
