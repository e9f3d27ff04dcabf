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
            draft = .isTrue(type, "DropsBelowThreshold", "drops rose by less than \(limit) of packets on all \(compared) compared counters")
        }
        samples.append(contentsOf: vpcSamples)
        return TrafficFinding(draft: draft, stamp: stamp, samples: SmallMap(samples), evidence: evidence)
    }
}
