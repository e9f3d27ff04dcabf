import ControllerKit
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import Remediation

/// Before a restart is executed, the gateway is judged again from a fresh read of the API: its
/// GatewayAgent and Gateway, the gateway pods and the switch Agents. The cache the plan was made
/// from can be behind the API (a slow or silently stalled watch): a heartbeat that looks stale
/// there may have moved on, a leaf's report of the gateway's BGP session may not have arrived.
/// "Nothing shows the data plane alive" must not be concluded from the absence of news, so the
/// restart is done only if the fresh judgment calls for the same one. Restarts are rare; the
/// reads are cheap next to restarting a gateway that forwards.
public struct LiveRecheck: Sendable {
    public enum Verdict: Sendable, Equatable {
        case confirmed
        /// The fresh judgment calls for no restart, or another one (the message says what it sees).
        case notConfirmed(String)
        /// The reads failed: nothing is restarted on an unconfirmed view.
        case unreadable(String)
    }

    /// What a fresh read gives: the gateway's inputs and the leaves at the other end of its sessions.
    public struct FreshView: Sendable {
        public var inputs: GatewayInputs
        public var leaves: [LeafPeer]

        public init(inputs: GatewayInputs, leaves: [LeafPeer] = []) {
            self.inputs = inputs
            self.leaves = leaves
        }
    }

    private let read: @Sendable (ObjectKey) async throws -> FreshView
    private let health: HealthPolicy
    private let remediation: RemediationPolicy

    public init(client: KubeClient, fabricNamespace: String, gatewayNamespace: String, health: HealthPolicy,
                remediation: RemediationPolicy) {
        self.init(health: health, remediation: remediation) { (key: ObjectKey) in
            try await Self.readView(key, client: client, fabricNamespace: fabricNamespace, gatewayNamespace: gatewayNamespace)
        }
    }

    /// - Parameter read: the gateway's inputs and leaves, read fresh (tests inject their own).
    public init(health: HealthPolicy, remediation: RemediationPolicy,
                read: @escaping @Sendable (ObjectKey) async throws -> FreshView) {
        self.read = read
        self.health = health
        self.remediation = remediation
    }

    /// The same, for a read that finds no leaf at the other end.
    public init(health: HealthPolicy, remediation: RemediationPolicy,
                read: @escaping @Sendable (ObjectKey) async throws -> GatewayInputs) {
        self.init(health: health, remediation: remediation) { (key: ObjectKey) in FreshView(inputs: try await read(key)) }
    }

    /// Whether a fresh read calls for `action` too. `assessment` is the cached one (its memory —
    /// lag and grace timers — carries over); `record` the gateway's record before this plan;
    /// `peers` the other gateways as the plan saw them (fault attribution may fall back on them).
    public func confirm(_ action: RemediationAction, key: ObjectKey, assessment: Assessment,
                        record: RemediationRecord, peers: [GatewaySnapshot] = [], now: Date) async -> Verdict {
        let view: FreshView
        do {
            view = try await read(key)
        } catch {
            return .unreadable("\(type(of: error))" + ((error as? KubeError).map { ": \($0.description)" } ?? ""))
        }
        let inputs = view.inputs
        let fresh = HealthEvaluator.evaluate(inputs, previous: assessment, policy: health, now: now)
        // The guards were passed against the whole fleet already: only the need (with its fault
        // attribution) is asked again. No group rule, and the other gateways without their records
        // (no in-flight count); this one's record before the plan, so budget and cooldown agree.
        let gateway = GatewayKey(namespace: key.namespace ?? "", name: key.name)
        let snapshot = GatewaySnapshot(key: gateway, assessment: fresh, inputs: inputs, record: record, leaves: view.leaves)
        let others = peers.filter { $0.key != gateway }.map { peer in
            var peer = peer
            peer.record = RemediationRecord()
            return peer
        }
        let fleet = FleetView(snapshots: [snapshot] + others, groupsWithPeerings: [], isLeader: true, health: health)
        let plan = RemediationPlanner.plan(gateway: gateway, fleet: fleet, policy: remediation, now: now)
        let wanted = action.target
        if let again = plan.actions.first?.target, again.pod == wanted.pod, again.role == wanted.role, again.reason == wanted.reason {
            return .confirmed
        }
        return .notConfirmed("a fresh read shows \(fresh.state.rawValue) (\(fresh.reason)): \(fresh.message)")
    }

    static func readView(_ key: ObjectKey, client: KubeClient, fabricNamespace: String,
                         gatewayNamespace: String) async throws(KubeError) -> FreshView {
        let namespace = key.namespace ?? fabricNamespace
        var index = FleetIndex()
        // LISTs with a name selector, not GETs: the operator's RBAC grants list and watch only.
        let byName = ListOptions(fieldSelector: "metadata.name=\(key.name)")
        for item in try await client.list(.gatewayAgents, namespace: namespace, options: byName).items {
            index.upsert(agent: GatewayAgentView(json: item))
        }
        // Every Gateway, not just this one: which of a leaf's sessions are with *other* gateways
        // is known by their router IDs and addresses (fault attribution, §2.1).
        for item in try await client.listAll(.gateways, namespace: namespace).items {
            index.upsert(gateway: GatewayView(json: item))
        }
        for item in try await client.listAll(.pods, namespace: gatewayNamespace).items {
            index.upsert(pod: PodView(json: item))
        }
        do {
            let leaves = try await client.listAll(.switchAgents, namespace: namespace).items
            index.setSwitchAgents(leaves.map(SwitchAgentView.init(json:)), visible: true)
        } catch where error.isNotFound || error.isForbidden {
            index.setSwitchAgents([], visible: false)
        }
        return FreshView(inputs: index.inputs(for: key), leaves: index.leafPeers(for: key))
    }
}
