import Foundation
import ControllerKit
import HealthModel
import Remediation

/// What the health model needs to know about the whole fleet, indexed so that one gateway's
/// inputs are gathered without scanning every pod or switch Agent. Both the controller (kept up
/// to date from the informers) and the one-shot `check` (filled from lists) read it.
///
/// A gateway is keyed by its GatewayAgent's namespace and name (the Gateway shares both). Pods live
/// in the gateway namespace and are tied to their gateway by the owning DaemonSet's name.
public struct FleetIndex: Sendable {
    /// The views are one pointer each (their fields are boxed), shared with the informers' caches.
    private var gateways: [ObjectKey: GatewayView] = [:]
    private var agents: [ObjectKey: GatewayAgentView] = [:]
    public private(set) var switchAgents: [ObjectKey: SwitchAgentView] = [:]
    /// gateway name → its pods, sorted by name. A gateway has two (a few more during a roll-out):
    /// a small array, where a dictionary per gateway cost ≈ 1 KB each at 10,000 gateways.
    private var podsByGateway: [String: [PodView]] = [:]
    /// gateway name → keys, and router ID → keys: a pod or a leaf finds its gateways without a scan.
    private var keysByName: [String: SmallSet<ObjectKey>] = [:]
    private var keysByRouterID: [String: SmallSet<ObjectKey>] = [:]
    /// Remote router ID of a session → the switch Agents reporting it: a gateway's inputs carry
    /// only the Agents that can vouch for it, not the whole fleet's (which would make every
    /// evaluation, and every remediation snapshot holding its inputs, O(fleet)).
    private var switchAgentsByRouterID: [String: SmallSet<ObjectKey>] = [:]
    /// A session that names no remote router ID (a leaf reports none for a session that is down
    /// after its BGP restarted, see `remoteRouterID(of:)`) is matched by its neighbour address,
    /// the gateway's own address on the link: address → the switch Agents reporting such a
    /// session, and address → the gateways holding it (`spec.interfaces.*.ips`).
    private var switchAgentsByAddress: [String: SmallSet<ObjectKey>] = [:]
    private var keysByAddress: [String: SmallSet<ObjectKey>] = [:]
    /// Gateway group name (`spec.groups[].name`) → member gateways, for peering changes.
    private var keysByGroup: [String: SmallSet<ObjectKey>] = [:]
    /// False while the switch Agent resource is absent (no CRD) or unreadable.
    public var switchAgentsVisible = true
    /// A heartbeat stamped more than this after the previous one ends a silence in which the
    /// gateway's group mates may have judged its heartbeat stale (docs §3.11): they are re-judged.
    /// The stale limit less one keepalive interval: the new object may arrive up to an interval
    /// after its stamp. Infinite (never) for a one-shot index.
    public var silenceEndsAfter: Double

    public init(silenceEndsAfter: Double = .infinity) {
        self.silenceEndsAfter = silenceEndsAfter
    }

    /// For the controller: `silenceEndsAfter` from the policy's heartbeat stale limit.
    public init(policy: HealthPolicy) {
        self.init(silenceEndsAfter: max(policy.keepaliveInterval, policy.heartbeatStaleAfter - policy.keepaliveInterval))
    }

    /// Every gateway known by its Gateway or its GatewayAgent.
    public var gatewayKeys: Set<ObjectKey> { Set(gateways.keys).union(agents.keys) }

    /// The inputs carry the switch Agents reporting a session with the gateway's router ID: the
    /// only ones the liveness rule can use (an established session names the router ID).
    public func inputs(for key: ObjectKey) -> GatewayInputs {
        let pods = podsByGateway[key.name] ?? []
        let witnesses = routerID(of: key).flatMap { switchAgentsByRouterID[$0] } ?? []
        let leaves = witnesses.compactMap { switchAgents[$0] }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        return GatewayInputs(
            gateway: gateways[key], agent: agents[key], pods: pods,
            switchAgents: leaves, switchAgentsVisible: switchAgentsVisible, switchAgentTotal: switchAgents.count,
            groupPeers: groupPeers(of: key))
    }

    /// The other members of the gateway's groups that carry a peering (its GatewayAgent's
    /// `spec.peerings` naming a group it is in), each with what its Forwarding is judged from.
    /// Empty, and nothing built, when none does: every gateway is in `default`, whose member list
    /// is the fleet's.
    func groupPeers(of key: ObjectKey) -> [GroupPeer] {
        let groups = peeringGroups(of: key)
        guard !groups.isEmpty else { return [] }
        var peers = Set<ObjectKey>()
        for group in groups { peers.formUnion(members(ofGroup: group)) }
        peers.remove(key)
        return peers.sorted { ($0.name, $0.namespace ?? "") < ($1.name, $1.namespace ?? "") }.map { peer in
            let witnesses = routerID(of: peer).flatMap { switchAgentsByRouterID[$0] } ?? []
            let leaves = witnesses.compactMap { switchAgents[$0] }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
            return GroupPeer(gateway: gateways[peer], agent: agents[peer], switchAgents: leaves)
        }
    }

    /// What the gateway's group peers' heartbeats say at `now`, for the heartbeat advance: the
    /// same as `GroupPeersHeartbeats(inputs(for: key), …)` (the evaluation's reading, §3.11),
    /// read from the members' GatewayAgents alone — no peer inputs built, no set, no sorting
    /// (building the peers' inputs on every quiet heartbeat was the fleet's largest cost).
    public func groupPeersHeartbeats(for key: ObjectKey, policy: HealthPolicy, now: Date) -> GroupPeersHeartbeats {
        var result = GroupPeersHeartbeats.none
        // `peeringGroups(of:)` without its sets (this runs on every heartbeat): each group that
        // a peering names, once, when the gateway is in it.
        let peerings = agents[key]?.peerings ?? []
        let memberships = gateways[key]?.groups ?? []
        for (i, peering) in peerings.enumerated() {
            let group = peering.groupName
            guard !peerings[..<i].contains(where: { $0.groupName == group }),
                  group == GatewayGroups.defaultGroup || memberships.contains(where: { $0.name == group }) else { continue }
            if group == GatewayGroups.defaultGroup {
                for (peer, agent) in agents where peer != key { result.add(peer: agent, policy: policy, now: now) }
                // A member known by its Gateway alone has no heartbeat: judged by nothing here.
            } else {
                for peer in keysByGroup[group] ?? [] where peer != key {
                    result.add(peer: agents[peer], policy: policy, now: now)
                }
            }
        }
        return result
    }

    /// The gateway's groups (`spec.groups` and `default`) that one of its GatewayAgent's
    /// `spec.peerings` names.
    private func peeringGroups(of key: ObjectKey, gateway: GatewayView? = nil, agent: GatewayAgentView? = nil) -> Set<String> {
        guard let peerings = (agent ?? agents[key])?.peerings, !peerings.isEmpty else { return [] }
        let mine = Set(((gateway ?? gateways[key])?.groups.map(\.name) ?? []) + [GatewayGroups.defaultGroup])
        return Set(peerings.map(\.groupName)).intersection(mine)
    }

    private func members(ofGroup group: String) -> [ObjectKey] {
        group == GatewayGroups.defaultGroup ? Array(gatewayKeys) : gatewayKeys(inGroup: group)
    }

    /// `key` and the other members of `groups`: a change of one member's Forwarding inputs
    /// re-judges the others (their PeeringsHealthy and GroupRedundancy read it).
    private func withGroupMates(_ key: ObjectKey, _ groups: Set<String>) -> [ObjectKey] {
        guard !groups.isEmpty else { return [key] }
        var keys = Set([key])
        for group in groups { keys.formUnion(members(ofGroup: group)) }
        return Array(keys)
    }

    /// The switch Agents at the other end of the gateway's BGP sessions: those reporting a session
    /// (any state) whose remote router ID is the gateway's protocol IP, or that names no router ID
    /// and whose neighbour address is one of the gateway's interface addresses. By name.
    private func leaves(of key: ObjectKey) -> [SwitchAgentView] {
        var found = routerID(of: key).flatMap { switchAgentsByRouterID[$0] }.map(Array.init) ?? []
        for address in gateways[key]?.interfaceAddresses ?? [] {
            for agent in switchAgentsByAddress[address] ?? [] where !found.contains(agent) { found.append(agent) }
        }
        return found.compactMap { switchAgents[$0] }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    /// The leaves at the other end of the gateway's sessions as fault attribution reads them
    /// (docs/remediation.md §2.1): each one's heartbeat and how its sessions with *other*
    /// gateways fare. A session counts as one with another gateway when its router ID (or, with
    /// none, its neighbour address) belongs to a gateway other than this one; sessions with
    /// spines or anything else are not counted. O(the gateway's leaves × their sessions).
    public func leafPeers(for key: ObjectKey) -> [LeafPeer] {
        leaves(of: key).map { leaf in
            var others = 0
            var established = 0
            for session in leaf.sessions {
                let holders = Self.remoteRouterID(of: session).map { keysByRouterID[$0] } ?? keysByAddress[session.neighbor]
                guard let holders, !holders.contains(key), !holders.isEmpty else { continue }
                others += 1
                if session.isEstablished { established += 1 }
            }
            return LeafPeer(name: leaf.name, lastHeartbeat: leaf.lastHeartbeat.value,
                            otherGatewaySessions: others, otherGatewaySessionsEstablished: established)
        }
    }

    /// A session's remote router ID, nil when it names none: absent, empty, or `0.0.0.0` (what FRR
    /// reports for a peer it has not heard an OPEN from since its BGP started, e.g. a leaf back
    /// from a reboot whose session with the gateway is still down).
    static func remoteRouterID(of session: LeafSessionView) -> String? {
        guard let id = session.remoteRouterID, !id.isEmpty, id != "0.0.0.0" else { return nil }
        return id
    }

    // MARK: updates; each returns the gateways whose inputs changed.

    @discardableResult
    public mutating func upsert(gateway: GatewayView) -> [ObjectKey] {
        let key = ObjectKey(namespace: gateway.namespace, name: gateway.name)
        let oldIP = routerID(of: key)
        let oldAddresses = gateways[key]?.interfaceAddresses ?? []
        let oldGroups = gateways[key]?.groups.map(\.name) ?? []
        let oldMemberships = gateways[key]?.groups
        let oldPeeringGroups = oldMemberships == gateway.groups ? [] : peeringGroups(of: key)
        gateways[key] = gateway
        reindex(key, oldRouterID: oldIP, oldAddresses: oldAddresses)
        regroup(key, old: oldGroups, new: gateway.groups.map(\.name))
        // A change of its groups or priorities changes its groups' active member.
        guard oldMemberships != gateway.groups else { return [key] }
        return withGroupMates(key, oldPeeringGroups.union(peeringGroups(of: key)))
    }

    /// The gateways whose Gateway lists `group` in `spec.groups` (not the implicit `default`).
    public func gatewayKeys(inGroup group: String) -> [ObjectKey] {
        keysByGroup[group].map { Array($0) } ?? []
    }

    private mutating func regroup(_ key: ObjectKey, old: [String], new: [String]) {
        guard old != new else { return }
        for name in old {
            keysByGroup[name]?.remove(key)
            if keysByGroup[name]?.isEmpty == true { keysByGroup[name] = nil }
        }
        for name in new { keysByGroup[name, default: []].insert(key) }
    }

    @discardableResult
    public mutating func removeGateway(_ key: ObjectKey) -> [ObjectKey] {
        let oldIP = routerID(of: key)
        let oldAddresses = gateways[key]?.interfaceAddresses ?? []
        let oldGroups = gateways[key]?.groups.map(\.name) ?? []
        let oldPeeringGroups = peeringGroups(of: key)
        gateways[key] = nil
        reindex(key, oldRouterID: oldIP, oldAddresses: oldAddresses)
        regroup(key, old: oldGroups, new: [])
        return withGroupMates(key, oldPeeringGroups)
    }

    @discardableResult
    public mutating func upsert(agent: GatewayAgentView) -> [ObjectKey] {
        let key = ObjectKey(namespace: agent.namespace, name: agent.name)
        let old = agents[key]
        if let old, old.protocolIP == agent.protocolIP {
            // The same router ID: nothing to re-index (one lookup, not six).
            agents[key] = agent
        } else {
            let oldIP = routerID(of: key)
            agents[key] = agent
            reindex(key, oldRouterID: oldIP, oldAddresses: gateways[key]?.interfaceAddresses ?? [])
        }
        // Its group mates only when what its Forwarding is judged from (its BGP state) or its
        // peerings changed, or a heartbeat ends a silence (its mates judge a peer whose heartbeat
        // is stale as not forwarding): a heartbeat on time moves none, and costs no more than before.
        guard let old else { return withGroupMates(key, peeringGroups(of: key)) }
        if old.peerings.isEmpty && agent.peerings.isEmpty { return [key] }
        guard old.peerings != agent.peerings || old.bgpNeighbors != agent.bgpNeighbors || endsSilence(from: old, to: agent)
        else { return [key] }
        return withGroupMates(key, peeringGroups(of: key, agent: old).union(peeringGroups(of: key)))
    }

    @discardableResult
    public mutating func removeAgent(_ key: ObjectKey) -> [ObjectKey] {
        let oldIP = routerID(of: key)
        let oldPeeringGroups = peeringGroups(of: key)
        agents[key] = nil
        reindex(key, oldRouterID: oldIP, oldAddresses: gateways[key]?.interfaceAddresses ?? [])
        return withGroupMates(key, oldPeeringGroups)
    }

    @discardableResult
    public mutating func upsert(pod: PodView) -> [ObjectKey] {
        guard let gateway = pod.gatewayName else { return [] }
        var pods = podsByGateway[gateway, default: []]
        pods.removeAll { $0.namespace == pod.namespace && $0.name == pod.name }
        pods.insert(pod, at: pods.firstIndex { $0.name > pod.name } ?? pods.endIndex)
        podsByGateway[gateway] = pods
        return keys(forGatewayNamed: gateway)
    }

    @discardableResult
    public mutating func remove(pod: PodView) -> [ObjectKey] {
        guard let gateway = pod.gatewayName else { return [] }
        podsByGateway[gateway]?.removeAll { $0.namespace == pod.namespace && $0.name == pod.name }
        if podsByGateway[gateway]?.isEmpty == true { podsByGateway[gateway] = nil }
        return keys(forGatewayNamed: gateway)
    }

    /// The gateways a switch Agent change concerns, in two kinds: a leaf's heartbeat that
    /// changes no Forwarding evidence is liveness evidence only (docs §3.2), which a gateway
    /// needs only while its own heartbeat is not fresh; any other change (a session, its state,
    /// whether it received prefixes, a leaf added or removed) is evidence for Forwarding (§3.9)
    /// and for the group-mates' redundancy (§3.11), so those gateways are judged again.
    public struct SwitchAgentEffect: Sendable, Equatable {
        /// Gateways whose Forwarding evidence changed, with their peering-carrying group mates.
        public var changed: [ObjectKey] = []
        /// Gateways merely reported on by a leaf heartbeat that changed no evidence.
        public var reported: [ObjectKey] = []
        /// Both kinds.
        public var all: Set<ObjectKey> { Set(changed + reported) }
    }

    /// A switch Agent changes the evidence only of the gateways it reports sessions with, by
    /// router ID; both its old and new sessions count (a session that vanished matters too).
    @discardableResult
    public mutating func upsert(switchAgent: SwitchAgentView) -> SwitchAgentEffect {
        let key = ObjectKey(namespace: switchAgent.namespace, name: switchAgent.name)
        let old = switchAgents[key]
        switchAgents[key] = switchAgent
        // A leaf's heartbeat: the same sessions with the same peers, nothing to re-index.
        if let old, Self.sameSessionPeers(old.sessions, switchAgent.sessions) {
            let reported = gatewaysReported(by: [switchAgent])
            return Self.sameForwardingEvidence(old.sessions, switchAgent.sessions)
                ? SwitchAgentEffect(reported: reported) : SwitchAgentEffect(changed: withGroupMates(reported))
        }
        reindexSwitchAgent(key, old: old, new: switchAgent)
        return SwitchAgentEffect(changed: withGroupMates(gatewaysReported(by: [old, switchAgent])))
    }

    /// Whether `agent`'s heartbeat comes more than `silenceEndsAfter` after `old`'s (a heartbeat
    /// that appears or starts to parse too: a peer without one is judged by its BGP state alone).
    private func endsSilence(from old: GatewayAgentView, to agent: GatewayAgentView) -> Bool {
        guard let beat = agent.lastHeartbeat.value else { return false }
        guard let before = old.lastHeartbeat.value else { return true }
        return beat.timeIntervalSince(before) > silenceEndsAfter
    }

    /// The gateways and the other members of their peering-carrying groups.
    private func withGroupMates(_ keys: [ObjectKey]) -> [ObjectKey] {
        var all = Set(keys)
        for key in keys { all.formUnion(withGroupMates(key, peeringGroups(of: key))) }
        return Array(all)
    }

    /// Whether two session lists (with the same peers) give the same Forwarding evidence: each
    /// session's state, whether it is enabled and whether it received prefixes (docs §3.9).
    static func sameForwardingEvidence(_ a: [LeafSessionView], _ b: [LeafSessionView]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard x.state == y.state, x.enabled == y.enabled,
                  x.receivedPrefixes.map({ $0 > 0 }) == y.receivedPrefixes.map({ $0 > 0 }) else { return false }
        }
        return true
    }

    /// Whether two session lists name the same peers in the same order (the router ID, or the
    /// neighbour address of a session that names none): what the indexes by router ID and by
    /// address are built from. Compared without building a set, as every leaf heartbeat asks.
    static func sameSessionPeers(_ a: [LeafSessionView], _ b: [LeafSessionView]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            let id = remoteRouterID(of: x)
            guard id == remoteRouterID(of: y), id != nil || x.neighbor == y.neighbor else { return false }
        }
        return true
    }

    @discardableResult
    public mutating func removeSwitchAgent(_ key: ObjectKey) -> SwitchAgentEffect {
        let old = switchAgents.removeValue(forKey: key)
        reindexSwitchAgent(key, old: old, new: nil)
        return SwitchAgentEffect(changed: withGroupMates(gatewaysReported(by: [old])))
    }

    /// Replaces the switch Agents wholesale (a one-shot list, or the resource turned out absent).
    public mutating func setSwitchAgents(_ all: [SwitchAgentView], visible: Bool) {
        switchAgents = Dictionary(all.map { (ObjectKey(namespace: $0.namespace, name: $0.name), $0) }, uniquingKeysWith: { _, b in b })
        switchAgentsVisible = visible
        switchAgentsByRouterID = [:]
        switchAgentsByAddress = [:]
        for (key, agent) in switchAgents { reindexSwitchAgent(key, old: nil, new: agent) }
    }

    private mutating func reindexSwitchAgent(_ key: ObjectKey, old: SwitchAgentView?, new: SwitchAgentView?) {
        let before = Set(old?.sessions.compactMap(Self.remoteRouterID(of:)) ?? [])
        let after = Set(new?.sessions.compactMap(Self.remoteRouterID(of:)) ?? [])
        Self.move(key, from: before, to: after, in: &switchAgentsByRouterID)
        // Only the sessions without a router ID (down ones, rare) are indexed by address.
        let unnamedBefore = Set(old?.sessions.filter { Self.remoteRouterID(of: $0) == nil }.map(\.neighbor) ?? [])
        let unnamedAfter = Set(new?.sessions.filter { Self.remoteRouterID(of: $0) == nil }.map(\.neighbor) ?? [])
        Self.move(key, from: unnamedBefore, to: unnamedAfter, in: &switchAgentsByAddress)
    }

    /// Moves `key` from the entries of `before` to those of `after`, dropping emptied entries.
    private static func move(_ key: ObjectKey, from before: Set<String>, to after: Set<String>,
                             in index: inout [String: SmallSet<ObjectKey>], one: SmallSet<ObjectKey>? = nil) {
        guard before != after else { return }
        for entry in before.subtracting(after) {
            index[entry]?.remove(key)
            if index[entry]?.isEmpty == true { index[entry] = nil }
        }
        let added = after.subtracting(before)
        guard !added.isEmpty else { return }
        let alone = one ?? [key]
        for entry in added { insert(key, at: entry, in: &index, alone: alone) }
    }

    /// Adds `key` to the entry; a new entry gets `alone` (`[key]`), whose array buffer is then
    /// shared rather than allocated again. A gateway is alone in its entries of the per-name,
    /// router-ID and address tables (≈ 5 one-element sets a gateway, 80 bytes each): they all
    /// share its per-name entry's buffer, and a leaf's new entries share one. A set that later
    /// changes copies it first (an array is copied on write), so the sharing is not observable.
    private static func insert(_ key: ObjectKey, at entry: String, in index: inout [String: SmallSet<ObjectKey>],
                               alone: SmallSet<ObjectKey>) {
        if index[entry] == nil { index[entry] = alone } else { index[entry]!.insert(key) }
    }

    /// `[key]`: the gateway's per-name entry when it holds `key` alone (the usual case), so that
    /// its other entries share that entry's buffer.
    private func alone(_ key: ObjectKey) -> SmallSet<ObjectKey> {
        if let byName = keysByName[key.name], byName.count == 1, byName.contains(key) { return byName }
        return [key]
    }

    private func routerID(of key: ObjectKey) -> String? { gateways[key]?.protocolIP ?? agents[key]?.protocolIP }

    /// Called on every GatewayAgent write (each heartbeat): the steady state allocates nothing.
    private mutating func reindex(_ key: ObjectKey, oldRouterID: String?, oldAddresses: [String]) {
        let known = gateways[key] != nil || agents[key] != nil
        if known { keysByName[key.name, default: []].insert(key) } else { keysByName[key.name]?.remove(key) }
        if keysByName[key.name]?.isEmpty == true { keysByName[key.name] = nil }
        let newRouterID = routerID(of: key)
        if let oldRouterID, oldRouterID != newRouterID {
            keysByRouterID[oldRouterID]?.remove(key)
            if keysByRouterID[oldRouterID]?.isEmpty == true { keysByRouterID[oldRouterID] = nil }
        }
        // Not on a heartbeat: an agent is re-indexed only when its router ID changes.
        let alone = alone(key)
        if let newRouterID { Self.insert(key, at: newRouterID, in: &keysByRouterID, alone: alone) }
        let addresses = gateways[key]?.interfaceAddresses ?? []
        if addresses != oldAddresses {
            Self.move(key, from: Set(oldAddresses), to: Set(addresses), in: &keysByAddress, one: alone)
        }
    }

    private func keys(forGatewayNamed name: String) -> [ObjectKey] {
        keysByName[name].map { Array($0) } ?? []
    }

    private func gatewaysReported(by agents: [SwitchAgentView?]) -> [ObjectKey] {
        var keys = Set<ObjectKey>()
        for agent in agents.compactMap({ $0 }) {
            for session in agent.sessions {
                let found = Self.remoteRouterID(of: session).map { keysByRouterID[$0] } ?? keysByAddress[session.neighbor]
                if let found { keys.formUnion(found) }
            }
        }
        return Array(keys)
    }
}
