import Foundation
import KubeAPI

/// Forwarding: the gateway carries traffic — at least one enabled BGP session is established and
/// exchanging IPv4 unicast prefixes, and where fresh leaves report prefix counts for their
/// established session with it, at least one received prefixes from it (docs §3.9). `judge` is
/// the pure verdict, used for the gateway itself and for the other members of its groups.
struct ForwardingRule: HealthRule {
    let condition = ConditionType.forwarding
    let docSection = "§3.9"
    let reasons = ["RoutesExchanged", "NoEstablishedSession", "NoRoutesExchanged", "LeavesHaveNoRoutes",
                   "StateNotReported", "StateNotCollected", "HeartbeatStale"]
    let events = [ConditionEvent(when: "False", .warning, reason: "GatewayNotForwarding"),
                  ConditionEvent(when: "True", from: "False", .normal, reason: "GatewayForwarding")]
    /// The heartbeat and `lastCollectedTime` say whether the BGP state is current.
    let reads: Set<RuleInput> = [.gatewaySpec, .agentHeartbeat, .agentBGP, .agentCounters, .switchAgents]
    // The advance refuses a heartbeat no longer fresh for the same reason and a stalled collector.
    let judgedByHeartbeatAdvance = true

    func evaluate(_ context: inout RuleContext) -> RuleOutcome {
        let inputs = context.inputs
        let draft = Self.judge(agent: inputs.agent, protocolIP: inputs.protocolIP, leaves: inputs.switchAgents,
                               heartbeat: context.heartbeat?.status, policy: context.policy, now: context.now)
        context.forwarding = draft
        guard draft.reason == "RoutesExchanged" || draft.reason == "LeavesHaveNoRoutes" else { return RuleOutcome(draft) }
        let recheck = Self.leafRecheck(protocolIP: inputs.protocolIP, leaves: inputs.switchAgents, policy: context.policy,
                                       now: context.now)
        return RuleOutcome(draft, nextCheck: recheck.map { [$0] } ?? [])
    }

    /// The fresh leaves that report prefix counts for their established session with the gateway
    /// (`protocolIP` is its router ID), with what they received from it and their heartbeat.
    static func leafPrefixCounts(protocolIP: String?, leaves: [SwitchAgentView], policy: HealthPolicy,
                                 now: Date) -> [(name: String, received: Int64, beat: Date)] {
        guard let protocolIP else { return [] }
        var counts: [(name: String, received: Int64, beat: Date)] = []
        for leaf in leaves {
            guard let beat = leaf.lastHeartbeat.value, policy.switchAgentHeartbeatIsFresh(beat, now: now) else { continue }
            let received = leaf.sessions.filter { $0.isEstablished && $0.remoteRouterID == protocolIP }.compactMap(\.receivedPrefixes)
            if !received.isEmpty { counts.append((leaf.name, received.reduce(0, &+), beat)) }
        }
        return counts
    }

    /// When the leaves' word decides the verdict, the first instant at which a leaf going stale
    /// (no new heartbeat: nothing else would re-judge the gateway) would change it — the last leaf
    /// that received prefixes going silent among leaves that received none, or the last leaf that
    /// received none going silent — so the gateway is judged again then. Nil when no leaf's
    /// staleness can change it.
    static func leafRecheck(protocolIP: String?, leaves: [SwitchAgentView], policy: HealthPolicy, now: Date) -> Date? {
        func noRoutes(_ counts: ArraySlice<(name: String, received: Int64, beat: Date)>) -> Bool {
            !counts.isEmpty && counts.allSatisfy { $0.received == 0 }
        }
        let counts = leafPrefixCounts(protocolIP: protocolIP, leaves: leaves, policy: policy, now: now).sorted { $0.beat < $1.beat }
        let verdict = noRoutes(counts[...])
        for k in counts.indices where noRoutes(counts[(k + 1)...]) != verdict {
            return counts[k].beat.addingTimeInterval(policy.switchAgentStaleAfter + 1)
        }
        return nil
    }

    /// The verdict for one gateway. `heartbeat` nil: not judged — a group peer is judged by its
    /// last report and its leaves alone, the inputs whose changes re-queue its group (FleetIndex);
    /// nothing would re-judge the group when its heartbeat merely ages.
    static func judge(agent: GatewayAgentView?, protocolIP: String?, leaves: [SwitchAgentView],
                      heartbeat: HeartbeatFinding.Status?, policy: HealthPolicy, now: Date) -> ConditionDraft {
        let type = ConditionType.forwarding
        guard let agent else { return .unknown(type, "StateNotReported", "no GatewayAgent reports its BGP state") }
        if heartbeat == .stale {
            return .unknown(type, "HeartbeatStale", "the heartbeat is stale: the BGP state last reported is not current")
        }
        let neighbors: [BGPNeighborView]
        switch agent.bgpNeighbors {
        case .absent: return .unknown(type, "StateNotReported", "the GatewayAgent reports no status.state.bgp")
        case .invalid: return .unknown(type, "StateNotReported", "status.state.bgp is malformed")
        case .value(let list): neighbors = list
        }
        if let stalled = StateCollection.notCollected(agent, heartbeatFresh: heartbeat == .fresh, policy: policy) {
            return .unknown(type, StateCollection.reason, stalled)
        }
        let enabled = neighbors.filter { $0.enabled != false }
        let established = enabled.filter { $0.sessionState.value == .established }
        // A malformed neighbour (a problem under status.state.bgp) might be the established one.
        let malformed = agent.problems.filter { $0.path.hasPrefix("status.state.bgp") }.map(\.path)
            + enabled.filter { $0.sessionState.isInvalid }.map { "\($0.address) sessionState" }
        if established.isEmpty && !malformed.isEmpty {
            return .unknown(type, "StateNotReported", "no BGP session is established, but status.state.bgp is malformed at \(malformed.prefix(3).joined(separator: ", "))")
        }
        guard !established.isEmpty else {
            let list = enabled.map { "\($0.address) \($0.sessionState.value?.rawValue ?? "unreported")" }
            return .isFalse(type, "NoEstablishedSession",
                            "no enabled BGP session is established" + (list.isEmpty ? " (none reported)" : ": " + list.joined(separator: ", ")))
        }
        let counted = established.compactMap { n in n.ipv4Prefixes.value.map { (address: n.address, counts: $0) } }
        let exchanging = counted.filter { $0.counts.received > 0 && $0.counts.sent > 0 }
        let countsText = { (list: [(address: String, counts: PrefixCounts)]) in
            list.map { "\($0.address) received \($0.counts.received), sent \($0.counts.sent)" }.joined(separator: "; ")
        }
        if exchanging.isEmpty {
            if counted.count < established.count && established.contains(where: { $0.ipv4Prefixes.isInvalid }) {
                return .unknown(type, "StateNotReported", "no session exchanges prefixes, and ipv4UnicastPrefixes is malformed on some")
            }
            if counted.isEmpty {
                return .unknown(type, "StateNotReported", "\(established.count) BGP sessions established, none reports ipv4UnicastPrefixes")
            }
            return .isFalse(type, "NoRoutesExchanged", "\(established.count) BGP sessions established, none exchanging IPv4 unicast prefixes both ways: \(countsText(counted))")
        }
        // The leaves' side: fresh switch Agents with an established session with this gateway
        // that report prefix counts for it. One without counts is evidence neither way.
        let leafCounts = leafPrefixCounts(protocolIP: protocolIP, leaves: leaves, policy: policy, now: now)
        if !leafCounts.isEmpty && leafCounts.allSatisfy({ $0.received == 0 }) {
            return .isFalse(type, "LeavesHaveNoRoutes", "its BGP sessions exchange prefixes (\(countsText(exchanging))), but every fresh leaf with an established session with it (router ID \(protocolIP ?? "")) received 0 prefixes from it: \(leafCounts.map(\.name).joined(separator: ", "))")
        }
        let leafText = leafCounts.isEmpty ? "no fresh leaf reports prefix counts for its session with it"
            : "leaves that received prefixes from it: " + leafCounts.filter { $0.received > 0 }.map { "\($0.name) (\($0.received))" }.joined(separator: ", ")
        return .isTrue(type, "RoutesExchanged", "\(exchanging.count)/\(established.count) established BGP sessions exchange prefixes (\(countsText(exchanging))); \(leafText)")
    }
}
