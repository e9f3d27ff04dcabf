import Foundation
import KubeAPI

/// Whether a configuration generation has been applied, and for how long it has lagged (docs §2.4, §3.3, §3.4).
struct LagFinding {
    var timedOut = false
    var lagSince: Date?
    var draft: ConditionDraft
    var nextCheck: [Date] = []
}

/// ConfigApplied (docs §3.3): the dataplane has applied the GatewayAgent's generation.
struct ConfigAppliedRule: HealthRule {
    let condition = ConditionType.configApplied
    let docSection = "§3.3"
    let reasons = ["GenerationApplied", "ApplyPending", "ApplyTimedOut", "AgentMissing", "NotReported",
                   "GenerationUnknown", "GenerationInvalid", "AppliedGenerationInvalid"]
    let reads: Set<RuleInput> = [.agentMetadata, .agentReported, .agentGenerations]
    let fields: [OwnedField] = [
        .memory("configLagSince"),
        .evidence("appliedGeneration"), .evidence("currentGeneration"), .evidence("configLagSince"),
    ]

    func evaluate(_ context: inout RuleContext) -> RuleOutcome {
        let agent = context.inputs.agent
        let finding = GenerationRule.dataplane(agent, memory: context.memory,
                                               previousSawNoLag: context.previousSawTrue(condition),
                                               policy: context.policy, now: context.now)
        context.config = finding
        context.newMemory.configLagSince = GenerationRule.keep(finding, context.memory.configLagSince)
        context.evidence.appliedGeneration = agent?.lastAppliedGen.value ?? (agent?.isInitStatus == true ? 0 : nil)
        context.evidence.currentGeneration = agent?.generation.value
        context.evidence.configLagSince = finding.lagSince.map(KubeTime.format)
        return RuleOutcome(finding.draft, nextCheck: finding.nextCheck)
    }
}

/// RoutingApplied (docs §3.4): FRR has applied the generation the dataplane applied.
struct RoutingAppliedRule: HealthRule {
    let condition = ConditionType.routingApplied
    let docSection = "§3.4"
    let reasons = ["FRRGenerationApplied", "FRRApplyPending", "FRRApplyTimedOut", "DataplaneInitializing", "FRRStateMissing",
                   "FRRGenerationInvalid", "AppliedGenerationInvalid", "NotReported", "AgentMissing"]
    let reads: Set<RuleInput> = [.agentReported, .agentGenerations]
    let fields: [OwnedField] = [
        .memory("routingLagSince"),
        .evidence("frrAppliedGeneration"), .evidence("routingLagSince"),
    ]

    func evaluate(_ context: inout RuleContext) -> RuleOutcome {
        let agent = context.inputs.agent
        let finding = GenerationRule.routing(agent, memory: context.memory,
                                             previousSawNoLag: context.previousSawTrue(condition),
                                             policy: context.policy, now: context.now)
        context.routing = finding
        context.newMemory.routingLagSince = GenerationRule.keep(finding, context.memory.routingLagSince)
        context.evidence.frrAppliedGeneration = agent?.frrAppliedGen.value
        context.evidence.routingLagSince = finding.lagSince.map(KubeTime.format)
        return RuleOutcome(finding.draft, nextCheck: finding.nextCheck)
    }
}

/// The generation-lag logic ConfigApplied and RoutingApplied share.
enum GenerationRule {
    /// A lag timer survives an evaluation that could not judge (Unknown): one malformed status
    /// must not restart the apply timeout.
    static func keep(_ finding: LagFinding, _ old: Date?) -> Date? {
        finding.draft.status == "Unknown" ? old : finding.lagSince
    }

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
