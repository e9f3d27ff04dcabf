import Foundation
import KubeAPI

// A rule runs when its inputs change (docs/health-model.md §8, "A heartbeat that moves no verdict").
//
// Every GatewayAgent heartbeat rewrites the whole status, but in a quiet fleet only three things
// in it move: `lastHeartbeat`, `lastCollectedTime` and the traffic counters (RuleInput
// `agentHeartbeat` and `agentCounters`). Which rules read those is declared (`HealthRule.reads`):
// the heartbeat rule and the traffic rule, which `advance` runs itself, and no other (the
// registry derives that as `HealthRules.quietInputs`). Every other rule's verdict is then a
// function of inputs that did not change, so when the two rules say what they said before, the
// assessment is the previous one with its volatile memory moved on. That is what `advance`
// computes, exactly as `evaluate` would (a test compares the two), for a fraction of the cost and
// without the reconcile around it. A rule that declares it reads the heartbeat's value or the
// counters takes them out of `quietInputs`, and such updates are evaluated in full.

extension HealthEvaluator {
    /// The inputs it can re-judge (`HealthRules.quietInputs` keeps those that no rule but one
    /// `judgedByHeartbeatAdvance` reads).
    static let advancedInputs: Set<RuleInput> = [.agentHeartbeat, .agentCounters]

    /// Whether an update from `old` to `agent` changed only inputs a quiet gateway's advance may
    /// skip (`rules.quietInputs`): the cheap test a caller makes before asking `advance`.
    public static func changesOnlyQuietInputs(from old: GatewayAgentView, to agent: GatewayAgentView,
                                              rules: HealthRules = .standard) -> Bool {
        agent.changedInputs(from: old).isSubset(of: rules.quietInputs)
    }

    /// The assessment after a GatewayAgent update from `old` to `agent` that changed nothing but
    /// its heartbeat and its counter collection, or nil when the gateway must be evaluated.
    ///
    /// Non-nil only when all of these hold, each one a condition under which `evaluate` would
    /// return the same verdict, conditions, evidence (but for the heartbeat's value and the
    /// counters) and memory (but for its volatile part):
    /// - `previous` is quiet: UP, every condition True, no timer running (no lag, no pod issue,
    ///   no flap or container restart in its window), so its `nextCheck` is its heartbeat's staleness
    ///   and, in a group carrying a peering, the instant a group peer's heartbeat goes stale
    ///   (`groupPeersCheck`, §3.11), which is still ahead (a peer's silence brings no object);
    /// - the update changed no input but those in `rules.quietInputs` (derived from the rules'
    ///   declared `reads`: no rule but those `judgedByHeartbeatAdvance` reads them), and the
    ///   heartbeat did not go back in time;
    /// - the heartbeat rule still says fresh for the same reason (a clock offset crossing the
    ///   skew tolerance, a stale heartbeat, one from the future all change it);
    /// - the traffic rule, run on the new collection against the remembered one, gives the same
    ///   condition (a drop above the threshold, a counter reset, a new or vanished counter, a
    ///   malformed one all change it). Counters are thus still judged per collection.
    /// The result carries the new heartbeat and counter memory and the moved `nextCheck` (the
    /// new heartbeat's staleness deadline, or the group peers' check when that comes first).
    /// `groupPeers`, what the group peers' heartbeats say now (`PeeringGroup.peersHeartbeats`):
    /// when given, none may be stale and their check moves on with their own heartbeats, as an
    /// evaluation would find it; without it the previous check must still be ahead (a peer's
    /// own heartbeats may have moved its deadline on since: checking at the old one is early,
    /// never late). `counterEvidence: false` leaves the counter evidence (volatile, 3 entries
    /// per peering) empty, for a caller that blanks it anyway.
    public static func advance(_ previous: Assessment, from old: GatewayAgentView, to agent: GatewayAgentView,
                               policy: HealthPolicy, now: Date, rules: HealthRules = .standard,
                               groupPeers: GroupPeersHeartbeats? = nil, counterEvidence: Bool = true) -> Assessment? {
        let now = now.wholeSeconds
        let peersCheck: Date?
        if let groupPeers {
            guard !groupPeers.anyStale else { return nil }
            peersCheck = groupPeers.check
        } else {
            guard previous.groupPeersCheck.map({ $0 > now }) ?? true else { return nil }
            peersCheck = previous.groupPeersCheck
        }
        guard isQuiet(previous, rules: rules), let evaluatedAt = previous.memory.evaluatedAt, evaluatedAt <= now,
              changesOnlyQuietInputs(from: old, to: agent, rules: rules),
              case .value(let beat) = agent.lastHeartbeat, case .value(let oldBeat) = old.lastHeartbeat, beat >= oldBeat
        else { return nil }
        let memory = previous.memory
        // Only the heartbeat's check may be pending, or a group peer's going stale (§3.11): the
        // previous `nextCheck` must be the earlier of the old heartbeat's staleness deadline, as
        // the heartbeat rule computes it again from the memory it left, and the peer's instant.
        // A rule may ask for another check while UP and True (Forwarding: a leaf whose going
        // stale would change the verdict, §3.9), and the advance would move that check away.
        let before = HeartbeatRule.evaluate(old, memory: memory, policy: policy, now: evaluatedAt, prose: false)
        guard previous.nextCheck != nil,
              (before.nextCheck + [previous.groupPeersCheck].compactMap { $0 }).min() == previous.nextCheck else { return nil }
        let heartbeat = HeartbeatRule.evaluate(agent, memory: memory, policy: policy, now: now, prose: false)
        // A fresh heartbeat's message is a function of the policy alone, so status and reason
        // decide (a kept assessment carries no condition message but TrafficHealthy's).
        guard heartbeat.status == .fresh, let was = previous.condition(ConditionType.heartbeat),
              was.status == heartbeat.draft.status, was.reason == heartbeat.draft.reason
        else { return nil }
        let traffic = TrafficRule.evaluate(agent, memory: memory, previous: previous.conditions, policy: policy,
                                           withEvidence: counterEvidence)
        guard let trafficWas = previous.condition(ConditionType.trafficHealthy),
              trafficWas.status == traffic.draft.status, trafficWas.reason == traffic.draft.reason,
              trafficWas.message == traffic.draft.message
        else { return nil }

        // A stalled collector (StateNotCollected, §3.9) and a peering whose traffic stops or
        // starts (PeeringsHealthy, §3.10) change verdicts the two rules above do not judge.
        if StateCollection.notCollected(agent, heartbeatFresh: true, policy: policy) != nil { return nil }
        let nextCheck = heartbeat.nextCheck.filter { $0 > now }.min()
        var rises = memory.peeringRises
        if !agent.peerings.isEmpty || !rises.isEmpty {
            guard let nextCheck, let moved = PeeringsHealthyRule.advancedRises(agent, memory: memory, policy: policy, now: now,
                                                                           deadline: nextCheck)
            else { return nil }
            rises = moved
        }

        var next = previous
        next.memory.evaluatedAt = now
        next.memory.peeringRises = rises
        next.memory.heartbeatKey = heartbeat.memoryKey
        next.memory.heartbeatSeenAt = heartbeat.memorySeenAt
        next.memory.heartbeatClockOffset = heartbeat.clockOffset
        next.memory.trafficStamp = traffic.stamp
        next.memory.traffic = traffic.samples
        next.evidence.heartbeat = heartbeat.stamp
        next.evidence.counters = traffic.evidence
        next.groupPeersCheck = peersCheck
        next.nextCheck = ([nextCheck] + [peersCheck]).compactMap { $0 }.min()
        return next
    }

    /// UP with every condition True and no timer running: nothing but the heartbeat's staleness
    /// can change the verdict with no new input (the state rule, the pod, generation and flap
    /// rules add a `nextCheck` only while something is wrong or pending; a check another rule
    /// asks for while True makes `advance` refuse, as the previous `nextCheck` is then not the
    /// heartbeat's).
    static func isQuiet(_ assessment: Assessment, rules: HealthRules) -> Bool {
        let m = assessment.memory
        return assessment.state == .up
            && assessment.conditions.count == rules.conditions.count
            && assessment.conditions.allSatisfy { $0.status == "True" }
            && assessment.condition(ConditionType.heartbeat)?.reason == "HeartbeatFresh"
            && m.configLagSince == nil && m.routingLagSince == nil && m.podIssueSince.isEmpty && m.flaps.isEmpty
            && m.restartRises.isEmpty
    }
}

extension GatewayAgentView {
    /// The inputs (`RuleInput`) in which `self` differs from `old`, as finely as the heartbeat
    /// skip needs them: a new parseable heartbeat after a parseable one is `agentHeartbeat`; the
    /// same counters with new values or a new `lastCollectedTime` are `agentCounters`;
    /// `resourceVersion` is no input. Any other difference (a heartbeat that appears, vanishes or
    /// does not parse, an unreadable object, a new problem, a changed counter list, any other
    /// field, including one added to the view later) counts as every GatewayAgent input, so it
    /// is evaluated in full.
    public func changedInputs(from old: GatewayAgentView) -> Set<RuleInput> {
        if self == old { return [] }
        let was = old.fields
        var now = fields
        var changed: Set<RuleInput> = []
        if now.lastHeartbeat != was.lastHeartbeat, case .value = now.lastHeartbeat, case .value = was.lastHeartbeat {
            changed.insert(.agentHeartbeat)
            now.lastHeartbeat = was.lastHeartbeat
        }
        if now.lastCollectedTime != was.lastCollectedTime || now.counters != was.counters,
           now.counters.count == was.counters.count,
           zip(now.counters, was.counters).allSatisfy({ $0.kind == $1.kind && $0.name == $1.name }) {
            changed.insert(.agentCounters)
            now.lastCollectedTime = was.lastCollectedTime
            now.counters = was.counters
        }
        now.resourceVersion = was.resourceVersion
        return now == was ? changed : RuleInput.gatewayAgent
    }
}
