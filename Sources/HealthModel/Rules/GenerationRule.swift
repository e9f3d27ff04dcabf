import Foundation
import KubeAPI

/// Whether a configuration generation has been applied, and for how long it has lagged (docs §2.4, §3.3, §3.4).
struct LagFinding {
    var timedOut = false
    var lagSince: Date?
    var draft: ConditionDraft
    var nextCheck: [Date] = []
}

enum GenerationRule {
    /// ConfigApplied: `status.lastAppliedGen` against `metadata.generation`.
    static func dataplane(_ agent: GatewayAgentView?, memory: HealthMemory, previousSawNoLag: Date?,
                          policy: HealthPolicy, now: Date) -> LagFinding {
        let type = ConditionType.configApplied
        guard let agent else { return LagFinding(draft: .unknown(type, "AgentMissing", "no GatewayAgent exists for this gateway")) }
        let current: Int64
        switch agent.generation {
        case .value(let g): current = g
        case .invalid: return LagFinding(draft: .unknown(type, "GenerationInvalid", "GatewayAgent metadata.generation is malformed or negative"))
        case .absent: return LagFinding(draft: .unknown(type, "GenerationUnknown", "GatewayAgent has no metadata.generation"))
        }
        guard agent.hasStatus, !agent.lastHeartbeat.isAbsent else {
            return LagFinding(draft: .unknown(type, "NotReported", "the dataplane has not reported yet (current generation \(current))"))
        }
        let applied: Int64
        switch agent.lastAppliedGen {
        case .value(let g): applied = g
        case .absent: applied = 0
        case .invalid: return LagFinding(draft: .unknown(type, "AppliedGenerationInvalid", "status.lastAppliedGen is malformed or negative"))
        }
        if applied >= current {
            return LagFinding(draft: .isTrue(type, "GenerationApplied", "lastAppliedGen \(applied) matches metadata.generation \(current)"))
        }
        let lastApplied = agent.lastAppliedTime.value.flatMap { $0.timeIntervalSince1970 > 0 ? $0 : nil }
        let seed = agent.specChangeTime ?? lastApplied
        let since = memory.configLagSince ?? seedTime(seed, previousSawNoLag: previousSawNoLag, now: now)
        let what = agent.isInitStatus ? "the dataplane is in its init status (lastAppliedGen 0)" : "lastAppliedGen \(applied)"
        return lag(type: type, since: since, policy: policy, now: now,
                   text: "\(what) is behind metadata.generation \(current)", pending: "ApplyPending", failed: "ApplyTimedOut")
    }

    /// RoutingApplied: `status.state.frr.lastAppliedGen` against `status.lastAppliedGen`.
    static func routing(_ agent: GatewayAgentView?, memory: HealthMemory, previousSawNoLag: Date?,
                        policy: HealthPolicy, now: Date) -> LagFinding {
        let type = ConditionType.routingApplied
        guard let agent else { return LagFinding(draft: .unknown(type, "AgentMissing", "no GatewayAgent exists for this gateway")) }
        guard agent.hasStatus, !agent.lastHeartbeat.isAbsent else {
            return LagFinding(draft: .unknown(type, "NotReported", "the dataplane has not reported yet"))
        }
        if agent.isInitStatus {
            return LagFinding(draft: .unknown(type, "DataplaneInitializing", "the dataplane is in its init status; FRR state follows the first apply"))
        }
        guard let applied = agent.lastAppliedGen.value else {
            return LagFinding(draft: .unknown(type, "AppliedGenerationInvalid", "status.lastAppliedGen is malformed or negative"))
        }
        let frr: Int64
        switch agent.frrAppliedGen {
        case .value(let g): frr = g
        case .invalid: return LagFinding(draft: .unknown(type, "FRRGenerationInvalid", "status.state.frr.lastAppliedGen is malformed or negative"))
        case .absent: return LagFinding(draft: .unknown(type, "FRRStateMissing", "status.state.frr.lastAppliedGen is not reported (dataplane at generation \(applied))"))
        }
        if frr >= applied {
            return LagFinding(draft: .isTrue(type, "FRRGenerationApplied", "state.frr.lastAppliedGen \(frr) matches lastAppliedGen \(applied)"))
        }
        // FRR has lagged since the dataplane applied the generation FRR has not caught up with.
        let seed = agent.lastAppliedTime.value.flatMap { $0.timeIntervalSince1970 > 0 ? $0 : nil }
        let since = memory.routingLagSince ?? seedTime(seed, previousSawNoLag: previousSawNoLag, now: now)
        return lag(type: type, since: since, policy: policy, now: now,
                   text: "state.frr.lastAppliedGen \(frr) is behind lastAppliedGen \(applied)", pending: "FRRApplyPending", failed: "FRRApplyTimedOut")
    }

    /// With no memory, a lag began at the recorded time; but never before an evaluation that saw
    /// no lag, and never after now.
    private static func seedTime(_ recorded: Date?, previousSawNoLag: Date?, now: Date) -> Date {
        var since = recorded ?? now
        if let previousSawNoLag, previousSawNoLag > since { since = previousSawNoLag }
        return min(since, now)
    }

    private static func lag(type: String, since: Date, policy: HealthPolicy, now: Date, text: String,
                            pending: String, failed: String) -> LagFinding {
        let elapsed = now.timeIntervalSince(since)
        let timeout = describe(policy.applyTimeout)
        if elapsed > policy.applyTimeout {
            return LagFinding(timedOut: true, lagSince: since,
                              draft: .isFalse(type, failed, "\(text) since \(KubeTime.format(since)), longer than the apply timeout \(timeout)"))
        }
        let deadline = KubeTime.format(since.addingTimeInterval(policy.applyTimeout))
        let message = "\(text) since \(KubeTime.format(since)) (apply timeout \(timeout): timed out if still behind after \(deadline))"
        return LagFinding(lagSince: since, draft: .isFalse(type, pending, message),
                          nextCheck: [since.addingTimeInterval(policy.applyTimeout + 1)])
    }
}
