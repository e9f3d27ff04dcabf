import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// The heartbeat advance's shortcut for the traffic rule (`TrafficRule.quietCollection` and
/// `takeQuietSamples`, as `HealthEvaluator.advance` uses them; `advanced` below): whenever it
/// answers, the rule itself (`TrafficRule.evaluate`) repeats the previous condition with the
/// same stamp and samples; and it answers for a quiet gateway's ordinary new collection.
@Suite("Traffic rule on the heartbeat advance")
struct TrafficAdvanceTests {
    /// A seeded generator, so that a failing case can be run again.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let vpcNames = ["vpc-01", "vpc-02", "vpc-10", "caf\u{E9}", "cafe\u{301}", "z"]
    static let peeringNames = ["vpc-01->vpc-02", "vpc-02->vpc-01", "vpc-10->vpc-01"]
    static let thresholds = [0.01, 0.005, 0.5, 0.0125, 1]

    struct Counter {
        var kind: TrafficCounterView.Kind
        var name: String
        var packets: Int64
        var drops: Int64
        var key: String { "\(kind.rawValue):\(name)" }
    }

    /// One generated case: the new collection's view, the memory of the last one, the
    /// previous TrafficHealthy condition, the policy; and whether it is the plain quiet case
    /// (same counters, all rising, drops well below the threshold, previous the rule's own
    /// DropsBelowThreshold), which the shortcut must take.
    static func generate(_ random: inout Seeded) -> (GatewayAgentView, HealthMemory, Condition, HealthPolicy, plain: Bool) {
        var plain = true
        let threshold = thresholds.randomElement(using: &random)!
        let policy = HealthPolicy(dropRatioThreshold: threshold)
        // The previous collection's counters (unique names, as the map keeps them).
        var old: [Counter] = []
        for name in vpcNames.shuffled(using: &random).prefix(Int.random(in: 0...3, using: &random)) {
            old.append(Counter(kind: .vpc, name: name, packets: Int64.random(in: 0...1_000_000, using: &random),
                               drops: Int64.random(in: 0...1_000, using: &random)))
        }
        for name in peeringNames.shuffled(using: &random).prefix(Int.random(in: 0...2, using: &random)) {
            old.append(Counter(kind: .peering, name: name, packets: Int64.random(in: 0...1_000_000, using: &random),
                               drops: Int64.random(in: 0...1_000, using: &random)))
        }
        if old.isEmpty { plain = false }
        if old.contains(where: { $0.name.unicodeScalars.contains { !$0.isASCII } }) {
            // Composed and decomposed forms sort apart from their bytes; the rule looks such
            // keys up as strings. Either answer is allowed, only agreement is checked.
            plain = false
        }
        // The new collection: most counters rise quietly; some cases rename, add or drop a
        // counter, reset one, drop above the threshold, send a malformed one, a huge one.
        var new = old.map { c -> Counter in
            var c = c
            let dp = Int64.random(in: 1...100_000, using: &random)
            c.packets += dp
            c.drops += Int64(Double(dp) * threshold * Double.random(in: 0...0.9, using: &random))
            return c
        }
        var invalid: Set<Int> = []
        switch Int.random(in: 0..<14, using: &random) {
        case 0 where !new.isEmpty: new[Int.random(in: 0..<new.count, using: &random)].packets -= 2_000_000  // reset
        case 1 where !new.isEmpty: new[Int.random(in: 0..<new.count, using: &random)].drops = -1  // drops went down
        case 2 where !new.isEmpty:  // drops above the threshold
            let i = Int.random(in: 0..<new.count, using: &random)
            new[i].drops = old[i].drops + max(1, Int64(Double(new[i].packets - old[i].packets) * threshold) + 1)
        case 3 where !new.isEmpty:  // drops with no packets
            let i = Int.random(in: 0..<new.count, using: &random)
            new[i].packets = old[i].packets
            new[i].drops = old[i].drops + 1
        case 4: new.append(Counter(kind: .vpc, name: "vpc-new", packets: 5, drops: 0))
        case 5 where !new.isEmpty: new.remove(at: Int.random(in: 0..<new.count, using: &random))
        case 6 where !new.isEmpty:  // renamed
            new[Int.random(in: 0..<new.count, using: &random)].name += "x"
        case 7 where !new.isEmpty: invalid.insert(Int.random(in: 0..<new.count, using: &random))
        case 8 where !new.isEmpty:  // nothing moved at all (equal counters compare as rising by 0)
            new = old
        case 9 where !new.isEmpty:  // near the top of the range
            let i = Int.random(in: 0..<new.count, using: &random)
            new[i].packets = Int64.max - Int64.random(in: 0...10, using: &random)
        default: break
        }
        if new.count != old.count || zip(new, old).contains(where: { $0.key != $1.key }) || !invalid.isEmpty
            || zip(new, old).contains(where: { $0.packets < $1.packets || $0.drops < $1.drops
                || Double($0.drops - $1.drops) >= Double($0.packets - $1.packets) * threshold * 0.95 && $0.drops > $1.drops }) {
            plain = false
        }

        func counters(_ kind: TrafficCounterView.Kind) -> [String: JSONValue]? {
            var out: [String: JSONValue] = [:]
            for (i, c) in new.enumerated() where c.kind == kind {
                out[c.name] = invalid.contains(i) ? ["p": "many", "d": 0] : ["p": .int(c.packets), "b": 0, "d": .int(c.drops)]
            }
            return out
        }
        let beat = Double(Int.random(in: 0...1_000, using: &random))
        let agent = GatewayAgentView(json: Fx.agent(heartbeat: beat, vpcs: counters(.vpc), peerings: counters(.peering),
                                                    collected: beat))
        var stamp: String? = KubeTime.format(Fx.at(beat - 15))
        switch Int.random(in: 0..<10, using: &random) {
        case 0: stamp = KubeTime.format(Fx.at(beat)); plain = false  // the same collection seen again
        case 1: stamp = nil
        default: break
        }
        let memory = HealthMemory(trafficStamp: stamp,
                                  traffic: SmallMap(old.map { ($0.key, TrafficSample(packets: $0.packets, drops: $0.drops)) }))
        let limit = percentText(threshold * 100)
        var previous = Condition(type: ConditionType.trafficHealthy, status: "True", reason: "DropsBelowThreshold",
                                 message: TrafficRule.belowThresholdMessage(limit: limit, compared: old.count),
                                 lastTransitionTime: KubeTime.format(Fx.at(-600)), observedGeneration: nil)
        switch Int.random(in: 0..<12, using: &random) {
        case 0: previous.message = TrafficRule.belowThresholdMessage(limit: limit, compared: old.count + 1); plain = false
        case 1: previous.message = TrafficRule.belowThresholdMessage(limit: "2%", compared: old.count); plain = previous.message == TrafficRule.belowThresholdMessage(limit: limit, compared: old.count) && plain
        case 2: previous.message += " "; plain = false
        case 3: previous.status = "Unknown"; previous.reason = "BaselineRecorded"; plain = false
        case 4: previous.status = "False"; previous.reason = "DropsAboveThreshold"; plain = false
        case 5: previous.reason = "NoTrafficCounters"; previous.message = "no VPC or peering counters are reported"; plain = false
        case 6: previous.message = String(previous.message.dropLast()); plain = false
        default: break
        }
        return (agent, memory, previous, policy, plain)
    }

    @Test func theShortcutAgreesWithTheRule() {
        var random = Seeded(state: 0x7EA_FF1C)
        var taken = 0, declined = 0
        for n in 0..<4_000 {
            let (agent, memory, previous, policy, plain) = Self.generate(&random)
            let full = TrafficRule.evaluate(agent, memory: memory, previous: previous, policy: policy, withEvidence: false)
            guard let fast = TrafficRule.advanced(agent, memory: memory, previous: previous, policy: policy) else {
                #expect(!plain, "case \(n): a quiet gateway's new collection must take the shortcut")
                declined += 1
                continue
            }
            taken += 1
            #expect(full.draft.status == previous.status && full.draft.reason == previous.reason
                        && full.draft.message == previous.message,
                    "case \(n): the shortcut answered where the rule says \(full.draft.reason) \(full.draft.message)")
            #expect(fast.stamp == full.stamp, "case \(n)")
            #expect(fast.samples == full.samples, "case \(n)")
            // The same keys to the byte (the memory is persisted).
            #expect(fast.samples.map { Array($0.key.utf8) } == full.samples.map { Array($0.key.utf8) }, "case \(n)")
        }
        // Both outcomes are exercised.
        #expect(taken > 500 && declined > 500, "taken \(taken), declined \(declined)")
    }

    /// Whether `memory`'s traffic keys name `counters`, place by place, byte for byte (the
    /// peering counters first, then the vpcs, each kind in the view's order): what a
    /// `TrafficKeysWitness` vouching for `counters` claims.
    static func keysName(_ memory: HealthMemory, _ counters: [TrafficCounterView]) -> Bool {
        let ordered = counters.filter { $0.kind == .peering } + counters.filter { $0.kind == .vpc }
        let keys = memory.traffic.map { Array($0.key.utf8) }
        return keys == ordered.map { Array("\($0.kind.rawValue):\($0.name)".utf8) }
    }

    /// With the keys known to name the counters at their places (`keysKnown`, what a witness
    /// says), the shortcut gives the answer it gives when it matches every key's bytes: on every
    /// generated case where that holds (the plain quiet ones among them).
    @Test func knownKeysGiveTheAnswerOfMatchedKeys() {
        var random = Seeded(state: 0x5EE_D0C5)
        var known = 0, taken = 0
        for n in 0..<4_000 {
            let (agent, memory, previous, policy, _) = Self.generate(&random)
            guard Self.keysName(memory, agent.counters) else { continue }
            known += 1
            let matched = TrafficRule.quietCollection(agent, memory: memory, previous: previous, policy: policy)
            let skipped = TrafficRule.quietCollection(agent, memory: memory, previous: previous, policy: policy, keysKnown: true)
            #expect(matched?.stamp == skipped?.stamp && matched?.movesSamples == skipped?.movesSamples
                        && (matched == nil) == (skipped == nil), "case \(n)")
            if matched != nil { taken += 1 }
        }
        #expect(known > 1_000 && taken > 500, "known \(known), taken \(taken)")
    }

    @Test func theBelowThresholdMessageIsRecognisedOnlyWhole() {
        for limit in ["1%", "0.5%", "1.25%", "100%"] {
            for compared in [0, 1, 9, 10, 11, 123_456] {
                let message = TrafficRule.belowThresholdMessage(limit: limit, compared: compared)
                #expect(TrafficRule.isBelowThresholdMessage(message, limit: limit, compared: compared))
                #expect(!TrafficRule.isBelowThresholdMessage(message, limit: limit, compared: compared + 1))
                #expect(!TrafficRule.isBelowThresholdMessage(message, limit: limit + "0", compared: compared))
                #expect(!TrafficRule.isBelowThresholdMessage(message + "s", limit: limit, compared: compared))
                #expect(!TrafficRule.isBelowThresholdMessage(String(message.dropLast()), limit: limit, compared: compared))
                #expect(!TrafficRule.isBelowThresholdMessage("", limit: limit, compared: compared))
            }
        }
    }

    /// The match in place (`isBelowThresholdMessage`, piece by piece) says exactly what `==`
    /// with the built message says: for every limit `percentText` gives (and a few it does
    /// not), counts of every length, and messages changed at every byte — removed, doubled,
    /// replaced by a neighbour byte, by a non-ASCII character, by a combining sequence — and
    /// written in other storage (bridged from bytes, a substring made a string).
    @Test func theBelowThresholdMessageMatchAgreesWithComparingItWhole() {
        let limits = [0.0, 0.0001, 0.00005, 0.01, 0.005, 0.0125, 1, 2.5, 1e7, .infinity].map { percentText($0 * 100) }
            + ["", "1", "K%", "1;%", "caf\u{E9}%", "cafe\u{301}%"]
        var checked = 0
        for limit in limits {
            for compared in [0, 1, 9, 10, 99, 100, 123_456, Int.max, -1] {
                let message = TrafficRule.belowThresholdMessage(limit: limit, compared: compared)
                let bytes = Array(message.utf8)
                var variants = [message, "", message + " ", " " + message, String(message.dropLast()), String(message.dropFirst()),
                                message.uppercased(), String(message.reversed()),
                                TrafficRule.belowThresholdMessage(limit: limit, compared: compared &+ 1),
                                TrafficRule.belowThresholdMessage(limit: limit + "0", compared: compared),
                                String(decoding: bytes, as: UTF8.self), String(Substring(message))]
                for i in bytes.indices {
                    var removed = bytes; removed.remove(at: i)
                    var doubled = bytes; doubled.insert(bytes[i], at: i)
                    var neighbour = bytes; neighbour[i] = bytes[i] ^ 1
                    variants += [removed, doubled, neighbour].map { String(decoding: $0, as: UTF8.self) }
                    let prefix = String(decoding: bytes[..<i], as: UTF8.self), suffix = String(decoding: bytes[(i + 1)...], as: UTF8.self)
                    variants += [prefix + "\u{E9}" + suffix, prefix + "e\u{301}" + suffix, prefix + "\u{212A}" + suffix]
                }
                for candidate in variants {
                    #expect(TrafficRule.isBelowThresholdMessage(candidate, limit: limit, compared: compared) == (candidate == message),
                            "\(candidate) / \(limit) / \(compared)")
                    checked += 1
                }
            }
        }
        #expect(checked > 10_000)
    }

    @Test func aPlaceAndAKeysPlace() {
        let map: SmallMap<Int> = ["peering:a->b": 1, "vpc:caf\u{E9}": 2, "vpc:vpc-01": 3]
        #expect(map.value(at: 0) == 1 && map.value(at: 2) == 3 && map.value(at: 3) == nil && map.value(at: -1) == nil)
        #expect(map.index(of: "peering:a->b") == 0 && map.index(of: "vpc:vpc-01") == 2)
        #expect(map.index(of: "vpc:cafe\u{301}") == 1, "found as the subscript finds it: by string equality")
        #expect(map.index(of: "vpc:vpc-0") == nil && map.index(of: "") == nil && map.index(of: "zz") == nil)
        #expect(SmallMap<Int>().index(of: "a") == nil && SmallMap<Int>().value(at: 0) == nil)
    }

    @Test func aValueIsTakenByPlaceOnlyUnderItsOwnKeyBytes() {
        let map: SmallMap<Int> = ["peering:a->b": 1, "vpc:caf\u{E9}": 2, "vpc:vpc-01": 3]
        #expect(map.value(at: 0, ifKeyIs: "peering", "a->b") == 1)
        #expect(map.value(at: 1, ifKeyIs: "vpc", "caf\u{E9}") == 2)
        #expect(map.value(at: 1, ifKeyIs: "vpc", "cafe\u{301}") == nil, "equal as strings, other bytes")
        #expect(map.value(at: 2, ifKeyIs: "vpc", "vpc-01") == 3)
        #expect(map.value(at: 2, ifKeyIs: "vpc", "vpc-0") == nil)
        #expect(map.value(at: 2, ifKeyIs: "vpc", "vpc-011") == nil)
        #expect(map.value(at: 0, ifKeyIs: "vpc", "vpc-01") == nil)
        #expect(map.value(at: 3, ifKeyIs: "vpc", "vpc-01") == nil)
        #expect(map.value(at: -1, ifKeyIs: "vpc", "vpc-01") == nil)
        var moved = map
        moved.setValue(7, at: 2)
        #expect(moved["vpc:vpc-01"] == 7 && moved.count == 3 && map["vpc:vpc-01"] == 3)
    }
}

extension TrafficRule {
    /// The shortcut as the heartbeat advance takes it, the two steps in one (the advance runs
    /// them on its own copy of the memory, in place): the stamp and the samples `evaluate`
    /// would remember, or nil when the shortcut cannot tell.
    static func advanced(_ agent: GatewayAgentView, memory: HealthMemory, previous: Condition,
                         policy: HealthPolicy) -> (stamp: String?, samples: SmallMap<TrafficSample>)? {
        guard let quiet = quietCollection(agent, memory: memory, previous: previous, policy: policy) else { return nil }
        guard quiet.movesSamples else { return (quiet.stamp, memory.traffic) }
        var samples = memory.traffic
        takeQuietSamples(agent, into: &samples)
        return (quiet.stamp, samples)
    }
}
