import Foundation
import KubeAPI

/// The health model: a pure function of the objects, the previous assessment, the policy and the
/// clock. No I/O; everything it must remember travels in `Assessment.memory`.
public enum HealthEvaluator {
    /// - Parameter rules: the conditions to judge, in status order (after Ready); each leaves
    ///   its memory and evidence in the context, and the state decision combines the standard
    ///   rules' findings.
    public static func evaluate(_ inputs: GatewayInputs, previous: Assessment?, policy: HealthPolicy, now: Date,
                                rules: HealthRules = .standard) -> Assessment {
        let now = now.wholeSeconds
        let memory = previous?.memory ?? HealthMemory()
        let agent = inputs.agent
        let name = inputs.gatewayName
        let firstSeen = memory.firstSeen ?? now

        var context = RuleContext(inputs: inputs, previous: previous, policy: policy, now: now, memory: memory,
                                  newMemory: HealthMemory(evaluatedAt: now, firstSeen: firstSeen))
        var drafts: [ConditionDraft] = []
        drafts.reserveCapacity(rules.rules.count + 1)
        var checks: [Date] = []
        for rule in rules.rules {
            var outcome = rule.evaluate(&context)
            outcome.draft.type = rule.condition
            drafts.append(outcome.draft)
            checks += outcome.nextCheck
        }
        // `HealthRules` always holds the standard rules, which leave these findings.
        guard let heartbeat = context.heartbeat, let pods = context.pods, let config = context.config, let routing = context.routing else {
            preconditionFailure("a HealthRules set without the standard rules")
        }

        let liveness = heartbeat.status == .fresh
            ? LivenessFinding(alive: true, evidence: .notNeeded, detail: "the heartbeat is fresh")
            : LivenessRule.evaluate(inputs, podsRunningReady: pods.allRunningReady, policy: policy, now: now)
        let createdAt = min(inputs.gateway?.creationTime ?? agent?.creationTime ?? firstSeen, now)
        // The previous evaluation saw a GatewayAgent (its Heartbeat reason is AgentMissing only
        // when there was none), or already judged it gone.
        let agentWentAway = agent == nil && previous.map { p in
            p.reason == "AgentMissing" || p.condition(ConditionType.heartbeat).map { $0.reason != "AgentMissing" } == true
        } == true
        let verdict = StateRule.decide(StateRule.Facts(
            name: name, createdAt: createdAt, heartbeat: heartbeat, agentWentAway: agentWentAway,
            wasDown: previous?.state == .down, initStatus: agent?.isInitStatus ?? false,
            heartbeatAt: agent?.lastHeartbeat.value, dataplaneStartedAt: pods.dataplaneStartedAt, pods: pods, liveness: liveness, config: config, routing: routing),
            policy: policy, now: now)

        let agentGeneration = agent?.generation.value ?? inputs.gateway?.generation
        let ready: ConditionDraft = verdict.state == .up
            ? .isTrue(ConditionType.ready, "Up", "the gateway is UP")
            : .isFalse(ConditionType.ready, verdict.reason, "\(verdict.state.rawValue): \(verdict.message)")
        drafts.insert(ready, at: 0)
        var nowText: String?
        let previousConditions = previous?.conditions
        let conditions = drafts.map { $0.finalize(previous: previousConditions, now: now, nowText: &nowText) }

        // Only a failure that made the gateway DOWN holds it DOWN until the container is Ready
        // (§2.6): the state decision, not the pod rule, knows whether it did.
        context.newMemory.failedContainers = verdict.state == .down ? pods.failedContainers : [:]
        var evidence = context.evidence
        evidence.liveness = liveness.evidence
        evidence.livenessDetail = liveness.detail
        evidence.groups = (inputs.gateway?.groups ?? []).map { g in g.priority.map { "\(g.name):\($0)" } ?? g.name }
        evidence.problems = (inputs.gateway?.problems ?? []) + (agent?.problems ?? [])
            + inputs.pods.flatMap { pod in pod.problems.map { FieldProblem(path: "pod \(pod.name): \($0.path)", issue: $0.issue) } }

        checks += verdict.nextCheck
        let since = previous.flatMap { $0.state == verdict.state ? min($0.since, now) : nil } ?? now
        var assessment = Assessment(state: verdict.state, since: since, reason: verdict.reason, message: verdict.message,
                                    conditions: conditions, evidence: evidence, memory: context.newMemory,
                                    nextCheck: checks.filter { $0 > now }.min(), agentGeneration: agentGeneration)
        assessment.groupPeersCheck = context.groupPeersCheck
        return assessment
    }
}
