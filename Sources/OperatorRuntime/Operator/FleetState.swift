import ControllerKit
import Foundation
import HealthModel
import Locking
import Remediation

/// The fleet index behind a lock, fed by the informers' changes. Each `apply` returns the
/// gateway keys whose inputs changed: exactly the keys to enqueue. Every call is one short
/// critical section, made synchronously by the informer that applies a change and by the
/// reconciler that reads a gateway's inputs: an actor cost a hop (often a thread wake-up) per
/// heartbeat, a GatewayAgent's and a leaf's alike.
public final class FleetState: Sendable {
    private struct State {
        var index: FleetIndex
        var facts = RemediationFacts()
    }

    private let state: Locked<State>

    /// - Parameter policy: its heartbeat stale limit says when a heartbeat ends a silence that
    ///   the gateway's group mates judged (`FleetIndex.silenceEndsAfter`).
    public init(policy: HealthPolicy = HealthPolicy()) {
        state = Locked(State(index: FleetIndex(policy: policy)))
    }

    public func inputs(for key: ObjectKey) -> GatewayInputs { state.withLock { $0.index.inputs(for: key) } }
    /// What the gateway's group peers' heartbeats say at `now` (for the heartbeat advance).
    public func groupPeersHeartbeats(for key: ObjectKey, policy: HealthPolicy, now: Date) -> GroupPeersHeartbeats {
        state.withLock { $0.index.groupPeersHeartbeats(for: key, policy: policy, now: now) }
    }
    /// The leaves at the other end of the gateway's BGP sessions, for fault attribution.
    public func leafPeers(for key: ObjectKey) -> [LeafPeer] { state.withLock { $0.index.leafPeers(for: key) } }
    public var gatewayKeys: Set<ObjectKey> { state.withLock { $0.index.gatewayKeys } }
    public var switchAgentsVisible: Bool { state.withLock { $0.index.switchAgentsVisible } }

    public func apply(_ change: ObjectChange<GatewayView>) -> [ObjectKey] {
        state.withLock { s in
            switch change {
            case .added(_, let view), .updated(_, _, let view): s.index.upsert(gateway: view)
            case .deleted(let key, _): s.index.removeGateway(key)
            }
        }
    }

    /// A Gateway change with its pause annotation.
    public func apply(_ change: ObjectChange<AnnotatedGateway>) -> [ObjectKey] {
        state.withLock { s in
            switch change {
            case .added(let key, let gateway), .updated(let key, _, let gateway):
                if gateway.paused { s.facts.pausedGateways.insert(key) } else { s.facts.pausedGateways.remove(key) }
                return s.index.upsert(gateway: gateway.view)
            case .deleted(let key, _):
                s.facts.pausedGateways.remove(key)
                return s.index.removeGateway(key)
            }
        }
    }

    /// Groups named by a GatewayPeering (`spec.gatewayGroup`, default `default`).
    public var groupsWithPeerings: Set<String> { state.withLock { $0.facts.groupsWithPeerings } }

    /// Whether the Gateway carries `gatewaymedic.io/paused: "true"`, and `groupsWithPeerings`,
    /// read together (a reconcile asks both).
    public func remediationFacts(_ key: ObjectKey) -> (paused: Bool, groupsWithPeerings: Set<String>) {
        state.withLock { ($0.facts.pausedGateways.contains(key), $0.facts.groupsWithPeerings) }
    }

    /// A GatewayPeering change (the value is the group it names). Every gateway is re-judged when
    /// the set of groups carrying peerings changes: the group-safety guard reads it.
    public func apply(peering change: ObjectChange<String>) -> [ObjectKey] {
        state.withLock { s in
            let changed: [String]
            switch change {
            case .added(let key, let group), .updated(let key, _, let group): changed = s.facts.setPeering(key, group: group)
            case .deleted(let key, _): changed = s.facts.setPeering(key, group: nil)
            }
            // Only the members of a group whose peering status changed (every gateway for `default`).
            if changed.contains(GatewayGroups.defaultGroup) { return Array(s.index.gatewayKeys) }
            return Array(Set(changed.flatMap { s.index.gatewayKeys(inGroup: $0) }))
        }
    }

    public func apply(_ change: ObjectChange<GatewayAgentView>) -> [ObjectKey] {
        state.withLock { s in
            switch change {
            case .added(_, let view), .updated(_, _, let view): s.index.upsert(agent: view)
            case .deleted(let key, _): s.index.removeAgent(key)
            }
        }
    }

    /// A GatewayAgent update that changed only quiet inputs (`HealthEvaluator.changesOnlyQuietInputs`:
    /// a heartbeat), applied, with what the gateway's group peers' heartbeats say at `now` for
    /// its advance (`GatewayReconciler.advance`), read in the same critical section: nil when it
    /// carries no peering (no group peers to read).
    public func apply(heartbeat change: ObjectChange<GatewayAgentView>, policy: HealthPolicy,
                      now: Date) -> (keys: [ObjectKey], groupPeers: GroupPeersHeartbeats?) {
        state.withLock { s in
            switch change {
            case .added(_, let view): return (s.index.upsert(agent: view), nil)
            case .updated(_, _, let view): return s.index.upsert(heartbeat: view, policy: policy, now: now.wholeSeconds)
            case .deleted(let key, _): return (s.index.removeAgent(key), nil)
            }
        }
    }

    public func apply(_ change: ObjectChange<PodView>) -> [ObjectKey] {
        state.withLock { s in
            switch change {
            case .added(_, let view): return s.index.upsert(pod: view)
            case .updated(_, let old, let new):
                // A pod whose owner changed (it should not) is moved, and both gateways re-judged.
                let before = old.gatewayName == new.gatewayName ? [] : s.index.remove(pod: old)
                return Array(Set(before + s.index.upsert(pod: new)))
            case .deleted(_, let view): return s.index.remove(pod: view)
            }
        }
    }

    public func apply(_ change: ObjectChange<SwitchAgentView>) -> FleetIndex.SwitchAgentEffect {
        state.withLock { s in
            switch change {
            case .added(_, let view), .updated(_, _, let view): s.index.upsert(switchAgent: view)
            case .deleted(let key, _): s.index.removeSwitchAgent(key)
            }
        }
    }

    /// The reconciler's word on whether a quiet leaf heartbeat can move `key`'s verdict
    /// (`FleetIndex.noteLeafWord`).
    public func noteLeafWord(_ key: ObjectKey, ignored: Bool) {
        state.withLock { $0.index.noteLeafWord(key, ignored: ignored) }
    }

    /// Whether switch Agents can be read at all; a change re-judges every gateway (the liveness
    /// evidence available to all of them changed).
    public func setSwitchAgentsVisible(_ visible: Bool) -> [ObjectKey] {
        state.withLock { s in
            guard s.index.switchAgentsVisible != visible else { return [] }
            s.index.switchAgentsVisible = visible
            return Array(s.index.gatewayKeys)
        }
    }
}
