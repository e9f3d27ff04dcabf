import Foundation

/// GroupRedundancy: every group of the gateway that carries a peering has at least two members
/// whose Forwarding is True (docs §3.11). It is False only when that is certain: a member whose
/// Forwarding is Unknown (not reported yet, malformed) makes it Unknown instead, so a group coming
/// up raises no RedundancyLost of its own.
struct GroupRedundancyRule: HealthRule {
    let condition = ConditionType.groupRedundancy
    let docSection = "§3.11"
    let reasons = ["Redundant", "NoPeeringGroups", "RedundancyLost", "ForwardingUnknown", "GroupsUnreadable"]
    /// Lost is a change from redundant: a group of one, configured so, raises nothing at first sight.
    let events = [ConditionEvent(when: "False", from: "True", .warning, reason: "RedundancyLost"),
                  ConditionEvent(when: "True", from: "False", .normal, reason: "RedundancyRestored")]
    let reads: Set<RuleInput> = [.gatewaySpec, .agentHeartbeat, .agentBGP, .agentCounters, .switchAgents, .groupPeers]
    // The advance refuses a heartbeat no longer fresh for the same reason and a stalled collector.
    let judgedByHeartbeatAdvance = true

    func evaluate(_ context: inout RuleContext) -> RuleOutcome {
        let type = condition
        guard context.inputs.gateway != nil, context.inputs.agent != nil else {
            let missing = context.inputs.gateway == nil ? "no Gateway: its groups" : "no GatewayAgent: the peerings of its groups"
            return RuleOutcome(.unknown(type, "GroupsUnreadable", "\(missing) are not known"))
        }
        let groups = PeeringGroup.groups(&context)
        guard !groups.isEmpty else {
            return RuleOutcome(.isTrue(type, "NoPeeringGroups", "none of its groups carries a peering"))
        }
        let short = groups.filter { $0.forwardingCount < 2 }
        let describe = { (list: [PeeringGroup]) in
            list.map { g in
                "group \(g.name) (carries \(g.peerings.joined(separator: ", "))): \(g.forwardingCount) of \(g.members.count) members forwarding: \(g.membersText)"
            }.joined(separator: "; ")
        }
        // A member whose heartbeat is stale is not forwarding as far as anyone can tell.
        let lost = short.filter { g in g.members.filter(\.mayForward).count < 2 }
        // A peer falling silent brings no new object: the verdict is looked at again when the
        // first fresh peer's heartbeat would go stale.
        let checks = context.groupPeersCheck.map { [$0] } ?? []
        if !lost.isEmpty {
            return RuleOutcome(.isFalse(type, "RedundancyLost", "fewer than 2 members forwarding in \(describe(lost))"), nextCheck: checks)
        }
        if !short.isEmpty {
            return RuleOutcome(.unknown(type, "ForwardingUnknown", "fewer than 2 members known to forward, the Forwarding of others unknown, in \(describe(short))"),
                               nextCheck: checks)
        }
        let text = groups.map { "\($0.name) \($0.forwardingCount) of \($0.members.count)" }
        return RuleOutcome(.isTrue(type, "Redundant", "every peering-carrying group has at least 2 members forwarding: \(text.joined(separator: ", "))"),
                           nextCheck: checks)
    }
}
