import Foundation
import ControllerKit
import HealthModel
import Remediation

/// What the health model needs to know about the whole fleet, indexed so that one gateway's
/// inputs are gathered without scanning every pod or switch Agent. Both the controller (kept up
/// to date from the informers) and the one-shot `check` (filled from lists) read it.
///
/// A gateway is keyed by its GatewayAgent's namespace and name (the Gateway shares both), turned
/// into a dense slot (`SlotTable`) once per change: the tables behind it hold slots. Pods live
/// in the gateway namespace and are tied to their gateway by the owning DaemonSet's name.
public struct FleetIndex: Sendable {
    /// A gateway's key and its Gateway and GatewayAgent views (one pointer each, their fields
    /// boxed, shared with the informers' caches), by slot: a slot is taken when either appears
    /// and freed when both are gone. The key is kept beside them (not read from a view's box,
    /// which is elsewhere in memory): a leaf's heartbeat returns the keys of the gateways it
    /// reports on.
    struct GatewayEntry: Sendable {
        var key = ObjectKey(namespace: nil, name: "")
        var gateway: GatewayView?
        var agent: GatewayAgentView?
        /// The reconciler's word that a leaf's heartbeat which changes no evidence cannot move
        /// this gateway's verdict (`noteLeafWord`): such a heartbeat does not report it. False
        /// for a new entry (a gateway never judged counts as affected). Kept here, beside the
        /// key a leaf's heartbeat reads anyway: a set of 10,000 keys beside the reconciler cost
        /// a hash and a lookup in a table that does not stay in the cache, per gateway reported.
        var leafWordIgnored = false

        var isVacant: Bool { gateway == nil && agent == nil }
    }

    private var gateways = SlotTable(vacant: GatewayEntry())
    private var leaves = SlotTable<SwitchAgentView?>(vacant: nil)
    /// gateway name → its pods, sorted by name. A gateway has two (a few more during a roll-out):
    /// a small array, where a dictionary per gateway cost ≈ 1 KB each at 10,000 gateways.
    private var podsByGateway: [String: [PodView]] = [:]
    /// gateway name → gateway slots, and router ID → gateway slots: a pod or a leaf finds its
    /// gateways without a scan.
    private var keysByName: [String: SlotSet] = [:]
    private var keysByRouterID: [String: SlotSet] = [:]
    /// Remote router ID of a session → the slots of the switch Agents reporting it: a gateway's
    /// inputs carry only the Agents that can vouch for it, not the whole fleet's (which would make
    /// every evaluation, and every remediation snapshot holding its inputs, O(fleet)).
    private var switchAgentsByRouterID: [String: SlotSet] = [:]
    /// A session that names no remote router ID (a leaf reports none for a session that is down
    /// after its BGP restarted, see `remoteRouterID(of:)`) is matched by its neighbour address,
    /// the gateway's own address on the link: address → the switch Agents reporting such a
    /// session, and address → the gateways holding it (`spec.interfaces.*.ips`).
    private var switchAgentsByAddress: [String: SlotSet] = [:]
    private var keysByAddress: [String: SlotSet] = [:]
    /// Moves whenever `keysByRouterID` or `keysByAddress` may change (`reindex`): what a
    /// leaf's reported gateways are worked out from, besides its own sessions.
    private var reportGeneration: UInt64 = 0
    /// By leaf slot: the gateway slots the leaf reports on (`gatewaysReported(by:)`) and the
    /// `reportGeneration` they were worked out at. A leaf's heartbeat with the same peers at the
    /// same generation takes them (`reportedSlots`) instead of a dictionary lookup by router ID
    /// per session (tables of 10,000 entries that do not stay in the cache).
    private var leafReports: [LeafReport] = []
    /// Gateway group name (`spec.groups[].name`) → member gateways, for peering changes.
    private var keysByGroup: [String: SlotSet] = [:]
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
    public var gatewayKeys: Set<ObjectKey> { Set(gateways.keys) }

    /// The switch Agents known (a one-shot list's, or the informer's).
    var switchAgentCount: Int { leaves.count }

    struct LeafReport: Sendable {
        /// `.max`: none worked out.
        var generation = UInt64.max
        var slots: [Slot] = []
    }

    /// The key of an occupied gateway slot.
    private func key(at slot: Slot) -> ObjectKey { gateways[slot].key }

    /// The key's gateway slot, taken when it has none.
    private mutating func gatewaySlot(making key: ObjectKey) -> Slot {
        let slot = gateways.slot(making: key)
        if gateways[slot].isVacant { gateways[slot].key = key }
        return slot
    }

    /// The inputs carry the switch Agents reporting a session with the gateway's router ID: the
    /// only ones the liveness rule can use (an established session names the router ID).
    public func inputs(for key: ObjectKey) -> GatewayInputs {
        let pods = podsByGateway[key.name] ?? []
        guard let slot = gateways.slot(of: key) else {
            return GatewayInputs(gateway: nil, agent: nil, pods: pods, switchAgents: [], switchAgentsVisible: switchAgentsVisible,
                                 switchAgentTotal: leaves.count, groupPeers: [])
        }
        let entry = gateways[slot]
        return GatewayInputs(
            gateway: entry.gateway, agent: entry.agent, pods: pods,
            switchAgents: witnesses(of: slot), switchAgentsVisible: switchAgentsVisible, switchAgentTotal: leaves.count,
            groupPeers: groupPeers(of: slot))
    }

    /// The switch Agents reporting a session with the gateway's router ID, by name.
    private func witnesses(of slot: Slot) -> [SwitchAgentView] {
        let found = routerID(at: slot).flatMap { switchAgentsByRouterID[$0] } ?? []
        return found.compactMap { leaves[$0] }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    /// The other members of the gateway's groups that carry a peering (its GatewayAgent's
    /// `spec.peerings` naming a group it is in), each with what its Forwarding is judged from.
    /// Empty, and nothing built, when none does: every gateway is in `default`, whose member list
    /// is the fleet's.
    private func groupPeers(of slot: Slot) -> [GroupPeer] {
        let groups = peeringGroups(at: slot)
        guard !groups.isEmpty else { return [] }
        var peers = Set<Slot>()
        for group in groups { peers.formUnion(members(ofGroup: group)) }
        peers.remove(slot)
        return peers.map { (key: key(at: $0), slot: $0) }
            .sorted { ($0.key.name, $0.key.namespace ?? "") < ($1.key.name, $1.key.namespace ?? "") }
            .map { peer in
                let entry = gateways[peer.slot]
                return GroupPeer(gateway: entry.gateway, agent: entry.agent, switchAgents: witnesses(of: peer.slot))
            }
    }

    /// What the gateway's group peers' heartbeats say at `now`, for the heartbeat advance: the
    /// same as `GroupPeersHeartbeats(inputs(for: key), …)` (the evaluation's reading, §3.11),
    /// read from the members' GatewayAgents alone — no peer inputs built, no set, no sorting
    /// (building the peers' inputs on every quiet heartbeat was the fleet's largest cost).
    public func groupPeersHeartbeats(for key: ObjectKey, policy: HealthPolicy, now: Date) -> GroupPeersHeartbeats {
        guard let slot = gateways.slot(of: key) else { return .none }
        return groupPeersHeartbeats(at: slot, policy: policy, now: now)
    }

    private func groupPeersHeartbeats(at slot: Slot, policy: HealthPolicy, now: Date) -> GroupPeersHeartbeats {
        var result = GroupPeersHeartbeats.none
        // `peeringGroups(at:)` without its sets (this runs on every heartbeat): each group that
        // a peering names, once, when the gateway is in it.
        let peerings = gateways[slot].agent?.peerings ?? []
        for (i, peering) in peerings.enumerated() {
            let group = peering.groupName
            guard !peerings[..<i].contains(where: { $0.groupName == group }) else { continue }
            if group == GatewayGroups.defaultGroup {
                for peer in gateways.occupied where peer != slot {
                    // A member known by its Gateway alone has no heartbeat: judged by nothing here.
                    if let agent = gateways[peer].agent { result.add(peer: agent, policy: policy, now: now) }
                }
            } else {
                // Whether the gateway is in the group, from the group's members (`regroup` keeps
                // them as its Gateway's `spec.groups` say): reading its Gateway's groups was a
                // cache miss on that view on every heartbeat (0.9 % of the operator's samples).
                guard let members = keysByGroup[group], members.contains(slot) else { continue }
                for peer in members where peer != slot {
                    result.add(peer: gateways[peer].agent, policy: policy, now: now)
                }
            }
        }
        return result
    }

    /// The gateway's groups (`spec.groups` and `default`) that one of its GatewayAgent's
    /// `spec.peerings` names.
    private func peeringGroups(at slot: Slot, agent: GatewayAgentView? = nil) -> Set<String> {
        let entry = gateways[slot]
        guard let peerings = (agent ?? entry.agent)?.peerings, !peerings.isEmpty else { return [] }
        let mine = Set((entry.gateway?.groups.map(\.name) ?? []) + [GatewayGroups.defaultGroup])
        return Set(peerings.map(\.groupName)).intersection(mine)
    }

    private func members(ofGroup group: String) -> [Slot] {
        group == GatewayGroups.defaultGroup ? Array(gateways.occupied) : keysByGroup[group].map { Array($0) } ?? []
    }

    /// `key` (at `slot`) and the other members of `groups`: a change of one member's Forwarding
    /// inputs re-judges the others (their PeeringsHealthy and GroupRedundancy read it). `key` is
    /// given, not read from the slot: a gateway just removed has no views left to read it from.
    private func withGroupMates(_ key: ObjectKey, at slot: Slot, _ groups: Set<String>) -> [ObjectKey] {
        guard !groups.isEmpty else { return [key] }
        var mates = Set<Slot>()
        for group in groups { mates.formUnion(members(ofGroup: group)) }
        mates.remove(slot)
        return [key] + mates.map(key(at:))
    }

    /// The switch Agents at the other end of the gateway's BGP sessions: those reporting a session
    /// (any state) whose remote router ID is the gateway's protocol IP, or that names no router ID
    /// and whose neighbour address is one of the gateway's interface addresses. By name.
    private func leaves(of slot: Slot) -> [SwitchAgentView] {
        var found = routerID(at: slot).flatMap { switchAgentsByRouterID[$0] }.map(Array.init) ?? []
        for address in gateways[slot].gateway?.interfaceAddresses ?? [] {
            for agent in switchAgentsByAddress[address] ?? [] where !found.contains(agent) { found.append(agent) }
        }
        return found.compactMap { leaves[$0] }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    /// The leaves at the other end of the gateway's sessions as fault attribution reads them
    /// (docs/remediation.md §2.1): each one's heartbeat and how its sessions with *other*
    /// gateways fare. A session counts as one with another gateway when its router ID (or, with
    /// none, its neighbour address) belongs to a gateway other than this one; sessions with
    /// spines or anything else are not counted. O(the gateway's leaves × their sessions).
    public func leafPeers(for key: ObjectKey) -> [LeafPeer] {
        guard let slot = gateways.slot(of: key) else { return [] }
        return leaves(of: slot).map { leaf in
            var others = 0
            var established = 0
            for session in leaf.sessions {
                let holders = Self.remoteRouterID(of: session).map { keysByRouterID[$0] } ?? keysByAddress[session.neighbor]
                guard let holders, !holders.contains(slot), !holders.isEmpty else { continue }
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
        let slot = gatewaySlot(making: key)
        let old = gateways[slot].gateway
        let oldIP = routerID(at: slot)
        let oldAddresses = old?.interfaceAddresses ?? []
        let oldGroups = old?.groups.map(\.name) ?? []
        let oldMemberships = old?.groups
        let oldPeeringGroups = oldMemberships == gateway.groups ? [] : peeringGroups(at: slot)
        gateways[slot].gateway = gateway
        reindex(slot, name: key.name, oldRouterID: oldIP, oldAddresses: oldAddresses)
        regroup(slot, old: oldGroups, new: gateway.groups.map(\.name))
        // A change of its groups or priorities changes its groups' active member.
        guard oldMemberships != gateway.groups else { return [key] }
        return withGroupMates(key, at: slot, oldPeeringGroups.union(peeringGroups(at: slot)))
    }

    /// The gateways whose Gateway lists `group` in `spec.groups` (not the implicit `default`).
    public func gatewayKeys(inGroup group: String) -> [ObjectKey] {
        keysByGroup[group].map { $0.map(key(at:)) } ?? []
    }

    private mutating func regroup(_ slot: Slot, old: [String], new: [String]) {
        guard old != new else { return }
        for name in old {
            keysByGroup[name]?.remove(slot)
            if keysByGroup[name]?.isEmpty == true { keysByGroup[name] = nil }
        }
        for name in new { keysByGroup[name, default: []].insert(slot) }
    }

    @discardableResult
    public mutating func removeGateway(_ key: ObjectKey) -> [ObjectKey] {
        guard let slot = gateways.slot(of: key) else { return [key] }
        let old = gateways[slot].gateway
        let oldIP = routerID(at: slot)
        let oldAddresses = old?.interfaceAddresses ?? []
        let oldGroups = old?.groups.map(\.name) ?? []
        let oldPeeringGroups = peeringGroups(at: slot)
        gateways[slot].gateway = nil
        reindex(slot, name: key.name, oldRouterID: oldIP, oldAddresses: oldAddresses)
        regroup(slot, old: oldGroups, new: [])
        let changed = withGroupMates(key, at: slot, oldPeeringGroups)
        releaseIfVacant(key, at: slot)
        return changed
    }

    @discardableResult
    public mutating func upsert(agent: GatewayAgentView) -> [ObjectKey] {
        upsertAgent(agent).changed
    }

    /// `upsert(agent:)`, and for a heartbeat of a gateway with peerings what its group peers'
    /// heartbeats say at `now` (`groupPeersHeartbeats`), read at the slot found once.
    /// The update changed only quiet inputs (`HealthEvaluator.changesOnlyQuietInputs`, as
    /// `FleetState.apply(heartbeat:)` is called): its peerings and BGP state are the old
    /// view's, so they are not compared again.
    mutating func upsert(heartbeat agent: GatewayAgentView, policy: HealthPolicy,
                         now: Date) -> (keys: [ObjectKey], groupPeers: GroupPeersHeartbeats?) {
        let (slot, changed) = upsertAgent(agent, forwardingUnchanged: true)
        return (changed, agent.peerings.isEmpty ? nil : groupPeersHeartbeats(at: slot, policy: policy, now: now))
    }

    /// `forwardingUnchanged`: the caller knows the new view's peerings and BGP neighbours are
    /// the old one's (a quiet heartbeat). Comparing the neighbours was a generic `Reading`
    /// comparison per neighbour on every heartbeat of a gateway with peerings.
    private mutating func upsertAgent(_ agent: GatewayAgentView,
                                      forwardingUnchanged: Bool = false) -> (slot: Slot, changed: [ObjectKey]) {
        let key = ObjectKey(namespace: agent.namespace, name: agent.name)
        let slot = gatewaySlot(making: key)
        let old = gateways[slot].agent
        if let old, old.protocolIP == agent.protocolIP {
            // The same router ID: nothing to re-index (one lookup, not six).
            gateways[slot].agent = agent
        } else {
            let oldIP = routerID(at: slot)
            gateways[slot].agent = agent
            reindex(slot, name: key.name, oldRouterID: oldIP, oldAddresses: gateways[slot].gateway?.interfaceAddresses ?? [])
        }
        // Its group mates only when what its Forwarding is judged from (its BGP state) or its
        // peerings changed, or a heartbeat ends a silence (its mates judge a peer whose heartbeat
        // is stale as not forwarding): a heartbeat on time moves none, and costs no more than before.
        guard let old else { return (slot, withGroupMates(key, at: slot, peeringGroups(at: slot))) }
        if old.peerings.isEmpty && agent.peerings.isEmpty { return (slot, [key]) }
        assert(!forwardingUnchanged || (old.peerings == agent.peerings && old.bgpNeighbors == agent.bgpNeighbors),
               "a heartbeat applied as quiet changed its peerings or BGP state")
        guard !forwardingUnchanged && (old.peerings != agent.peerings || old.bgpNeighbors != agent.bgpNeighbors)
                || endsSilence(from: old, to: agent)
        else { return (slot, [key]) }
        return (slot, withGroupMates(key, at: slot, peeringGroups(at: slot, agent: old).union(peeringGroups(at: slot))))
    }

    @discardableResult
    public mutating func removeAgent(_ key: ObjectKey) -> [ObjectKey] {
        guard let slot = gateways.slot(of: key) else { return [key] }
        let oldIP = routerID(at: slot)
        let oldPeeringGroups = peeringGroups(at: slot)
        gateways[slot].agent = nil
        reindex(slot, name: key.name, oldRouterID: oldIP, oldAddresses: gateways[slot].gateway?.interfaceAddresses ?? [])
        let changed = withGroupMates(key, at: slot, oldPeeringGroups)
        releaseIfVacant(key, at: slot)
        return changed
    }

    /// Frees the slot of a gateway with neither view left: `reindex` and `regroup` have taken it
    /// out of every table by then (no name, router ID, addresses or groups), so a gateway that
    /// takes the slot next inherits nothing.
    private mutating func releaseIfVacant(_ key: ObjectKey, at slot: Slot) {
        if gateways[slot].isVacant { gateways.release(key) }
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
        /// Gateways merely reported on by a leaf heartbeat that changed no evidence, but for
        /// those the reconciler has said it cannot move (`noteLeafWord`).
        public var reported: [ObjectKey] = []
        /// Both kinds.
        public var all: Set<ObjectKey> { Set(changed + reported) }
    }

    /// A switch Agent changes the evidence only of the gateways it reports sessions with, by
    /// router ID; both its old and new sessions count (a session that vanished matters too).
    @discardableResult
    public mutating func upsert(switchAgent: SwitchAgentView) -> SwitchAgentEffect {
        let leaf = leaves.slot(making: ObjectKey(namespace: switchAgent.namespace, name: switchAgent.name))
        let old = leaves[leaf]
        leaves[leaf] = switchAgent
        // A leaf's heartbeat: the same sessions with the same peers, nothing to re-index. The
        // watch's reader hands a heartbeat whose sessions read as the cached ones that very
        // array: then they are equal without a look at any session.
        let unchanged = old.map { Self.sameStorage($0.sessions, switchAgent.sessions) } ?? false
        if let old, unchanged || Self.sameSessionPeers(old.sessions, switchAgent.sessions) {
            let reported = reportedSlots(leaf, switchAgent)
            guard unchanged || Self.sameForwardingEvidence(old.sessions, switchAgent.sessions)
            else { return SwitchAgentEffect(changed: withGroupMates(reported)) }
            return SwitchAgentEffect(reported: reported.compactMap { gateways[$0].leafWordIgnored ? nil : key(at: $0) })
        }
        reindexSwitchAgent(leaf, old: old, new: switchAgent)
        setLeafReport(leaf, nil)
        var reported = reportedSlots(leaf, switchAgent)
        if let old { reported = Self.union(reported, gatewaysReported(by: old)) }
        return SwitchAgentEffect(changed: withGroupMates(reported))
    }

    /// `gatewaysReported(by: agent)` for the leaf at `leaf`, whose peers are those it was last
    /// worked out for (`leafReports`: set by the leaf's previous upsert, dropped when its peers
    /// change or it goes): taken when no gateway has been re-indexed since, else worked out and kept.
    private mutating func reportedSlots(_ leaf: Slot, _ agent: SwitchAgentView) -> [Slot] {
        let i = Int(leaf)
        if i < leafReports.count, leafReports[i].generation == reportGeneration { return leafReports[i].slots }
        let slots = gatewaysReported(by: agent)
        setLeafReport(leaf, LeafReport(generation: reportGeneration, slots: slots))
        return slots
    }

    private mutating func setLeafReport(_ leaf: Slot, _ report: LeafReport?) {
        let i = Int(leaf)
        if i >= leafReports.count {
            guard report != nil else { return }
            leafReports.append(contentsOf: repeatElement(LeafReport(), count: i + 1 - leafReports.count))
        }
        leafReports[i] = report ?? LeafReport()
    }

    /// Whether `agent`'s heartbeat comes more than `silenceEndsAfter` after `old`'s (a heartbeat
    /// that appears or starts to parse too: a peer without one is judged by its BGP state alone).
    private func endsSilence(from old: GatewayAgentView, to agent: GatewayAgentView) -> Bool {
        guard let beat = agent.lastHeartbeat.value else { return false }
        guard let before = old.lastHeartbeat.value else { return true }
        return beat.timeIntervalSince(before) > silenceEndsAfter
    }

    /// The gateways and the other members of their peering-carrying groups.
    private func withGroupMates(_ slots: [Slot]) -> [ObjectKey] {
        var all = Set(slots)
        for slot in slots {
            for group in peeringGroups(at: slot) { all.formUnion(members(ofGroup: group)) }
        }
        return all.map(key(at:))
    }

    /// Whether two session lists (with the same peers) give the same Forwarding evidence: each
    /// session's state, whether it is enabled and whether it received prefixes (docs §3.9).
    static func sameForwardingEvidence(_ a: [LeafSessionView], _ b: [LeafSessionView]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard sameState(x.state, y.state), x.enabled == y.enabled,
                  x.receivedPrefixes.map({ $0 > 0 }) == y.receivedPrefixes.map({ $0 > 0 }) else { return false }
        }
        return true
    }

    /// `a == b`, compared here: `Reading`'s derived `==` is generic and looked its metadata up on
    /// every call, four times per leaf heartbeat.
    private static func sameState(_ a: Reading<LeafSessionState>, _ b: Reading<LeafSessionState>) -> Bool {
        switch (a, b) {
        case (.absent, .absent), (.invalid, .invalid): true
        case (.value(let x), .value(let y)): x == y
        default: false
        }
    }

    /// Whether two session lists are one array (so equal): a pointer test.
    static func sameStorage(_ a: [LeafSessionView], _ b: [LeafSessionView]) -> Bool {
        a.count == b.count && a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
    }

    /// The reconciler's word on whether a leaf's heartbeat that changes no Forwarding evidence
    /// can move `key`'s verdict (`GatewayReconciler.noteLeafWord`): `ignored` while the gateway
    /// was last judged with a fresh heartbeat of its own (liveness evidence not needed) and is
    /// not being judged now. Such a heartbeat then leaves it out of `SwitchAgentEffect.reported`.
    /// Read in the same critical section as the leaf's change, so a reconcile that starts after
    /// the word changes back reads the change, and one under way when the change comes made it
    /// count. Forgotten with the gateway's slot (a gateway that comes back counts as affected
    /// until it is judged again, as one never judged).
    public mutating func noteLeafWord(_ key: ObjectKey, ignored: Bool) {
        guard let slot = gateways.slot(of: key) else { return }
        gateways[slot].leafWordIgnored = ignored
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
        guard let leaf = leaves.slot(of: key), let old = leaves[leaf] else { return SwitchAgentEffect() }
        leaves.release(key)
        setLeafReport(leaf, nil)
        reindexSwitchAgent(leaf, old: old, new: nil)
        return SwitchAgentEffect(changed: withGroupMates(gatewaysReported(by: old)))
    }

    /// Replaces the switch Agents wholesale (a one-shot list, or the resource turned out absent).
    public mutating func setSwitchAgents(_ all: [SwitchAgentView], visible: Bool) {
        leaves = SlotTable(vacant: nil)
        leafReports = []
        switchAgentsVisible = visible
        switchAgentsByRouterID = [:]
        switchAgentsByAddress = [:]
        // A key listed twice keeps its last view, as before.
        for agent in all {
            let leaf = leaves.slot(making: ObjectKey(namespace: agent.namespace, name: agent.name))
            leaves[leaf] = agent
        }
        for leaf in leaves.occupied { reindexSwitchAgent(leaf, old: nil, new: leaves[leaf]) }
    }

    private mutating func reindexSwitchAgent(_ leaf: Slot, old: SwitchAgentView?, new: SwitchAgentView?) {
        let before = Set(old?.sessions.compactMap(Self.remoteRouterID(of:)) ?? [])
        let after = Set(new?.sessions.compactMap(Self.remoteRouterID(of:)) ?? [])
        Self.move(leaf, from: before, to: after, in: &switchAgentsByRouterID)
        // Only the sessions without a router ID (down ones, rare) are indexed by address.
        let unnamedBefore = Set(old?.sessions.filter { Self.remoteRouterID(of: $0) == nil }.map(\.neighbor) ?? [])
        let unnamedAfter = Set(new?.sessions.filter { Self.remoteRouterID(of: $0) == nil }.map(\.neighbor) ?? [])
        Self.move(leaf, from: unnamedBefore, to: unnamedAfter, in: &switchAgentsByAddress)
    }

    /// Moves `slot` from the entries of `before` to those of `after`, dropping emptied entries.
    private static func move(_ slot: Slot, from before: Set<String>, to after: Set<String>, in index: inout [String: SlotSet]) {
        guard before != after else { return }
        for entry in before.subtracting(after) {
            index[entry]?.remove(slot)
            if index[entry]?.isEmpty == true { index[entry] = nil }
        }
        for entry in after.subtracting(before) { index[entry, default: []].insert(slot) }
    }

    private func routerID(at slot: Slot) -> String? {
        let entry = gateways[slot]
        return entry.gateway?.protocolIP ?? entry.agent?.protocolIP
    }

    /// Called on every GatewayAgent write (each heartbeat): the steady state allocates nothing.
    private mutating func reindex(_ slot: Slot, name: String, oldRouterID: String?, oldAddresses: [String]) {
        // Not on a GatewayAgent's heartbeat (only when its router ID changes): leaves' reports
        // are worked out again after any other.
        reportGeneration &+= 1
        if gateways[slot].isVacant {
            keysByName[name]?.remove(slot)
            if keysByName[name]?.isEmpty == true { keysByName[name] = nil }
        } else {
            keysByName[name, default: []].insert(slot)
        }
        let newRouterID = routerID(at: slot)
        if let oldRouterID, oldRouterID != newRouterID {
            keysByRouterID[oldRouterID]?.remove(slot)
            if keysByRouterID[oldRouterID]?.isEmpty == true { keysByRouterID[oldRouterID] = nil }
        }
        // Not on a heartbeat: an agent is re-indexed only when its router ID changes.
        if let newRouterID { keysByRouterID[newRouterID, default: []].insert(slot) }
        let addresses = gateways[slot].gateway?.interfaceAddresses ?? []
        if addresses != oldAddresses {
            Self.move(slot, from: Set(oldAddresses), to: Set(addresses), in: &keysByAddress)
        }
    }

    private func keys(forGatewayNamed name: String) -> [ObjectKey] {
        keysByName[name].map { $0.map(key(at:)) } ?? []
    }

    /// The slots of the gateways `agent` reports sessions with (by router ID; a session naming
    /// none by its neighbour address), each once. A few dictionary lookups by a short string
    /// and no set: every leaf heartbeat asks.
    private func gatewaysReported(by agent: SwitchAgentView) -> [Slot] {
        var slots: [Slot] = []
        for session in agent.sessions {
            let found = Self.remoteRouterID(of: session).map { keysByRouterID[$0] } ?? keysByAddress[session.neighbor]
            guard let found else { continue }
            // A leaf's few gateways: a linear look for repeats, no sort (a fabric's leaf peers
            // with a handful; past 32 the repeats are dropped by sorting at the end).
            for slot in found where slots.count >= 32 || !slots.contains(slot) { slots.append(slot) }
        }
        return slots.count > 32 ? Self.union(slots, []) : slots
    }

    /// `a` and `b` sorted, each slot once.
    private static func union(_ a: [Slot], _ b: [Slot]) -> [Slot] {
        var unique: [Slot] = []
        unique.reserveCapacity(a.count + b.count)
        for slot in (a + b).sorted() where unique.last != slot { unique.append(slot) }
        return unique
    }
}
