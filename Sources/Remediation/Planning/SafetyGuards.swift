import Foundation
import HealthModel
import KubeAPI

/// The fleet-level guards: restarts in flight and group fail-over safety (docs/remediation.md §3).
enum SafetyGuards {
    /// The record's restart in flight, or nil once its replacement pod is Ready (a pod of the same
    /// role with another uid or name) or the in-flight timeout has passed.
    static func activeInFlight(_ record: RemediationRecord, pods: [PodView], policy: RemediationPolicy,
                               now: Date) -> RemediationRecord.InFlight? {
        guard let f = record.inFlight else { return nil }
        if now.timeIntervalSince(f.since) >= policy.inFlightTimeout { return nil }
        let replaced = pods.contains { pod in
            guard pod.role == f.role, GatewayPods.isReady(pod) else { return false }
            if let uid = f.uid, let podUID = pod.uid { return uid != podUID }
            return pod.name != f.pod
        }
        return replaced ? nil : f
    }

    /// Gateways (this one included) with a restart in flight, by their current records.
    static func inFlight(_ fleet: FleetView, policy: RemediationPolicy, now: Date) -> [GatewayKey] {
        fleet.gateways.values.compactMap { snap in
            let pods = GatewayPods(snap).pods
            return activeInFlight(snap.record, pods: pods, policy: policy, now: now) == nil ? nil : snap.key
        }.sorted()
    }

    /// Whether anything shows the gateway still forwarding: a leaf's established session, Ready pods
    /// (when no leaf is visible), or a fresh heartbeat with at least one BGP session established.
    static func stillForwards(_ a: Assessment) -> Bool {
        switch a.evidence.liveness {
        case .switchAgentBGP, .podsRunningReady: true
        case .notNeeded: a.evidence.bgpEstablished > 0
        case .none: false
        }
    }

    /// Whether the assessment's `Forwarding` condition is True: the gateway carries traffic (an
    /// established session exchanging prefixes, the leaves receiving them; health-model.md). A
    /// member that is merely UP — its sessions down, or up with no routes — takes nothing over.
    static func forwards(_ a: Assessment) -> Bool {
        a.condition(ConditionType.forwarding)?.status == "True"
    }

    /// A member the target's peerings can fail over to: UP and Forwarding. An assessment without
    /// a Forwarding condition (a model before it, or its status) is judged as then: UP.
    static func isBackup(_ a: Assessment) -> Bool {
        a.state == .up && (a.condition(ConditionType.forwarding).map { $0.status == "True" } ?? true)
    }

    /// The peering-carrying groups in which `key` is the last member that still forwards, with no
    /// other member UP and Forwarding: taking it down would blackhole those peerings. The target
    /// counts as forwarding when its Forwarding is True or anything else shows it alive
    /// (`stillForwards`): a guard errs on the side of holding.
    static func lastForwardingGroups(_ key: GatewayKey, fleet: FleetView) -> [String] {
        guard let me = fleet.gateways[key], forwards(me.assessment) || stillForwards(me.assessment) else { return [] }
        let guarded = me.groups.intersection(fleet.groupsWithPeerings)
        return guarded.filter { group in
            !fleet.gateways.values.contains { other in
                other.key != key && other.groups.contains(group) && isBackup(other.assessment)
            }
        }.sorted()
    }

    /// The other members of `groups`, each with its state and Forwarding, for the skip message:
    /// `gw-b (UP, Forwarding False NoEstablishedSession)`; at most `namedInMessage`, then "and N more".
    static func otherMembers(of groups: [String], besides key: GatewayKey, fleet: FleetView) -> String {
        let others = fleet.gateways.values.filter { other in
            other.key != key && !other.groups.isDisjoint(with: groups)
        }.sorted { $0.key < $1.key }
        guard !others.isEmpty else { return "it is the only member" }
        let named = others.prefix(FaultAttribution.namedInMessage).map { other in
            let forwarding = other.assessment.condition(ConditionType.forwarding).map { "Forwarding \($0.status) \($0.reason)" } ?? "Forwarding not reported"
            return "\(other.key.name) (\(other.assessment.state.rawValue), \(forwarding))"
        }
        let more = others.count > named.count ? " and \(others.count - named.count) more" : ""
        return "the other members: " + named.joined(separator: ", ") + more
    }
}
