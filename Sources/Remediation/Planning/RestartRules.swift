import Foundation
import HealthModel
import KubeAPI

/// Which pod, if any, the rules call for restarting (docs/remediation.md §2). Pure.
enum RestartRules {
    enum Need: Equatable {
        case none
        /// A restart would not help; the message says why (shown as StateNotRemediable).
        case notRemediable(String)
        case restart(role: PodRole, reason: String, message: String)
    }

    /// DOWN reasons that a restart does not address: the DaemonSet is already (re)creating the
    /// pod, or the pod cannot be scheduled or run at all, or there is no GatewayAgent to report to,
    /// or the failed container was restarted and its new process is still within its pod grace or
    /// startup grace (health-model.md §2.6): deleting its pod would only start it over.
    static let downReasonsLeftAlone: Set<String> = ["PodMissing", "PodTerminating", "PodNotRunning", "NeverReported", "AgentMissing",
                                                    "ContainerRestarted", "DataplaneRestarting"]

    /// The need, and the frr rule's timer (when every BGP session was first seen down).
    static func need(_ snapshot: GatewaySnapshot, bgpDownSince: Date?, policy: RemediationPolicy,
                     now: Date) -> (need: Need, bgpDownSince: Date?, nextCheck: Date?) {
        let a = snapshot.assessment
        let e = a.evidence
        let heartbeatFresh = a.condition(ConditionType.heartbeat)?.status == "True"
        let allDown = heartbeatFresh && e.bgpTotal > 0 && e.bgpEstablished == 0
        let downSince = allDown ? min(bgpDownSince ?? now, now) : nil

        switch a.state {
        case .waiting:
            return (.none, downSince, nil)
        case .keepaliveFail:
            return (.notRemediable("\(snapshot.key.name) is KEEPALIVE_FAIL but its data plane is forwarding (\(e.livenessDetail)); a restart would cause the outage it is meant to prevent, so a ticket draft is opened instead"), downSince, nil)
        case .configFail:
            let dataplaneApplied = a.condition(ConditionType.configApplied)?.status == "True"
            if a.reason == "RoutingApplyTimedOut" && dataplaneApplied {
                let gens = "dataplane applied generation \(e.appliedGeneration.map(String.init) ?? "?"), FRR at \(e.frrAppliedGeneration.map(String.init) ?? "?")"
                return (.restart(role: .frr, reason: "FRRRoutingStuck",
                                 message: "RoutingApplied has been False past the apply timeout while the dataplane applied the generation (\(gens))"),
                        downSince, nil)
            }
            return (.notRemediable("\(snapshot.key.name) is CONFIG_FAIL (\(a.reason)): a restart does not fix a rejected configuration, so a ticket draft is opened instead"), downSince, nil)
        case .down:
            if a.reason == "HeartbeatLost" {
                return (.restart(role: .dataplane, reason: "HeartbeatLost",
                                 message: "the heartbeat is stale and nothing shows the data plane alive: \(a.message)"), downSince, nil)
            }
            if downReasonsLeftAlone.contains(a.reason) { return (.none, downSince, nil) }
            let pods = GatewayPods(snapshot)
            if let dp = pods.best(.dataplane), !GatewayPods.isReady(dp) {
                return (.restart(role: .dataplane, reason: "DataplaneNotReady",
                                 message: "the gateway is DOWN (\(a.reason)) with the dataplane pod not ready: \(a.message)"), downSince, nil)
            }
            if let frr = pods.best(.frr), !GatewayPods.isReady(frr) {
                return (.restart(role: .frr, reason: "FRRNotReady",
                                 message: "the gateway is DOWN (\(a.reason)) with the frr pod not ready: \(a.message)"), downSince, nil)
            }
            return (.none, downSince, nil)
        case .up:
            guard let since = downSince else { return (.none, nil, nil) }
            let due = since.addingTimeInterval(policy.bgpDownRestartAfter)
            if now >= due {
                return (.restart(role: .frr, reason: RestartTarget.bgpSessionsDown,
                                 message: "all \(e.bgpTotal) BGP sessions have been down since \(KubeTime.format(since)) while the heartbeat is fresh"),
                        since, nil)
            }
            return (.none, since, due)
        }
    }
}

/// The gateway's pods by role, chosen as the health model does during a roll-out.
struct GatewayPods {
    let pods: [PodView]

    init(_ snapshot: GatewaySnapshot) {
        let name = snapshot.key.name
        pods = snapshot.inputs.pods.filter { $0.gatewayName == nil || $0.gatewayName == name }
    }

    /// Prefers a pod not being deleted, then Running, then more ready containers, then the newest.
    func best(_ role: PodRole) -> PodView? {
        pods.filter { $0.role == role }.max { a, b in
            func rank(_ p: PodView) -> (Int, Int, Int, Double, String) {
                (p.isBeingDeleted ? 0 : 1, p.phase.value == "Running" ? 1 : 0,
                 (p.containers.value ?? []).filter(\.ready).count, p.creationTime?.timeIntervalSince1970 ?? 0, p.name)
            }
            return rank(a) < rank(b)
        }
    }

    /// Running, not being deleted, and every container ready.
    static func isReady(_ pod: PodView) -> Bool {
        guard !pod.isBeingDeleted, pod.phase.value == "Running", let containers = pod.containers.value, !containers.isEmpty else { return false }
        return containers.allSatisfy(\.ready)
    }
}
