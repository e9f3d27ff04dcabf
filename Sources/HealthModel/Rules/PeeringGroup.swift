import Foundation

/// What the heartbeats of a gateway's group peers say (see `PeeringGroup.peersHeartbeats`).
public struct GroupPeersHeartbeats: Sendable, Equatable {
    /// One of them is stale (it counts as not forwarding, §3.11).
    public var anyStale: Bool
    /// When the first fresh one goes stale.
    public var check: Date?

    /// What the heartbeats of the group peers in `inputs` say at `now` (`PeeringGroup.peersHeartbeats`).
    public init(_ inputs: GatewayInputs, policy: HealthPolicy, now: Date) {
        self = PeeringGroup.peersHeartbeats(inputs, policy: policy, now: now)
    }

    init(anyStale: Bool, check: Date?) {
        self.anyStale = anyStale
        self.check = check
    }

    /// Nothing read yet: no peer stale, no check.
    public static let none = GroupPeersHeartbeats(anyStale: false, check: nil)

    /// Adds one group peer, by its GatewayAgent (`PeeringGroup.peerHeartbeat`). The result does
    /// not depend on the order the peers are added in, nor on a peer added twice: the fleet
    /// index adds the members of the gateway's peering-carrying groups as it finds them,
    /// without building the peers' inputs (`FleetIndex.groupPeersHeartbeats`).
    public mutating func add(peer agent: GatewayAgentView?, policy: HealthPolicy, now: Date) {
        let beat = PeeringGroup.peerHeartbeat(agent, policy: policy, now: now)
        if beat.stale { anyStale = true }
        if let peerCheck = beat.check { check = min(check ?? peerCheck, peerCheck) }
    }
}

/// One of the gateway's groups that carries a peering, with each member's Forwarding: what
/// PeeringsHealthy (the active member) and GroupRedundancy read (docs §3.10, §3.11).
struct PeeringGroup: Sendable {
    struct Member: Sendable {
        var name: String
        var priority: Int64
        var forwarding: ConditionDraft
        var isSelf: Bool
        /// Its heartbeat is stale: it counts as not forwarding, whatever its last report says
        /// (its Forwarding is then Unknown `HeartbeatStale`).
        var heartbeatStale = false

        /// Whether it may be forwarding: neither judged not forwarding nor silent. Fewer than 2
        /// such members in a group is RedundancyLost for certain.
        var mayForward: Bool { forwarding.status != "False" && !heartbeatStale }
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
        var peerForwarding: [String: (draft: ConditionDraft, stale: Bool)] = [:]
        var groups: [PeeringGroup] = []
        var peersCheck: Date?
        for name in Set(expected.map(\.groupName)).sorted() {
            var members = [Member(name: inputs.gatewayName, priority: mine[name] ?? 0, forwarding: me, isSelf: true,
                              heartbeatStale: context.heartbeat?.status == .stale)]
            for (peer, priority) in peers(of: name, inputs) {
                let forwarding: (draft: ConditionDraft, stale: Bool)
                if let known = peerForwarding[peer.name] {
                    forwarding = known
                } else {
                    let beat = peerHeartbeat(peer.agent, policy: context.policy, now: context.now)
                    if let check = beat.check { peersCheck = min(peersCheck ?? check, check) }
                    forwarding = (ForwardingRule.judge(agent: peer.agent, protocolIP: peer.protocolIP, leaves: peer.switchAgents,
                                                       heartbeat: beat.stale ? .stale : nil, policy: context.policy, now: context.now),
                                  beat.stale)
                }
                peerForwarding[peer.name] = forwarding
                members.append(Member(name: peer.name, priority: priority, forwarding: forwarding.draft, isSelf: false,
                                      heartbeatStale: forwarding.stale))
            }
            groups.append(PeeringGroup(name: name, members: members, peerings: expected.filter { $0.groupName == name }.map(\.name)))
        }
        context.peeringGroups = groups
        context.groupPeersCheck = peersCheck
        return groups
    }

    /// The other members of group `name`, by name, with their priority in it.
    static func peers(of name: String, _ inputs: GatewayInputs) -> [(GroupPeer, Int64)] {
        inputs.groupPeers.sorted(by: { $0.name < $1.name }).compactMap { peer in
            guard peer.name != inputs.gatewayName else { return nil }
            let priority = name == "default" ? (memberships(peer.gateway)["default"] ?? 0)
                : peer.gateway?.groups.first { $0.name == name }.map { $0.priority ?? 0 }
            return priority.map { (peer, $0) }
        }
    }

    /// What the heartbeats of the gateway's group peers say at `now`, as `groups` judges them:
    /// whether one is stale, and when the first fresh one goes stale (`groupPeersCheck`). The
    /// heartbeat advance asks it so that a quiet gateway's peers, heartbeating as usual, move
    /// that check on without an evaluation (`HealthEvaluator.advance`).
    static func peersHeartbeats(_ inputs: GatewayInputs, policy: HealthPolicy, now: Date) -> GroupPeersHeartbeats {
        var result = GroupPeersHeartbeats.none
        for name in Set(expectedPeerings(inputs).map(\.groupName)) {
            for (peer, _) in peers(of: name, inputs) { result.add(peer: peer.agent, policy: policy, now: now) }
        }
        return result
    }

    /// A group peer's heartbeat, judged by its stamp on the operator's clock (the peer's own
    /// evaluation corrects a skewed clock with what it remembers; its group mates remember
    /// nothing of it): stale more than `heartbeatStaleAfter` after the stamp, as the heartbeat
    /// rule says (§3.2). A fresh one's `check` is the instant it goes stale, which the members'
    /// `nextCheck` carries: no new object arrives when a peer falls silent. A peer with no
    /// parseable heartbeat is judged by its last report alone (its BGP state).
    static func peerHeartbeat(_ agent: GatewayAgentView?, policy: HealthPolicy, now: Date) -> (stale: Bool, check: Date?) {
        guard let beat = agent?.lastHeartbeat.value else { return (false, nil) }
        let staleAt = beat.addingTimeInterval(policy.heartbeatStaleAfter)
        return now > staleAt ? (true, nil) : (false, staleAt.addingTimeInterval(1))
    }

    /// `gw-1 True, gw-2 False (NoEstablishedSession)`.
    var membersText: String {
        members.map { m in m.forwarding.status == "True" ? "\(m.name) True" : "\(m.name) \(m.forwarding.status) (\(m.forwarding.reason))" }
            .joined(separator: ", ")
    }
}
