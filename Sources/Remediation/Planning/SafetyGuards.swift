import Foundation
import HealthModel

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

    /// The peering-carrying groups in which `key` is the last member that still forwards, with no
    /// other member UP: taking it down would blackhole those peerings.
    static func lastForwardingGroups(_ key: GatewayKey, fleet: FleetView) -> [String] {
        guard let me = fleet.gateways[key], stillForwards(me.assessment) else { return [] }
        let guarded = me.groups.intersection(fleet.groupsWithPeerings)
        return guarded.filter { group in
            !fleet.gateways.values.contains { other in
                other.key != key && other.groups.contains(group) && other.assessment.state == .up
            }
        }.sorted()
    }
}
