import Foundation
import KubeAPI

/// TrafficHealthy: every VPC's and peering's drop counter rose by less than the threshold fraction
/// of its packet counter since the last observation (docs §3.8). A counter that went down (a
/// dataplane restart) resets its baseline instead of giving a negative rate.
struct TrafficFinding {
    var draft: ConditionDraft
    var stamp: String?
    var samples: SmallMap<TrafficSample>
    var evidence: [CounterEvidence]
}

struct TrafficRule: HealthRule {
    let condition = ConditionType.trafficHealthy
    let docSection = "§3.8"
    let reasons = ["DropsBelowThreshold", "NoTrafficCounters", "DropsAboveThreshold", "BaselineRecorded", "CounterInvalid", "CountersMissing", "StateNotCollected"]
    let events = [ConditionEvent(when: "False", .warning, reason: "TrafficDrops")]
    /// The heartbeat identifies a collection when `lastCollectedTime` is not reported.
    let reads: Set<RuleInput> = [.agentCounters, .agentReported, .agentHeartbeat]
    // The heartbeat advance runs this rule itself.
    let judgedByHeartbeatAdvance = true
    /// The samples and their deltas move with every collection while the verdict stands.
    let fields: [OwnedField] = [
        .memory("trafficStamp", volatile: true) { $0.trafficStamp = nil },
        .memory("traffic", volatile: true) { $0.traffic = [:] },
        .evidence("counters", volatile: true) { $0.counters = [] },
    ]
    /// A collection seen again repeats the previous verdict, message included.
    let readsPreviousMessage = true

    func evaluate(_ context: inout RuleContext) -> RuleOutcome {
        let finding = Self.evaluate(context.inputs.agent, memory: context.memory, previous: context.previousCondition(condition),
                                    policy: context.policy)
        context.newMemory.trafficStamp = finding.stamp
        context.newMemory.traffic = finding.samples
        context.evidence.counters = finding.evidence
        if let stalled = StateCollection.notCollected(context) { return RuleOutcome(.unknown(condition, StateCollection.reason, stalled)) }
        return RuleOutcome(finding.draft)
    }

    /// - Parameter previous: the previous TrafficHealthy condition.
    /// - Parameter withEvidence: false leaves the counter evidence empty (the reconciler's cache
    ///   keeps none: it is volatile), for the heartbeat advance.
    static func evaluate(_ agent: GatewayAgentView?, memory: HealthMemory, previous: Condition?, policy: HealthPolicy,
                         withEvidence: Bool = true) -> TrafficFinding {
        let type = ConditionType.trafficHealthy
        guard let agent, agent.hasState else {
            return TrafficFinding(draft: .unknown(type, "CountersMissing", "the GatewayAgent reports no status.state counters"),
                                  stamp: memory.trafficStamp, samples: memory.traffic, evidence: [])
        }
        let stamp = agent.collectionStamp
        // The same collection seen again (another object changed): nothing new to compare, so the
        // previous verdict stands rather than turning into "no new traffic".
        if let stamp, stamp == memory.trafficStamp, let old = previous {
            let evidence = !withEvidence ? [] : agent.counters.map { c in
                CounterEvidence(key: c.key, packets: c.packets.value, drops: c.drops.value, deltaPackets: nil, deltaDrops: nil, note: "unchanged")
            }
            return TrafficFinding(draft: ConditionDraft(type: type, status: old.status, reason: old.reason, message: old.message),
                                  stamp: stamp, samples: memory.traffic, evidence: evidence)
        }
        // The samples in key order (`peering:…` before `vpc:…`, each kind's counters sorted by
        // name), so that the map takes them without a sort: the view lists VPCs first.
        var samples: [(String, TrafficSample)] = []
        var vpcSamples: [(String, TrafficSample)] = []
        samples.reserveCapacity(agent.counters.count)
        var evidence: [CounterEvidence] = []
        var resets: [String] = []
        var bad: [String] = []
        var invalid: [String] = []
        var compared = 0
        for c in agent.counters {
            // The remembered sample's key is reused: building it is an allocation per counter
            // on every heartbeat.
            let remembered = memory.traffic.entry(c.kind.rawValue, c.name)
            let key = remembered?.key ?? c.key
            guard let p = c.packets.value, let d = c.drops.value else {
                if c.packets.isInvalid || c.drops.isInvalid { invalid.append(key) }
                if withEvidence { evidence.append(CounterEvidence(key: key, packets: c.packets.value, drops: c.drops.value, note: "invalid")) }
                continue
            }
            if c.kind == .vpc {
                vpcSamples.append((key, TrafficSample(packets: p, drops: d)))
            } else {
                samples.append((key, TrafficSample(packets: p, drops: d)))
            }
            guard let base = remembered?.value else {
                if withEvidence { evidence.append(CounterEvidence(key: key, packets: p, drops: d, note: "new")) }
                continue
            }
            if p < base.packets || d < base.drops {
                resets.append(key)
                if withEvidence { evidence.append(CounterEvidence(key: key, packets: p, drops: d, note: "reset")) }
                continue
            }
            compared += 1
            let dp = p - base.packets
            let dd = d - base.drops
            if withEvidence {
                evidence.append(CounterEvidence(key: key, packets: p, drops: d, deltaPackets: dp, deltaDrops: dd, note: "compared"))
            }
            if dd > 0 && (dp == 0 || Double(dd) / Double(dp) >= policy.dropRatioThreshold) {
                let ratio = dp == 0 ? "no packets" : String(format: "%.2f%%", Double(dd) / Double(dp) * 100)
                bad.append("\(key) +\(dd) drops / +\(dp) packets (\(ratio))")
            }
        }
        let limit = percentText(policy.dropRatioThreshold * 100)
        let draft: ConditionDraft
        if !bad.isEmpty {
            draft = .isFalse(type, "DropsAboveThreshold", "drops rose by \(limit) of packets or more since the last observation: \(bad.joined(separator: ", "))")
        } else if !invalid.isEmpty {
            draft = .unknown(type, "CounterInvalid", "traffic counters malformed for \(invalid.joined(separator: ", "))")
        } else if agent.counters.isEmpty {
            draft = .isTrue(type, "NoTrafficCounters", "no VPC or peering counters are reported")
        } else if compared == 0 {
            let why = resets.isEmpty ? "first observation of these counters" : "counters went down (dataplane restart?): \(resets.joined(separator: ", "))"
            draft = .unknown(type, "BaselineRecorded", "\(why); drop rate judged from the next observation")
        } else {
            draft = .isTrue(type, "DropsBelowThreshold", belowThresholdMessage(limit: limit, compared: compared))
        }
        samples.append(contentsOf: vpcSamples)
        return TrafficFinding(draft: draft, stamp: stamp, samples: SmallMap(samples), evidence: evidence)
    }

    /// The DropsBelowThreshold message (`limit`: `percentText` of the threshold).
    static func belowThresholdMessage(limit: String, compared: Int) -> String {
        "drops rose by less than \(limit) of packets on all \(compared) compared counters"
    }

    /// Whether `message` is `belowThresholdMessage(limit:compared:)` (as `==` would say). Its
    /// bytes are matched in place, piece by piece, each piece with one `memcmp`: building the
    /// message on every quiet heartbeat to compare it whole was 0.8 % of the operator's samples
    /// (matching it through `String.UTF8View`'s iterator, byte by byte, cost more still).
    /// Bytes equal is `==` here: the message is ASCII without `K`, `;` or `` ` `` (the only
    /// ASCII characters another character is canonically equivalent to) whatever the limit
    /// (`percentText`: digits, `.`, `e`, `+`, `-`, `%`, or `inf`/`nan`), so no other bytes can
    /// be equal to it as a string. A limit with other characters, or bytes not at hand,
    /// take the comparison of the whole.
    static func isBelowThresholdMessage(_ message: String, limit: String, compared: Int) -> Bool {
        let matched: Bool? = message.utf8.withContiguousStorageIfAvailable { m in
            limit.utf8.withContiguousStorageIfAvailable { l -> Bool? in
                guard compared >= 0, l.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "K") && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: "`") })
                else { return nil }
                return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
                    // `compared` in decimal, written from the end.
                    var first = digits.count, n = compared
                    repeat {
                        first -= 1
                        digits[first] = UInt8(ascii: "0") + UInt8(n % 10)
                        n /= 10
                    } while n > 0
                    var at = 0
                    func take(_ piece: UnsafeBufferPointer<UInt8>) -> Bool {
                        guard m.count - at >= piece.count,
                              piece.isEmpty || memcmp(m.baseAddress! + at, piece.baseAddress!, piece.count) == 0
                        else { return false }
                        at += piece.count
                        return true
                    }
                    // The pieces of `belowThresholdMessage` (a test checks the two agree).
                    return ("drops rose by less than " as StaticString).withUTF8Buffer(take) && take(l)
                        && (" of packets on all " as StaticString).withUTF8Buffer(take)
                        && take(UnsafeBufferPointer(rebasing: digits[first...]))
                        && (" compared counters" as StaticString).withUTF8Buffer(take) && at == m.count
                }
            } ?? nil
        } ?? nil
        return matched ?? (message == belowThresholdMessage(limit: limit, compared: compared))
    }

    /// Whether `evaluate(agent, memory:, previous:, policy:, withEvidence: false)` repeats
    /// `previous`, known without running it, and the stamp it would remember; nil when this
    /// cannot tell cheaply (the caller then runs `evaluate`). `movesSamples`: its samples are
    /// the remembered ones with the collection's values (`takeQuietSamples`); false: the same
    /// collection seen again, whose samples are the remembered ones.
    ///
    /// A quiet gateway's new collection has the counters it had: each one's remembered sample
    /// is then at a known place in the memory (the map lists `peering:` keys before `vpc:`
    /// keys, each kind by name, the view VPCs first, each kind by name), so it is matched by
    /// its key's bytes there instead of being looked up, and the samples are the remembered
    /// map with new values (same keys, same order) rather than three arrays and a new map.
    /// Non-nil only when `evaluate` would find every counter compared, none reset, invalid or
    /// above the threshold, and the same DropsBelowThreshold message as `previous` (or the
    /// same collection seen again); anything else — a counter renamed, added, gone, out of
    /// place, a key with the same characters in other bytes — is left to `evaluate`.
    /// - Parameter keysKnown: the remembered samples' keys are known to name `agent`'s counters
    ///   at their places (`TrafficKeysWitness`): the values are taken there without matching a
    ///   key's bytes. The answer is the same as without it whenever that holds (a test says so).
    static func quietCollection(_ agent: GatewayAgentView, memory: HealthMemory, previous: Condition,
                                policy: HealthPolicy, keysKnown: Bool = false) -> (stamp: String?, movesSamples: Bool)? {
        guard agent.hasState else { return nil }
        let stamp = agent.collectionStamp
        // The same collection seen again: `evaluate` repeats the previous verdict and samples.
        if let stamp, stamp == memory.trafficStamp { return (stamp, false) }
        let counters = agent.counters
        guard !counters.isEmpty, counters.count == memory.traffic.count,
              previous.status == "True", previous.reason == "DropsBelowThreshold",
              isBelowThresholdMessage(previous.message, limit: percentText(policy.dropRatioThreshold * 100),
                                      compared: counters.count)
        else { return nil }
        let rises = forEachQuietPlace(counters) { index, c in
            guard let base = keysKnown ? memory.traffic.value(at: index) : memory.traffic.value(at: index, ifKeyIs: c.kind.rawValue, c.name),
                  let p = c.packets.value, let d = c.drops.value, p >= base.packets, d >= base.drops
            else { return false }
            let dp = p - base.packets
            let dd = d - base.drops
            return !(dd > 0 && (dp == 0 || Double(dd) / Double(dp) >= policy.dropRatioThreshold))
        }
        return rises ? (stamp, true) : nil
    }

    /// Writes the collection's values into `samples`, each at the place `quietCollection`
    /// matched it at: for remembered samples that call found to move (`movesSamples`), so
    /// every counter has both values and its place holds its key. In place: a caller holding
    /// the only copy of the memory writes into its storage.
    static func takeQuietSamples(_ agent: GatewayAgentView, into samples: inout SmallMap<TrafficSample>) {
        _ = forEachQuietPlace(agent.counters) { index, c in
            guard let p = c.packets.value, let d = c.drops.value else { return false }
            samples.setValue(TrafficSample(packets: p, drops: d), at: index)
            return true
        }
    }

    /// Calls `body` with each counter and the place its sample has in the remembered map
    /// (peerings first, then VPCs, each kind in the view's order) while `body` says true.
    private static func forEachQuietPlace(_ counters: [TrafficCounterView],
                                          _ body: (Int, TrafficCounterView) -> Bool) -> Bool {
        var peeringCount = 0
        for c in counters where c.kind == .peering { peeringCount += 1 }
        var vpcIndex = peeringCount, peeringIndex = 0
        for c in counters {
            let index: Int
            if c.kind == .vpc {
                index = vpcIndex
                vpcIndex += 1
            } else {
                index = peeringIndex
                peeringIndex += 1
            }
            guard body(index, c) else { return false }
        }
        return true
    }
}
