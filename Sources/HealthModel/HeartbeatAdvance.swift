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
        // As `changedInputs(from:).isSubset(of:)`, without building the set on every heartbeat.
        guard let change = agent.advancedChange(from: old) else { return false }
        return (!change.heartbeat || rules.quietInputs.contains(.agentHeartbeat))
            && (!change.counters || rules.quietInputs.contains(.agentCounters))
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
        advance(previous, conditions: QuietConditions(previous.conditions, rules: rules), from: old, to: agent, policy: policy,
                now: now, rules: rules, groupPeers: groupPeers, counterEvidence: counterEvidence, inputsChecked: false)
    }

    /// `advance` for a caller that keeps the previous conditions in another form: `previous`'s
    /// own conditions are not read (they are returned as they are, empty for the reconciler's
    /// kept assessment), `conditions` says what they are. `inputsChecked`: the caller has found
    /// `changesOnlyQuietInputs(from: old, to: agent)` true (the informer's cheap test), so it
    /// is not compared again.
    public static func advance(_ previous: Assessment, conditions: QuietConditions, from old: GatewayAgentView,
                               to agent: GatewayAgentView, policy: HealthPolicy, now: Date, rules: HealthRules = .standard,
                               groupPeers: GroupPeersHeartbeats? = nil, counterEvidence: Bool = true,
                               inputsChecked: Bool) -> Assessment? {
        var next = previous
        return advance(&next, conditions: conditions, from: old, to: agent, policy: policy, now: now, rules: rules,
                       groupPeers: groupPeers, counterEvidence: counterEvidence, inputsChecked: inputsChecked) ? next : nil
    }

    /// `advance` in place: true when `assessment` (the previous one) has been advanced, false
    /// when the gateway must be evaluated, and then `assessment` is as it was (nothing is
    /// written before every check has passed). For a caller that holds the only copy of the
    /// previous assessment (the reconciler's kept one): no copy of it is made, and the
    /// remembered traffic samples take the new values in their own storage.
    public static func advance(_ assessment: inout Assessment, conditions: QuietConditions, from old: GatewayAgentView,
                               to agent: GatewayAgentView, policy: HealthPolicy, now: Date, rules: HealthRules = .standard,
                               groupPeers: GroupPeersHeartbeats? = nil, counterEvidence: Bool = true,
                               inputsChecked: Bool) -> Bool {
        var trafficKeys = TrafficKeysWitness()
        return advance(&assessment, conditions: conditions, from: old, to: agent, policy: policy, now: now, rules: rules,
                       groupPeers: groupPeers, counterEvidence: counterEvidence, inputsChecked: inputsChecked,
                       trafficKeys: &trafficKeys)
    }

    /// The in-place `advance` for a caller that keeps the assessment between heartbeats and,
    /// beside it, `trafficKeys`: which counters the remembered traffic samples' keys were last
    /// found to name (`TrafficKeysWitness`). When it vouches for `old`'s counters, the new
    /// collection's (the same names, `changesOnlyQuietInputs`) are known to be at their places
    /// without reading a key: the key strings of 10,000 gateways' memories do not stay in the
    /// cache, and matching their bytes was most of the traffic shortcut's cost. Updated as the
    /// advance moves the memory (only when it returns true); a new assessment starts with none.
    public static func advance(_ assessment: inout Assessment, conditions: QuietConditions, from old: GatewayAgentView,
                               to agent: GatewayAgentView, policy: HealthPolicy, now: Date, rules: HealthRules = .standard,
                               groupPeers: GroupPeersHeartbeats? = nil, counterEvidence: Bool = true,
                               inputsChecked: Bool, trafficKeys: inout TrafficKeysWitness) -> Bool {
        let now = now.wholeSeconds
        let peersCheck: Date?
        if let groupPeers {
            guard !groupPeers.anyStale else { return false }
            peersCheck = groupPeers.check
        } else {
            guard assessment.groupPeersCheck.map({ $0 > now }) ?? true else { return false }
            peersCheck = assessment.groupPeersCheck
        }
        guard conditions.allTrueAndFresh, isQuiet(memoryOf: assessment), let evaluatedAt = assessment.memory.evaluatedAt,
              evaluatedAt <= now, inputsChecked || changesOnlyQuietInputs(from: old, to: agent, rules: rules),
              case .value(let beat) = agent.lastHeartbeat, case .value(let oldBeat) = old.lastHeartbeat, beat >= oldBeat
        else { return false }
        // The previous memory is read in place (`assessment.memory`): a copy of it was a retain
        // and a release of each of its fields on every heartbeat.
        // Only the heartbeat's check may be pending, or a group peer's going stale (§3.11): the
        // previous `nextCheck` must be the earlier of the old heartbeat's staleness deadline, as
        // the heartbeat rule computes it again from the memory it left, and the peer's instant.
        // A rule may ask for another check while UP and True (Forwarding: a leaf whose going
        // stale would change the verdict, §3.9), and the advance would move that check away.
        let before = HeartbeatRule.evaluate(old, memory: assessment.memory, policy: policy, now: evaluatedAt, prose: false)
        guard let previousCheck = assessment.nextCheck,
              earlier(before.nextCheck.min(), assessment.groupPeersCheck) == previousCheck else { return false }
        let heartbeat = HeartbeatRule.evaluate(agent, memory: assessment.memory, policy: policy, now: now, prose: false)
        // A fresh heartbeat's message is a function of the policy alone, so status and reason
        // decide (a kept assessment carries no condition message but TrafficHealthy's); the
        // previous one was True `HeartbeatFresh` (`allTrueAndFresh`).
        guard heartbeat.status == .fresh, heartbeat.draft.status == "True", heartbeat.draft.reason == "HeartbeatFresh"
        else { return false }
        guard let trafficWas = conditions.traffic else { return false }
        // `trafficSamples` nil: the remembered samples stay, taking the new collection's values
        // in place when `takesQuietSamples` (`TrafficRule.takeQuietSamples`).
        let trafficStamp: String?, trafficSamples: SmallMap<TrafficSample>?, counters: [CounterEvidence]
        var takesQuietSamples = false
        // What `trafficKeys` says once the memory has moved: nil, as it was.
        var keysAfter: TrafficKeysWitness?
        // The remembered samples' keys name the new counters at their places.
        var countersAtPlaces = false
        // `old`'s counters are the ones the keys name, and the new ones have `old`'s names in
        // `old`'s order (the cheap test, which `inputsChecked` or the guard above has passed).
        let keysKnown = trafficKeys.vouches(for: old.counters)
        if !counterEvidence,
           let quiet = TrafficRule.quietCollection(agent, memory: assessment.memory, previous: trafficWas, policy: policy,
                                                   keysKnown: keysKnown) {
            // The counters moved as a quiet gateway's do: the rule's verdict stands, known
            // without running it (`TrafficRule.quietCollection` is non-nil only then).
            (trafficStamp, trafficSamples, counters) = (quiet.stamp, nil, [])
            takesQuietSamples = quiet.movesSamples
            // Every key was matched at its place (or known to be): they name the new counters.
            // (The same collection seen again matched none: the keys name what they named.)
            if quiet.movesSamples || keysKnown {
                keysAfter = TrafficKeysWitness(agent.counters)
                countersAtPlaces = true
            }
        } else {
            // The rule's own samples: other keys, maybe.
            keysAfter = TrafficKeysWitness()
            let traffic = TrafficRule.evaluate(agent, memory: assessment.memory, previous: trafficWas, policy: policy,
                                               withEvidence: counterEvidence)
            guard trafficWas.status == traffic.draft.status, trafficWas.reason == traffic.draft.reason,
                  trafficWas.message == traffic.draft.message
            else { return false }
            (trafficStamp, trafficSamples, counters) = (traffic.stamp, traffic.samples, traffic.evidence)
        }

        // A stalled collector (StateNotCollected, §3.9) and a peering whose traffic stops or
        // starts (PeeringsHealthy, §3.10) change verdicts the two rules above do not judge.
        if StateCollection.notCollected(agent, heartbeatFresh: true, policy: policy) != nil { return false }
        let nextCheck = heartbeat.nextCheck.lazy.filter { $0 > now }.min()
        // The rises move in the memory's own map when they can (`risesAdvance`), once every check has passed.
        var rises: PeeringsHealthyRule.RisesAdvance?
        if !agent.peerings.isEmpty || !assessment.memory.peeringRises.isEmpty {
            guard let nextCheck, let moved = PeeringsHealthyRule.risesAdvance(agent, memory: assessment.memory, policy: policy, now: now,
                                                                          deadline: nextCheck, countersAtPlaces: countersAtPlaces)
            else { return false }
            rises = moved
        }

        // Every check has passed: only now is the assessment written.
        assessment.memory.evaluatedAt = now
        rises?.apply(to: &assessment.memory.peeringRises, now: now)
        assessment.memory.heartbeatKey = heartbeat.memoryKey
        assessment.memory.heartbeatSeenAt = heartbeat.memorySeenAt
        assessment.memory.heartbeatClockOffset = heartbeat.clockOffset
        assessment.memory.trafficStamp = trafficStamp
        if let trafficSamples {
            assessment.memory.traffic = trafficSamples
        } else if takesQuietSamples {
            TrafficRule.takeQuietSamples(agent, into: &assessment.memory.traffic)
        }
        assessment.evidence.heartbeat = heartbeat.stamp
        assessment.evidence.counters = counters
        assessment.groupPeersCheck = peersCheck
        assessment.nextCheck = earlier(nextCheck, peersCheck)
        if let keysAfter { trafficKeys = keysAfter }
        return true
    }

    /// The earlier of two optional instants (nil when both are).
    private static func earlier(_ a: Date?, _ b: Date?) -> Date? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }

    /// UP with every condition True and no timer running: nothing but the heartbeat's staleness
    /// can change the verdict with no new input (the state rule, the pod, generation and flap
    /// rules add a `nextCheck` only while something is wrong or pending; a check another rule
    /// asks for while True makes `advance` refuse, as the previous `nextCheck` is then not the
    /// heartbeat's).
    static func isQuiet(_ assessment: Assessment, rules: HealthRules) -> Bool {
        QuietConditions(assessment.conditions, rules: rules).allTrueAndFresh && isQuiet(memoryOf: assessment)
    }

    /// The part of `isQuiet` outside the conditions: UP, no timer running in the memory.
    static func isQuiet(memoryOf assessment: Assessment) -> Bool {
        // Read in place: no copy of the memory.
        assessment.state == .up
            && assessment.memory.configLagSince == nil && assessment.memory.routingLagSince == nil
            && assessment.memory.podIssueSince.isEmpty && assessment.memory.flaps.isEmpty
            && assessment.memory.restartRises.isEmpty
    }
}

/// What the heartbeat advance reads of the previous assessment's conditions: whether they are
/// the quiet set (Ready and one per rule, every one True, Heartbeat `HeartbeatFresh`), and
/// TrafficHealthy (the traffic rule must say it again, message included). The reconciler keeps
/// its conditions compact and reads these from them without rebuilding the conditions on every
/// heartbeat (`GatewayReconciler.Kept`).
public struct QuietConditions: Sendable, Equatable {
    public var allTrueAndFresh: Bool
    /// The previous TrafficHealthy condition (its status, reason and message are read).
    public var traffic: Condition?

    public init(allTrueAndFresh: Bool, traffic: Condition?) {
        self.allTrueAndFresh = allTrueAndFresh
        self.traffic = traffic
    }

    public init(_ conditions: [Condition], rules: HealthRules) {
        allTrueAndFresh = conditions.count == rules.conditions.count
            && conditions.allSatisfy { $0.status == "True" }
            && conditions.first { $0.type == ConditionType.heartbeat }?.reason == "HeartbeatFresh"
        traffic = conditions.first { $0.type == ConditionType.trafficHealthy }
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
        guard let change = advancedChange(from: old) else { return RuleInput.gatewayAgent }
        var changed: Set<RuleInput> = []
        if change.heartbeat { changed.insert(.agentHeartbeat) }
        if change.counters { changed.insert(.agentCounters) }
        return changed
    }

    /// `changedInputs` as two flags (`agentHeartbeat`, `agentCounters`); nil for any other
    /// difference (every GatewayAgent input). Both views' fields are read in place: the two
    /// inputs compared apart, every other field but `resourceVersion` compared
    /// (`Fields.equalOutsideAdvancedInputs`).
    func advancedChange(from old: GatewayAgentView) -> (heartbeat: Bool, counters: Bool)? {
        if self == old { return (false, false) }
        var heartbeat = false, counters = false
        if fields.lastHeartbeat != old.fields.lastHeartbeat {
            guard case .value = fields.lastHeartbeat, case .value = old.fields.lastHeartbeat else { return nil }
            heartbeat = true
        }
        if fields.lastCollectedTime != old.fields.lastCollectedTime || !sameElements(fields.counters, old.fields.counters) {
            guard fields.counters.count == old.fields.counters.count,
                  zip(fields.counters, old.fields.counters).allSatisfy({ $0.kind == $1.kind && $0.name == $1.name })
            else { return nil }
            counters = true
        }
        return fields.equalOutsideAdvancedInputs(old.fields) ? (heartbeat, counters) : nil
    }
}

/// Which counters the remembered traffic samples' keys (`HealthMemory.traffic`) were last found
/// to name, each at the place the heartbeat advance looks for it (`TrafficRule.quietCollection`):
/// the array of those counters, held, so that its storage identifies them. A view whose counters
/// are that very storage has those names in that order (an array's storage is not written while
/// another array holds it, and it cannot be freed and taken by another while held here), so its
/// counters' samples are at their places without a look at a key. Empty: it vouches for nothing.
/// Kept beside an assessment by a caller that advances it heartbeat after heartbeat (the
/// reconciler's kept assessment); only `HealthEvaluator.advance` sets it, and only as it moves
/// that assessment's memory.
public struct TrafficKeysWitness: Sendable {
    private let counters: [TrafficCounterView]

    /// Vouches for nothing.
    public init() { counters = [] }

    init(_ counters: [TrafficCounterView]) { self.counters = counters }

    /// `counters` is the storage this vouches for (never true for an empty array).
    func vouches(for counters: [TrafficCounterView]) -> Bool {
        !self.counters.isEmpty && self.counters.count == counters.count
            && self.counters.withUnsafeBufferPointer { a in counters.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
    }

    /// It vouches for nothing.
    public var isEmpty: Bool { counters.isEmpty }
}
