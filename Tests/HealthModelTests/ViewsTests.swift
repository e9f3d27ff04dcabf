import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// §1 of docs/health-model.md: what is read from each object.
@Suite("Views §1")
struct ViewsTests {
    func parsed(_ r: (gateway: String, role: PodRole)?) -> String? { r.map { "\($0.gateway)/\($0.role.rawValue)" } }

    /// `Reading`'s `==` is written out (inlinable, so other modules specialise it): it must be
    /// the derived equality, equal exactly when the case and the value are.
    @Test func readingEqualityIsCaseAndValue() {
        let dates: [Reading<Date>] = [.absent, .invalid, .value(Date(timeIntervalSince1970: 0)), .value(Date(timeIntervalSince1970: 1))]
        let states: [Reading<LeafSessionState>] = [.absent, .invalid] + LeafSessionState.allCases.map { .value($0) }
        func same<T>(_ a: Reading<T>, _ b: Reading<T>) -> Bool {
            switch (a, b) {
            case (.absent, .absent), (.invalid, .invalid): return true
            case (.value(let x), .value(let y)): return x == y
            default: return false
            }
        }
        for a in dates { for b in dates { #expect((a == b) == same(a, b) && (a != b) == !same(a, b)) } }
        for a in states { for b in states { #expect((a == b) == same(a, b)) } }
        #expect(dates.filter { $0 == .value(Date(timeIntervalSince1970: 1)) }.count == 1)
    }

    @Test func daemonSetNames() {
        #expect(parsed(PodView.parseDaemonSetName("gw--gateway-1--dataplane")) == "gateway-1/dataplane")
        #expect(parsed(PodView.parseDaemonSetName("gw--edge--gw--frr")) == "edge--gw/frr")
        #expect(parsed(PodView.parseDaemonSetName("gw----frr")) == nil)
        #expect(parsed(PodView.parseDaemonSetName("fabric-proxy")) == nil)
        #expect(parsed(PodView.parsePodName("gw--gateway-1--frr-c9kwc")) == "gateway-1/frr")
    }

    @Test func podView() {
        let pod = PodView(json: Fx.pod("frr", containers: [.init(name: "frr", ready: false, waiting: "CrashLoopBackOff", restarts: 3), .init(name: "frr-exporter")], deleting: true))
        #expect(pod.name == "gw--gw-1--frr-x7v9s" && pod.namespace == "fab" && pod.resourceVersion == "300")
        #expect(pod.ownerDaemonSet == "gw--gw-1--frr" && pod.gatewayName == "gw-1" && pod.role == .frr)
        #expect(pod.isBeingDeleted && pod.deletionTime == Fx.at(25) && pod.phase == .value("Running"))
        #expect(pod.containers.value?.first?.waitingReason == "CrashLoopBackOff")
        #expect(pod.containers.value?.first?.restartCount == 3)
        #expect(pod.containers.value?.last?.startedAt == Fx.at(-43_200))
        #expect(pod.condition("Ready")?.status == "False")
        #expect(pod.problems.isEmpty)
    }

    /// The view keeps only what the model reads, yet answers as the object says: an owner that is
    /// not a gateway's DaemonSet is kept as it is, a condition the model does not read is dropped,
    /// and of two conditions of one type the first counts.
    @Test func podViewKeepsWhatTheModelReads() {
        var json = Fx.pod("dataplane", gateway: "gw-2")
        json["metadata"]?["ownerReferences"] = [["apiVersion": "apps/v1", "kind": "DaemonSet", "name": "node-agent", "uid": "u"]]
        json["status"]?["conditions"] = [["type": "PodScheduled", "status": "True"],
                                              ["type": "Ready", "status": "True"], ["type": "Ready", "status": "False"]]
        let pod = PodView(json: json)
        #expect(pod.ownerDaemonSet == "node-agent" && pod.gatewayName == "gw-2" && pod.role == .dataplane)
        #expect(pod.conditions.map(\.type) == ["Ready"] && pod.condition("Ready")?.status == "True")
        #expect(pod.condition("PodScheduled") == nil && pod.condition("ContainersReady") == nil)
        #expect(PodView(json: Fx.pod("frr", owner: false)).ownerDaemonSet == nil)
        #expect(pod == PodView(json: json) && pod != PodView(json: Fx.pod("dataplane", gateway: "gw-2")))
    }

    /// The elements of the views' per-gateway arrays (a GatewayAgent's neighbours and counters, a
    /// leaf's sessions) declare their one-byte fields last, so that they fill the padding after
    /// a 9-byte field instead of taking 8 bytes each (tens of thousands at 10,000 gateways).
    @Test func viewArrayElementsArePacked() {
        #expect(MemoryLayout<BGPNeighborView>.stride == 120)
        #expect(MemoryLayout<TrafficCounterView>.stride == 48)
        #expect(MemoryLayout<LeafSessionView>.stride == 64)
    }

    /// The pod view keeps its times and its two conditions packed (an instant in 8 bytes, a
    /// condition without its type): each reads back as the object says, an absent one as nil,
    /// and two pods that differ only by a time or a condition's status are different.
    @Test func podTimesAndConditionsReadBackPacked() {
        let pod = PodView(json: Fx.pod("frr", readySince: -600, deleting: true, created: -1_000))
        #expect(pod.creationTime == Fx.at(-1_000) && pod.startTime == Fx.at(-990) && pod.deletionTime == Fx.at(25))
        #expect(pod.conditions.map(\.type) == ["Ready", "ContainersReady"])
        #expect(pod.condition("Ready") == PodConditionView(type: "Ready", status: "True", lastTransitionTime: Fx.at(-600)))
        #expect(pod.condition("ContainersReady")?.lastTransitionTime == Fx.at(-600))
        var json = Fx.pod("dataplane")
        json["status"]?["startTime"] = nil
        json["status"]?["conditions"] = [["type": "ContainersReady", "status": "Unknown"], ["type": "Ready", "status": "Weird"]]
        let bare = PodView(json: json)
        #expect(bare.startTime == nil && bare.deletionTime == nil && !bare.isBeingDeleted)
        #expect(bare.conditions == [PodConditionView(type: "Ready", status: "Weird", lastTransitionTime: nil),
                                    PodConditionView(type: "ContainersReady", status: "Unknown", lastTransitionTime: nil)])
        #expect(bare == PodView(json: json) && bare != PodView(json: Fx.pod("dataplane")))
        #expect(PodView(json: Fx.pod("frr", readySince: -600)) != PodView(json: Fx.pod("frr", readySince: -601)))
        // The epoch's own instant (0 s after the reference date) is a time, not "absent".
        #expect(PodView.Instant(Date(timeIntervalSinceReferenceDate: 0)).date == Date(timeIntervalSinceReferenceDate: 0))
        #expect(PodView.Instant(Date?.none).date == nil && PodView.Instant(Date?.none) == PodView.Instant(Date?.none))
    }

    @Test func gatewayAgentView() {
        let agent = GatewayAgentView(json: Fx.agent(specChanged: -77))
        #expect(agent.generation == .value(10) && agent.lastAppliedGen == .value(10) && agent.frrAppliedGen == .value(10))
        #expect(agent.lastHeartbeat == .value(Fx.at(-5)) && agent.specChangeTime == Fx.at(-77))
        #expect(agent.protocolIP == "172.30.8.0")
        #expect(agent.bgpNeighbors.value?.map(\.address) == ["172.30.128.12", "172.30.128.26"])
        #expect(agent.counters.map(\.key) == ["vpc:vpc-01", "peering:vpc-01->vpc-02", "peering:vpc-02->vpc-01"])
        #expect(!agent.isInitStatus && agent.problems.isEmpty)
        #expect(GatewayAgentView(json: Fx.initAgent()).isInitStatus)
    }

    /// A view keeps a uid that is a lowercase UUID as its 16 bytes (a separate 80-byte string in
    /// every cached pod, Gateway and GatewayAgent otherwise) and gives back exactly the text it
    /// read, whatever it was.
    @Test func uidsReadBackAsWritten() {
        let uids = ["0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5c", "00000000-0000-0000-0000-000000000000",
                    "ffffffff-ffff-ffff-ffff-ffffffffffff", "0F3C2A9E-5B1D-4E7A-9C2B-8D4E6F1A3B5C",
                    "0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5", "0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5cd",
                    "0f3c2a9e+5b1d-4e7a-9c2b-8d4e6f1a3b5c", "0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5g", "u", "", "ü-uid"]
        for uid in uids {
            #expect(StoredUID(uid).text == uid)
            var pod = Fx.pod("dataplane", gateway: "gw-2")
            pod["metadata"]?["uid"] = .string(uid)
            #expect(PodView(json: pod).uid == uid)
            var gateway = Fx.gateway()
            gateway["metadata"]?["uid"] = .string(uid)
            #expect(GatewayView(json: gateway).uid == uid)
            var agent = Fx.agent()
            agent["metadata"]?["uid"] = .string(uid)
            #expect(GatewayAgentView(json: agent).uid == uid)
        }
        // Read from bytes (the byte reader's metadata) it is the uid read from their string, for
        // these and for every one-byte change of a UUID (each place, each byte value's class:
        // a digit, a-f, A-F, a dash, other ASCII, a non-ASCII byte, bytes that are not UTF-8).
        var texts = uids.map { Array($0.utf8) } + [[0xFF, 0xFE], Array("0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5".utf8) + [0xC3]]
        for at in 0..<36 {
            for byte in [UInt8(ascii: "0"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "f"), UInt8(ascii: "g"), UInt8(ascii: "A"),
                         UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "`"), 0xC3, 0xFF] {
                var text = Array(uids[0].utf8)
                text[at] = byte
                texts.append(text)
            }
        }
        for text in texts {
            text.withUnsafeBufferPointer { bytes in
                let read = StoredUID(utf8: bytes)
                #expect(read == StoredUID(String(decoding: bytes, as: UTF8.self)), "\(text)")
                #expect(read.text == String(decoding: bytes, as: UTF8.self), "\(text)")
            }
        }
        // Two views differ by their uid alone, and equal uids make equal views.
        #expect(StoredUID(uids[0]) != StoredUID(uids[1]) && StoredUID(uids[0]) == StoredUID(String(uids[0])))
        #expect(StoredUID(uids[0]) != StoredUID(uids[3]))
        #expect(PodView(json: Fx.pod("frr")).uid == Fx.pod("frr")[path: "metadata", "uid"]?.stringValue)
    }

    /// The eight-digits-at-a-time UUID parse answers as a byte at a time would (the reference
    /// below is the parse it replaced): for every byte value at every place of UUIDs of every
    /// digit, every length from 0 to 40, and two changed places at once.
    @Test func uidsParseAsAByteAtATime() {
        func reference(_ bytes: [UInt8]) -> (UInt64, UInt64)? {
            guard bytes.count == 36 else { return nil }
            var high: UInt64 = 0, low: UInt64 = 0
            var digits = 0
            for (index, byte) in bytes.enumerated() {
                if index == 8 || index == 13 || index == 18 || index == 23 {
                    guard byte == UInt8(ascii: "-") else { return nil }
                    continue
                }
                let value: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
                default: return nil
                }
                if digits < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
                digits += 1
            }
            return (high, low)
        }
        func agree(_ text: [UInt8]) -> Bool {
            let fast = text.withUnsafeBufferPointer { StoredUID.parse($0) }
            let slow = reference(text)
            return fast?.0 == slow?.0 && fast?.1 == slow?.1 && (fast == nil) == (slow == nil)
        }
        // Each hex digit at every place, so every nibble of both halves is seen with each value.
        let digits = Array("0123456789abcdef".utf8)
        var bases: [[UInt8]] = ["0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5c", "00000000-0000-0000-0000-000000000000",
                                "ffffffff-ffff-ffff-ffff-ffffffffffff", "01234567-89ab-cdef-0123-456789abcdef",
                                "fedcba98-7654-3210-fedc-ba9876543210"].map { Array($0.utf8) }
        for shift in 0..<16 {
            var text = Array(bases[3])
            var k = shift
            for i in text.indices where text[i] != UInt8(ascii: "-") { text[i] = digits[k % 16]; k += 7 }
            bases.append(text)
        }
        var failures = 0
        for base in bases {
            #expect(reference(base) != nil)
            if !agree(base) { failures += 1 }
            for at in 0..<36 {
                for byte in 0...255 {
                    var text = base
                    text[at] = UInt8(byte)
                    if !agree(text) { failures += 1 }
                }
            }
        }
        // Two places changed at once (one to a non-ASCII byte, whose sums would carry).
        for at in 0..<36 {
            for other in 0..<36 where other != at {
                for (x, y) in [(UInt8(ascii: "A"), UInt8(ascii: "0")), (0xFF, UInt8(ascii: "a")), (UInt8(ascii: "g"), 0x80), (0xB0, 0xB9)] {
                    var text = bases[0]
                    text[at] = x
                    text[other] = y
                    if !agree(text) { failures += 1 }
                }
            }
        }
        for count in 0...40 {
            if !agree(Array(repeating: UInt8(ascii: "a"), count: count)) { failures += 1 }
            if !agree(Array((bases[0] + bases[0]).prefix(count))) { failures += 1 }
        }
        #expect(failures == 0)
    }

    @Test func gatewayAndSwitchViews() {
        let gw = GatewayView(json: Fx.gateway(groups: [("default", 0), ("edge", 10)]))
        #expect(gw.protocolIP == "172.30.8.0" && gw.vtepIP == "172.30.12.0" && gw.asn == 65534)
        #expect(gw.neighbors.map(\.ip) == ["172.30.128.12", "172.30.128.26"] && gw.groups.count == 2)
        let leaf = SwitchAgentView(json: Fx.leaf())
        #expect(leaf.sessions.first?.isEstablished == true && leaf.sessions.first?.remoteRouterID == "172.30.8.0")
        #expect(leaf.generation == 7 && leaf.lastHeartbeat == .value(Fx.at(-10)))
    }

    @Test func malformedFieldsBecomeProblems() {
        let broken = Fx.leaf().setting(["status", "lastHeartbeat"], 12)
            .setting(["status", "state", "bgpNeighbors", "default", "172.30.128.13", "state"], "dancing")
        let leaf = SwitchAgentView(json: broken)
        #expect(leaf.lastHeartbeat == .invalid)
        #expect(leaf.sessions.first?.state == .invalid)
        #expect(leaf.problems.map(\.path).sorted() == ["status.lastHeartbeat", "status.state.bgpNeighbors.default[172.30.128.13].state"])
        let gw = GatewayView(json: ["metadata": 5, "spec": ["neighbors": "all of them"]])
        #expect(gw.name == "" && !gw.problems.isEmpty)
    }

    @Test func policyDecodesWithDefaults() throws {
        let config: JSONValue = ["podGrace": 90, "missedKeepalives": 5]
        let policy = try config.decode(HealthPolicy.self)
        #expect(policy.podGrace == 90 && policy.missedKeepalives == 5 && policy.startupGrace == 300)
        #expect(policy.heartbeatStaleAfter == 75)
        #expect(HealthPolicy.default.heartbeatStaleAfter == 45)
        let again = try JSONValue(encoding: HealthPolicy.default).decode(HealthPolicy.self)
        #expect(again == .default)
    }
}
