import Foundation
import KubeAPI

// A rule runs when its inputs change (docs/health-model.md §8, "A heartbeat that moves no verdict").
//
// Every GatewayAgent heartbeat rewrites the whole status, but in a quiet fleet only three things
// in it move: `lastHeartbeat`, `lastCollectedTime` and the traffic counters. Of the rules, only
// the heartbeat rule reads the first and only the traffic rule the other two; every other rule's
// verdict is a function of fields that did not change. So such an update needs the heartbeat
// rule and the traffic rule — and nothing else — to be run, and when both say what they said
// before, the assessment is the previous one with its volatile memory moved on. That is what
// `advance` computes, exactly as `evaluate` would (a test compares the two), for a fraction of
// the cost and without the reconcile around it.
//
// The inputs each rule reads are spelled out here by hand (`sameOutsideObservations`); once
// every rule declares the inputs it reads (issue 18, "A rule is one unit"), that comparison is
// the union of the declared inputs of the rules other than the heartbeat and traffic rules.

extension HealthEvaluator {
    /// The assessment after a GatewayAgent update from `old` to `agent` that changed nothing but
    /// its heartbeat and its counter collection, or nil when the gateway must be evaluated.
    ///
    /// Non-nil only when all of these hold, each one a condition under which `evaluate` would
    /// return the same verdict, conditions, evidence (but for the heartbeat's value and the
    /// counters) and memory (but for its volatile part):
    /// - `previous` is quiet: UP, every condition True, no timer running (no lag, no pod issue,
    ///   no flap in the window), so its `nextCheck` is its heartbeat's staleness alone;
    /// - the update changed no field any other rule reads (`sameOutsideObservations`), and the
    ///   heartbeat did not go back in time;
    /// - the heartbeat rule still says fresh for the same reason (a clock offset crossing the
    ///   skew tolerance, a stale heartbeat, one from the future all change it);
    /// - the traffic rule, run on the new collection against the remembered one, gives the same
    ///   condition (a drop above the threshold, a counter reset, a new or vanished counter, a
    ///   malformed one all change it). Counters are thus still judged per collection.
    /// The result carries the new heartbeat and counter memory and the moved `nextCheck` (the
    /// new heartbeat's staleness deadline).
    public static func advance(_ previous: Assessment, from old: GatewayAgentView, to agent: GatewayAgentView,
                               policy: HealthPolicy, now: Date) -> Assessment? {
        let now = now.wholeSeconds
        guard isQuiet(previous), let evaluatedAt = previous.memory.evaluatedAt, evaluatedAt <= now,
              agent.sameOutsideObservations(as: old),
              case .value(let beat) = agent.lastHeartbeat, case .value(let oldBeat) = old.lastHeartbeat, beat >= oldBeat
        else { return nil }
        let memory = previous.memory
        let heartbeat = HeartbeatRule.evaluate(agent, memory: memory, policy: policy, now: now)
        // A fresh heartbeat's message is a function of the policy alone, so status and reason
        // decide (a kept assessment carries no condition message but TrafficHealthy's).
        guard heartbeat.status == .fresh, let was = previous.condition(ConditionType.heartbeat),
              was.status == heartbeat.draft.status, was.reason == heartbeat.draft.reason
        else { return nil }
        let traffic = TrafficRule.evaluate(agent, memory: memory, previous: previous.conditions, policy: policy)
        guard let trafficWas = previous.condition(ConditionType.trafficHealthy),
              trafficWas.status == traffic.draft.status, trafficWas.reason == traffic.draft.reason,
              trafficWas.message == traffic.draft.message
        else { return nil }

        // A stalled collector (StateNotCollected, §3.9) and a peering whose traffic stops or
        // starts (PeeringsHealthy, §3.10) change verdicts the two rules above do not judge.
        if StateCollection.notCollected(agent, heartbeatFresh: true, policy: policy) != nil { return nil }
        var rises = memory.peeringRises
        if !agent.peerings.isEmpty || !rises.isEmpty {
            guard let moved = PeeringsHealthyRule.advancedRises(agent, memory: memory, now: now) else { return nil }
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
        next.nextCheck = heartbeat.nextCheck.filter { $0 > now }.min()
        return next
    }

    /// UP with every condition True and no timer running: nothing but the heartbeat's staleness
    /// can change the verdict with no new input (the state rule, the pod, generation and flap
    /// rules add a `nextCheck` only while something is wrong or pending).
    static func isQuiet(_ assessment: Assessment) -> Bool {
        let m = assessment.memory
        return assessment.state == .up
            && assessment.conditions.count == ConditionType.all.count
            && assessment.conditions.allSatisfy { $0.status == "True" }
            && assessment.condition(ConditionType.heartbeat)?.reason == "HeartbeatFresh"
            && m.configLagSince == nil && m.routingLagSince == nil && m.podIssueSince.isEmpty && m.flaps.isEmpty
    }
}

extension GatewayAgentView {
    /// True when `self` and `other` agree on every field a rule other than the heartbeat and
    /// traffic rules reads (the verdict-relevant fingerprint of a GatewayAgent): they may differ
    /// only in `resourceVersion`, a parseable `lastHeartbeat`, `lastCollectedTime` and the
    /// counters' values. A heartbeat that does not parse, an unreadable object, a new problem,
    /// a changed generation, applied generation, BGP neighbour or counter list all differ.
    public func sameOutsideObservations(as other: GatewayAgentView) -> Bool {
        if self == other { return true }
        return name == other.name && namespace == other.namespace && uid == other.uid
            && unreadable == nil && other.unreadable == nil
            && lastHeartbeatText == nil && other.lastHeartbeatText == nil
            && generation == other.generation && creationTime == other.creationTime
            && specChangeTime == other.specChangeTime && protocolIP == other.protocolIP
            && expectedNeighbors == other.expectedNeighbors && peerings == other.peerings
            && hasStatus == other.hasStatus && hasState == other.hasState
            && lastAppliedGen == other.lastAppliedGen && lastAppliedTime == other.lastAppliedTime
            && agentVersion == other.agentVersion && frrAppliedGen == other.frrAppliedGen
            && bgpNeighbors == other.bgpNeighbors && problems == other.problems
            && counters.count == other.counters.count
            && zip(counters, other.counters).allSatisfy { $0.kind == $1.kind && $0.name == $1.name }
    }
}
