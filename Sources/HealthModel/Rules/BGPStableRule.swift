import Foundation

/// BGPStable: no neighbour's establishedTransitions or connectionsDropped rose by more than the
/// threshold within the flap window (docs §3.7). A counter that went down (a restart) only resets
/// its baseline.
struct BGPStableFinding {
    var draft: ConditionDraft
    var counters: SmallMap<BGPCounterSample>
    var flaps: [FlapRecord]
    var nextCheck: [Date] = []
}

struct BGPStableRule: HealthRule {
    let condition = ConditionType.bgpStable
    let docSection = "§3.7"
    let reasons = ["Stable", "BGPFlapping", "BaselineRecorded", "CounterInvalid", "BGPStateMissing", "StateNotCollected"]
    let events = [ConditionEvent(when: "False", .warning, reason: "BGPFlapping")]
    // The heartbeat and `lastCollectedTime` (a counter input) for StateNotCollected alone.
    let reads: Set<RuleInput> = [.agentBGP, .agentHeartbeat, .agentCounters]
    // The advance refuses a heartbeat no longer fresh for the same reason and a stalled collector.
    let judgedByHeartbeatAdvance = true
    let fields: [OwnedField] = [.memory("bgpCounters"), .memory("flaps")]

    func evaluate(_ context: inout RuleContext) -> RuleOutcome {
        let finding = Self.evaluate(context.inputs.agent, memory: context.memory, policy: context.policy, now: context.now)
        context.newMemory.bgpCounters = finding.counters
        context.newMemory.flaps = finding.flaps.sorted { ($0.at, $0.neighbor) < ($1.at, $1.neighbor) }
        if let stalled = StateCollection.notCollected(context) {
            return RuleOutcome(.unknown(condition, StateCollection.reason, stalled), nextCheck: finding.nextCheck)
        }
        return RuleOutcome(finding.draft, nextCheck: finding.nextCheck)
    }

    static func evaluate(_ agent: GatewayAgentView?, memory: HealthMemory, policy: HealthPolicy, now: Date) -> BGPStableFinding {
        let type = ConditionType.bgpStable
        let window = policy.bgpFlapWindow
        var flaps = memory.flaps.filter { now.timeIntervalSince($0.at) < window && $0.at <= now }
        guard let neighbors = agent?.bgpNeighbors.value else {
            let what = agent?.bgpNeighbors.isInvalid == true ? "status.state.bgp is malformed" : "the GatewayAgent reports no BGP state"
            return BGPStableFinding(draft: .unknown(type, "BGPStateMissing", what), counters: memory.bgpCounters, flaps: flaps,
                                    nextCheck: flaps.map { $0.at.addingTimeInterval(window) })
        }
        var counters: [(String, BGPCounterSample)] = []
        var compared = 0
        var invalid: [String] = []
        for n in neighbors {
            if n.establishedTransitions.isInvalid || n.connectionsDropped.isInvalid { invalid.append(n.address) }
            let sample = BGPCounterSample(transitions: n.establishedTransitions.value, dropped: n.connectionsDropped.value)
            counters.append((n.key, sample))
            guard let base = memory.bgpCounters[n.key] else { continue }
            compared += 1
            let dt = rise(base.transitions, sample.transitions)
            let dd = rise(base.dropped, sample.dropped)
            if dt > 0 || dd > 0 {
                flaps.append(FlapRecord(neighbor: n.key, at: now, transitions: dt, dropped: dd))
            }
        }
        var flapping: [String] = []
        for key in Set(flaps.map(\.neighbor)).sorted() {
            let mine = flaps.filter { $0.neighbor == key }
            let t = mine.map(\.transitions).reduce(0, +)
            let d = mine.map(\.dropped).reduce(0, +)
            if t > Int64(policy.bgpFlapThreshold) || d > Int64(policy.bgpFlapThreshold) {
                flapping.append("\(key) (+\(t) established transitions, +\(d) dropped connections)")
            }
        }
        let checks = flaps.map { $0.at.addingTimeInterval(window) }
        let limit = "more than \(policy.bgpFlapThreshold) in \(describe(window))"
        let draft: ConditionDraft
        if !flapping.isEmpty {
            draft = .isFalse(type, "BGPFlapping", "flapping (\(limit)): \(flapping.joined(separator: ", "))")
        } else if !invalid.isEmpty {
            draft = .unknown(type, "CounterInvalid", "flap counters malformed for \(invalid.joined(separator: ", "))")
        } else if compared == 0 && !neighbors.isEmpty {
            draft = .unknown(type, "BaselineRecorded", "first observation of the flap counters of \(neighbors.count) neighbours; judged from the next one")
        } else {
            let recent = flaps.isEmpty ? "no flaps" : "\(flaps.count) counter rises, none \(limit) for one neighbour"
            draft = .isTrue(type, "Stable", "\(recent) in the last \(describe(window))")
        }
        return BGPStableFinding(draft: draft, counters: SmallMap(counters), flaps: flaps, nextCheck: checks)
    }

    /// How much a counter rose; 0 when it is unknown or went down (restart: new baseline).
    private static func rise(_ old: Int64?, _ new: Int64?) -> Int64 {
        guard let old, let new, new > old else { return 0 }
        return new - old
    }
}
