import Foundation
import HealthModel
import KubeAPI

/// The words of a ticket: title, summary, the troubleshooting checklist adapted to the fabric,
/// and the kubectl commands that collect more (docs/tickets.md §3).
enum TicketContent {
    static let defaultPodNamespace = "fab"

    static func title(_ incident: TicketIncident, gateway: String) -> String {
        switch incident {
        case .keepaliveFail: "Gateway \(gateway) is KEEPALIVE_FAIL: no heartbeat, data plane still forwarding"
        case .configFail: "Gateway \(gateway) is CONFIG_FAIL: configuration not applied"
        case .down: "Gateway \(gateway) is DOWN: not forwarding"
        case .remediationRefused: "Gateway \(gateway): restarts refused by the API"
        case .remediationHeld: "Gateway \(gateway): every BGP session down, fault not attributed"
        case .remediationExhausted: "Gateway \(gateway): automatic restarts exhausted"
        }
    }

    static func summary(_ incident: TicketIncident, _ a: Assessment, gateway: String, since: Date,
                        record: RemediationRecord) -> String {
        let sinceText = KubeTimeText.format(since)
        let e = a.evidence
        let gens = "applied generation \(e.appliedGeneration.map(String.init) ?? "unknown"), current \(e.currentGeneration.map(String.init) ?? "unknown"), FRR \(e.frrAppliedGeneration.map(String.init) ?? "unknown")"
        let heartbeat = e.heartbeat.map { "the last heartbeat is stamped \($0)" } ?? "no heartbeat reported"
        let now = "It is now \(a.state.rawValue) (\(a.reason)): \(a.message)."
        switch incident {
        case .keepaliveFail:
            return "Since \(sinceText) gateway-medic has not received the expected heartbeats from \(gateway) (\(heartbeat)), but \(e.livenessDetail), so traffic is still forwarded and no restart is attempted. Until the control path between the gateway and the API server is repaired, configuration changes cannot reach it. \(now)"
        case .configFail:
            return "Since \(sinceText) \(gateway) has not applied its configuration within the apply timeout (\(gens)). A restart does not fix a rejected configuration, so none is attempted; the dataplane and FRR logs say why the generation was not applied. \(now)"
        case .down:
            let never = TicketPlanner.downReasonsNeverRestarted.contains(a.reason)
                ? " gateway-medic never restarts a gateway for \(a.reason): the DaemonSet, the scheduler or the node must be looked at."
                : " Restarts (when enabled) have not brought it back; see the remediation Events below."
            return "Since \(sinceText) \(gateway) has been DOWN: nothing shows its data plane forwarding.\(never) \(now)"
        case .remediationRefused:
            let r = record.refusals
            let attempts = r.map { "\($0.count) time(s) since \(KubeTimeText.format($0.since))" } ?? "repeatedly"
            let last = record.lastAction.map { " The last attempt was a \($0.kind) of \($0.pod) at \(KubeTimeText.format($0.at))." } ?? ""
            let quoted = r.map { " The API answered: \"\($0.message)\"." } ?? ""
            let why = r?.forbidden == true
                ? "A restart was forbidden (HTTP 403): gateway-medic's service account may not evict or delete the gateway's pods, so remediation holds until the gateway is UP again."
                : "The API refused to restart \(gateway)'s pods \(attempts) (HTTP 429: a PodDisruptionBudget); gateway-medic tries again after each cooldown, but a person must decide."
            return "\(why)\(last)\(quoted) \(now)"
        case .remediationHeld:
            let down = record.allBGPDownSince.map { " since \(KubeTimeText.format($0))" } ?? ""
            return "Every BGP session of \(gateway) has been down\(down) while its heartbeat is fresh, and no leaf or other gateway shows whether the fault is the gateway's (a stuck FRR) or the fabric's. gateway-medic does not restart frr on a guess; it holds (FaultUnattributed) until the fault is attributed. \(now)"
        case .remediationExhausted:
            let last = record.lastAction.map { " The last action was a \($0.kind) of \($0.pod) at \(KubeTimeText.format($0.at)) (\($0.result.rawValue))." } ?? ""
            return "gateway-medic restarted \(gateway)'s pods \(record.restartTimes.count) time(s) within its budget window and the gateway is still not healthy, so automatic remediation stopped at \(sinceText).\(last) \(now)"
        }
    }

    static func checklist(_ incident: TicketIncident, gateway: String, podNamespace: String) -> [String] {
        var items = [
            "Reachability: from the gateway node \(gateway), check that the Kubernetes API server answers over HTTPS (e.g. `curl -sk https://<api-server>:6443/readyz` on the node); the dataplane reports its heartbeat through it. Check the node itself is Ready.",
            "Security policy: check that the API server (and any load balancer in front of it) accepts connections from the gateway node's address, and that the gateway's service account may still update its GatewayAgent status (RBAC).",
            "Security policy on the gateway: check NetworkPolicies in namespace \(podNamespace) and the node's host firewall still allow traffic to the API server (the dataplane uses host networking).",
            "Firewall and ACLs: make sure no firewall rule or network ACL between the gateway node and the API server (TCP 6443/443) has been added or changed.",
            "Critical services: check that both pods gw--\(gateway)--dataplane-* and gw--\(gateway)--frr-* are Running and Ready, their restart counts and last termination reasons.",
            "Routing: check the BGP sessions on the leaves (`kubectl fabric inspect bgp`) and the gateway's neighbour table below; all expected neighbours should be established.",
        ]
        switch incident {
        case .keepaliveFail:
            items.append("Do not restart the gateway's pods while it forwards: restore the control path first; the state returns to UP with the next heartbeat.")
        case .configFail:
            items.append("Configuration: compare the applied, current and FRR generations below; read the dataplane and FRR logs for the rejected change; review recent changes to the Gateway, GatewayPeerings and VPCs.")
        case .down:
            items.append("DOWN: read the pods' Events and status (`kubectl describe pod`), the DaemonSet gw--\(gateway)--* in \(podNamespace) and the node's conditions: a pod that is missing, not scheduled or not running is the DaemonSet's or the node's problem, not something a restart fixes.")
        case .remediationRefused:
            items.append("Refused restarts: list the PodDisruptionBudgets in \(podNamespace) (`kubectl get pdb -n \(podNamespace)`) that cover the gateway's pods; for a 403, check gateway-medic's RBAC (`kubectl auth can-i create pods/eviction -n \(podNamespace) --as=system:serviceaccount:<operator namespace>:gateway-medic`). Decide whether to restart by hand.")
        case .remediationHeld:
            items.append("Attribute the fault: on the leaves, `kubectl fabric inspect bgp` and their Agents' heartbeats; on the gateway, `vtysh -c 'show bgp summary'` in the frr container. If the leaves are healthy and only this gateway's sessions are down, restarting its frr pod is the usual fix.")
        case .remediationExhausted:
            items.append("Restarts did not help: look for the root cause in the pods' last termination reasons and previous logs before restarting anything by hand.")
        }
        items.append("Fail-over: check the other members of the gateway's groups are UP (`kubectl get gatewayhealths -A`) before any disruptive action.")
        return items
    }

    static func kubectlCommands(gateway: String, namespace: String, podNamespace: String, pods: [String]) -> [String] {
        var commands = [
            "kubectl get gatewayagent \(gateway) -n \(namespace) -o yaml",
            "kubectl get gateway \(gateway) -n \(namespace) -o yaml",
            "kubectl get gatewayhealth \(gateway) -n \(namespace) -o yaml",
            "kubectl get events -n \(namespace) --field-selector involvedObject.name=\(gateway) --sort-by=.lastTimestamp",
            "kubectl get pods -n \(podNamespace) -o wide | grep gw--\(gateway)--",
        ]
        for pod in pods.sorted() {
            commands.append("kubectl describe pod \(pod) -n \(podNamespace)")
            let container = pod.contains("--frr-") ? "frr" : "dataplane"
            commands.append("kubectl logs \(pod) -n \(podNamespace) -c \(container) --since=1h")
            commands.append("kubectl logs \(pod) -n \(podNamespace) -c \(container) --previous")
        }
        commands += [
            "kubectl get node \(gateway) -o wide",
            "kubectl get agents -n \(namespace) -o yaml",
            "kubectl fabric inspect bgp",
            "kubectl get gatewaypeerings -A",
        ]
        return commands
    }

    /// The evidence with every free text scrubbed.
    static func scrubbed(_ evidence: Evidence) -> Evidence {
        var e = evidence
        e.heartbeat = e.heartbeat.map(SecretScrubber.scrub)
        e.livenessDetail = SecretScrubber.scrub(e.livenessDetail)
        e.podsSummary = SecretScrubber.scrub(e.podsSummary)
        e.pods = e.pods.map { p in var p = p; p.detail = p.detail.map(SecretScrubber.scrub); return p }
        e.problems = e.problems.map { FieldProblem(path: SecretScrubber.scrub($0.path), issue: SecretScrubber.scrub($0.issue)) }
        return e
    }
}

extension TicketContent {
    /// A threshold for people: `2 min`, `90 s`, `1 h`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s >= 3600, s % 3600 == 0 { return "\(s / 3600) h" }
        if s >= 60, s % 60 == 0 { return "\(s / 60) min" }
        return "\(s) s"
    }
}

/// RFC 3339 for texts (whole seconds).
enum KubeTimeText {
    static func format(_ date: Date) -> String {
        KubeTime.format(date.wholeSeconds)
    }
}
