import Foundation

/// One of the gateway's groups that carries a peering, with each member's Forwarding: what
/// PeeringsHealthy (the active member) and GroupRedundancy read (docs §3.10, §3.11).
struct PeeringGroup: Sendable {
    struct Member: Sendable {
        var name: String
        var priority: Int64
        var forwarding: ConditionDraft
        var isSelf: Bool
    }

    var name: String
    /// The gateway itself first, then the other members by name.
    var members: [Member]
    /// Its peerings (names), for messages.
    var peerings: [String]

    /// The member the leaves send the group's traffic to: the largest priority among those whose
    /// Forwarding is True, ties to the alphabetically first name. Unknown does not count.
    var active: Member? {
        members.filter { $0.forwarding.status == "True" }
            .min { ($0.priority, $1.name) > ($1.priority, $0.name) }
    }

    var forwardingCount: Int { members.filter { $0.forwarding.status == "True" }.count }

    /// The groups the gateway is in: `spec.groups` (with their priority) and always `default`
    /// (priority 0 unless listed).
    static func memberships(_ gateway: GatewayView?) -> [String: Int64] {
        var out: [String: Int64] = ["default": 0]
        for g in gateway?.groups ?? [] { out[g.name] = g.priority ?? 0 }
        return out
    }

    /// The peerings the gateway should carry: its GatewayAgent's `spec.peerings` whose group it is in.
    static func expectedPeerings(_ inputs: GatewayInputs) -> [PeeringSpecView] {
        let mine = memberships(inputs.gateway)
        return (inputs.agent?.peerings ?? []).filter { mine[$0.groupName] != nil }
    }

    /// Worked out once per evaluation; needs the gateway's own Forwarding.
    static func groups(_ context: inout RuleContext) -> [PeeringGroup] {
        if let known = context.peeringGroups { return known }
        let inputs = context.inputs
        let me = context.forwarding ?? ForwardingRule.judge(
            agent: inputs.agent, protocolIP: inputs.protocolIP, leaves: inputs.switchAgents,
            heartbeat: context.heartbeat?.status, policy: context.policy, now: context.now)
        let mine = memberships(inputs.gateway)
        let expected = expectedPeerings(inputs)
        var peerForwarding: [String: ConditionDraft] = [:]
        var groups: [PeeringGroup] = []
        for name in Set(expected.map(\.groupName)).sorted() {
            var members = [Member(name: inputs.gatewayName, priority: mine[name] ?? 0, forwarding: me, isSelf: true)]
            for peer in inputs.groupPeers.sorted(by: { $0.name < $1.name }) where peer.name != inputs.gatewayName {
                let priority = name == "default" ? (memberships(peer.gateway)["default"] ?? 0) : peer.gateway?.groups.first { $0.name == name }.map { $0.priority ?? 0 }
                guard let priority else { continue }
                let forwarding = peerForwarding[peer.name] ?? ForwardingRule.judge(
                    agent: peer.agent, protocolIP: peer.protocolIP, leaves: peer.switchAgents,
                    heartbeat: nil,
                    policy: context.policy, now: context.now)
                peerForwarding[peer.name] = forwarding
                members.append(Member(name: peer.name, priority: priority, forwarding: forwarding, isSelf: false))
            }
            groups.append(PeeringGroup(name: name, members: members, peerings: expected.filter { $0.groupName == name }.map(\.name)))
        }
        context.peeringGroups = groups
        return groups
    }

    /// `gw-1 True, gw-2 False (NoEstablishedSession)`.
    var membersText: String {
        members.map { m in m.forwarding.status == "True" ? "\(m.name) True" : "\(m.name) \(m.forwarding.status) (\(m.forwarding.reason))" }
            .joined(separator: ", ")
    }
}
