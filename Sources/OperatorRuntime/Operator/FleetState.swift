import ControllerKit
import Foundation
import HealthModel
import Remediation

/// The fleet index behind an actor, fed by the informers' changes. Each `apply` returns the
/// gateway keys whose inputs changed: exactly the keys to enqueue.
public actor FleetState {
    private var index: FleetIndex
    private var facts = RemediationFacts()

    /// - Parameter policy: its heartbeat stale limit says when a heartbeat ends a silence that
    ///   the gateway's group mates judged (`FleetIndex.silenceEndsAfter`).
    public init(policy: HealthPolicy = HealthPolicy()) {
        index = FleetIndex(policy: policy)
    }

    public func inputs(for key: ObjectKey) -> GatewayInputs { index.inputs(for: key) }
    /// What the gateway's group peers' heartbeats say at `now` (for the heartbeat advance).
    public func groupPeersHeartbeats(for key: ObjectKey, policy: HealthPolicy, now: Date) -> GroupPeersHeartbeats {
        GroupPeersHeartbeats(index.heartbeatInputs(for: key), policy: policy, now: now)
    }
    /// The leaves at the other end of the gateway's BGP sessions, for fault attribution.
    public func leafPeers(for key: ObjectKey) -> [LeafPeer] { index.leafPeers(for: key) }
    public var gatewayKeys: Set<ObjectKey> { index.gatewayKeys }
    public var switchAgentsVisible: Bool { index.switchAgentsVisible }

    public func apply(_ change: ObjectChange<GatewayView>) -> [ObjectKey] {
        switch change {
        case .added(_, let view), .updated(_, _, let view): index.upsert(gateway: view)
        case .deleted(let key, _): index.removeGateway(key)
        }
    }

    /// A Gateway change with its pause annotation.
    public func apply(_ change: ObjectChange<AnnotatedGateway>) -> [ObjectKey] {
        switch change {
        case .added(let key, let gateway), .updated(let key, _, let gateway):
            if gateway.paused { facts.pausedGateways.insert(key) } else { facts.pausedGateways.remove(key) }
            return index.upsert(gateway: gateway.view)
        case .deleted(let key, _):
            facts.pausedGateways.remove(key)
            return index.removeGateway(key)
        }
    }

    /// Groups named by a GatewayPeering (`spec.gatewayGroup`, default `default`).
    public var groupsWithPeerings: Set<String> { facts.groupsWithPeerings }

    /// Whether the Gateway carries `gatewaymedic.io/paused: "true"`, and `groupsWithPeerings`,
    /// in one actor hop (a reconcile asks both).
    public func remediationFacts(_ key: ObjectKey) -> (paused: Bool, groupsWithPeerings: Set<String>) {
        (facts.pausedGateways.contains(key), facts.groupsWithPeerings)
    }

    /// A GatewayPeering change (the value is the group it names). Every gateway is re-judged when
    /// the set of groups carrying peerings changes: the group-safety guard reads it.
    public func apply(peering change: ObjectChange<String>) -> [ObjectKey] {
        let changed: [String]
        switch change {
        case .added(let key, let group), .updated(let key, _, let group): changed = facts.setPeering(key, group: group)
        case .deleted(let key, _): changed = facts.setPeering(key, group: nil)
        }
        // Only the members of a group whose peering status changed (every gateway for `default`).
        if changed.contains(GatewayGroups.defaultGroup) { return Array(index.gatewayKeys) }
        return Array(Set(changed.flatMap { index.gatewayKeys(inGroup: $0) }))
    }

    public func apply(_ change: ObjectChange<GatewayAgentView>) -> [ObjectKey] {
        switch change {
        case .added(_, let view), .updated(_, _, let view): index.upsert(agent: view)
        case .deleted(let key, _): index.removeAgent(key)
        }
    }

    public func apply(_ change: ObjectChange<PodView>) -> [ObjectKey] {
        switch change {
        case .added(_, let view): return index.upsert(pod: view)
        case .updated(_, let old, let new):
            // A pod whose owner changed (it should not) is moved, and both gateways re-judged.
            let before = old.gatewayName == new.gatewayName ? [] : index.remove(pod: old)
            return Array(Set(before + index.upsert(pod: new)))
        case .deleted(_, let view): return index.remove(pod: view)
        }
    }

    public func apply(_ change: ObjectChange<SwitchAgentView>) -> FleetIndex.SwitchAgentEffect {
        switch change {
        case .added(_, let view), .updated(_, _, let view): index.upsert(switchAgent: view)
        case .deleted(let key, _): index.removeSwitchAgent(key)
        }
    }

    /// Whether switch Agents can be read at all; a change re-judges every gateway (the liveness
    /// evidence available to all of them changed).
    public func setSwitchAgentsVisible(_ visible: Bool) -> [ObjectKey] {
        guard index.switchAgentsVisible != visible else { return [] }
        index.switchAgentsVisible = visible
        return Array(index.gatewayKeys)
    }
}
