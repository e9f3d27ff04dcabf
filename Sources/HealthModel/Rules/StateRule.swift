import Foundation
import KubeAPI

/// The five states, first match wins (docs §2).
struct Verdict {
    var state: GatewayState
    var reason: String
    var message: String
    var nextCheck: [Date] = []
}

enum StateRule {
    struct Facts {
        var name: String
        var createdAt: Date
        var heartbeat: HeartbeatFinding
        /// No GatewayAgent now, but the previous evaluation saw one (or already said AgentMissing).
        var agentWentAway: Bool = false
        /// The previous evaluation said DOWN: a restart now is part of that incident (§2.2 "One
        /// incident, one DOWN"), not a gateway starting.
        var wasDown: Bool = false
        var initStatus: Bool
        /// The reported `lastHeartbeat` (nil when absent or unparseable).
        var heartbeatAt: Date?
        var dataplaneStartedAt: Date?
        var pods: PodFinding
        var liveness: LivenessFinding
        var config: LagFinding
        var routing: LagFinding
    }

    static func decide(_ f: Facts, policy: HealthPolicy, now: Date) -> Verdict {
        let grace = policy.startupGrace
        let age = now.timeIntervalSince(f.createdAt)
        // §2.2 DOWN AgentMissing first: a GatewayAgent that existed and was deleted is not a
        // gateway still starting, and no pod reason is closer to the cause.
        if f.agentWentAway {
            return Verdict(state: .down, reason: "AgentMissing",
                           message: "GatewayAgent \(f.name) existed and is gone: no GatewayAgent exists for this gateway, so its dataplane has nothing to report to")
        }
        // §2.1 WAITING
        if f.heartbeat.status == .neverReported, age < grace {
            return Verdict(state: .waiting, reason: "AwaitingFirstHeartbeat",
                           message: "\(f.name) has not reported yet; created at \(KubeTime.format(f.createdAt)) (startup grace \(describe(grace)), until \(KubeTime.format(f.createdAt.addingTimeInterval(grace))))",
                           nextCheck: [f.createdAt.addingTimeInterval(grace)])
        }
        // A dataplane that restarted while the gateway was DOWN is part of that incident, not a
        // gateway starting: the WAITING rules are for gateways that are not DOWN (§2.2).
        if !f.wasDown, let restart = restartedDataplane(f, grace: grace, now: now) {
            if restart.initStatus {
                return Verdict(state: .waiting, reason: "DataplaneInitializing",
                               message: "the dataplane reports its init status (lastAppliedGen 0); its container started at \(KubeTime.format(restart.started)) (startup grace \(describe(grace)), until \(KubeTime.format(restart.started.addingTimeInterval(grace))))",
                               nextCheck: [restart.started.addingTimeInterval(grace)])
            }
            // A status written before the dataplane container (re)started is the old process's: until
            // the new one reports, the gateway is starting, not UP on its predecessor's word. (The
            // pod's readiness and the GatewayAgent arrive on separate watches, in either order.)
            if f.pods.down == nil {
                return Verdict(state: .waiting, reason: "DataplaneStarting",
                               message: "the dataplane container started at \(KubeTime.format(restart.started)) and has not reported since: its last heartbeat is from before the restart (startup grace \(describe(grace)), until \(KubeTime.format(restart.started.addingTimeInterval(grace))))",
                               nextCheck: [restart.started.addingTimeInterval(grace)])
            }
        }
        // §2.2 DOWN
        if let down = f.pods.down {
            return Verdict(state: .down, reason: down.reason, message: "a critical service is down: \(down.message)")
        }
        // Recovering from a DOWN: not over until the new process has applied its configuration.
        if f.wasDown, let restart = restartedDataplane(f, grace: grace, now: now) {
            let detail = restart.initStatus ? "it reports its init status (lastAppliedGen 0)"
                : "it has not reported since: its last heartbeat is from before the restart"
            return Verdict(state: .down, reason: "DataplaneRestarting",
                           message: "the gateway was DOWN and its dataplane restarted at \(KubeTime.format(restart.started)); \(detail): DOWN until it applies its configuration (startup grace \(describe(grace)), until \(KubeTime.format(restart.started.addingTimeInterval(grace))))",
                           nextCheck: [restart.started.addingTimeInterval(grace)])
        }
        if f.heartbeat.status == .stale, !f.liveness.alive {
            return Verdict(state: .down, reason: "HeartbeatLost", message: "\(f.heartbeat.draft.message); \(f.liveness.detail)")
        }
        if f.heartbeat.status == .neverReported {
            return Verdict(state: .down, reason: "NeverReported",
                           message: "\(f.heartbeat.draft.message); created at \(KubeTime.format(f.createdAt)), and the startup grace \(describe(grace)) ended at \(KubeTime.format(f.createdAt.addingTimeInterval(grace)))")
        }
        // §2.3 KEEPALIVE_FAIL
        if f.heartbeat.status == .stale {
            return Verdict(state: .keepaliveFail, reason: "KeepaliveMissed",
                           message: "\(f.heartbeat.draft.message), but the data plane is alive: \(f.liveness.detail)")
        }
        // §2.4 CONFIG_FAIL (the heartbeat is fresh here)
        if f.config.timedOut {
            return Verdict(state: .configFail, reason: "ApplyTimedOut", message: f.config.draft.message)
        }
        if f.routing.timedOut {
            return Verdict(state: .configFail, reason: "RoutingApplyTimedOut", message: f.routing.draft.message)
        }
        // §2.5 UP
        return Verdict(state: .up, reason: "Healthy", message: "heartbeat fresh, configuration applied, pods running")
    }

    /// The dataplane container started less than the startup grace ago and its new process has
    /// not applied a configuration yet: it reports its init status, or nothing since its start
    /// (the status is the previous process's). A starting gateway is WAITING then (§2.1); one that
    /// was DOWN stays DOWN (§2.2).
    private static func restartedDataplane(_ f: Facts, grace: TimeInterval, now: Date) -> (started: Date, initStatus: Bool)? {
        guard let started = f.dataplaneStartedAt, now.timeIntervalSince(started) < grace else { return nil }
        if f.initStatus { return (started, true) }
        if let beat = f.heartbeatAt, beat < started { return (started, false) }
        return nil
    }
}

/// The state decision's own declaration (it writes Ready, first in the status, and combines the
/// standard rules' findings): the fields it owns besides the rules' (`HealthRules.fields`).
extension StateRule {
    /// Besides the rules' findings: the creation times, the init status and the reported
    /// heartbeat (the WAITING rules), the switch Agents and protocol IPs (liveness), the Gateway's
    /// groups and every object's problems (evidence).
    static let reads: Set<RuleInput> = [.gatewaySpec, .agentMetadata, .agentReported, .agentHeartbeat, .agentGenerations, .pods, .switchAgents]

    static let fields: [OwnedField] = [
        // Prose like the condition messages: it quotes per-observation detail.
        .status("message", volatile: true) { $0.message = "" },
        .memory("evaluatedAt", volatile: true) { $0.evaluatedAt = nil },
        .memory("firstSeen"),
        // The containers whose failure holds a DOWN (§2.6): kept only when the verdict is DOWN.
        .memory("failedContainers"),
        .evidence("liveness"),
        // Which leaves vouch, and whose own heartbeat is stale right now.
        .evidence("livenessDetail", volatile: true) { $0.livenessDetail = "" },
        .evidence("groups"), .evidence("problems"),
    ]
}
