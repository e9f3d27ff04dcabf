import Foundation
import KubeAPI

/// The health model: a pure function of the objects, the previous assessment, the policy and the
/// clock. No I/O; everything it must remember travels in `Assessment.memory`.
public enum HealthEvaluator {
    public static func evaluate(_ inputs: GatewayInputs, previous: Assessment?, policy: HealthPolicy, now: Date) -> Assessment {
        let now = now.wholeSeconds
        let memory = previous?.memory ?? HealthMemory()
        let agent = inputs.agent
        let name = inputs.gatewayName
        let previousConditions = previous?.conditions

        let heartbeat = HeartbeatRule.evaluate(agent, memory: memory, policy: policy, now: now)
        let pods = PodRule.evaluate(inputs.pods, gateway: name, memory: memory, policy: policy, now: now)
        let liveness = heartbeat.status == .fresh
            ? LivenessFinding(alive: true, evidence: .notNeeded, detail: "the heartbeat is fresh")
            : LivenessRule.evaluate(inputs, podsRunningReady: pods.allRunningReady, policy: policy, now: now)
        let config = GenerationRule.dataplane(agent, memory: memory,
                                              previousSawNoLag: sawTrue(previous, ConditionType.configApplied),
                                              policy: policy, now: now)
        let routing = GenerationRule.routing(agent, memory: memory,
                                             previousSawNoLag: sawTrue(previous, ConditionType.routingApplied),
                                             policy: policy, now: now)
        let expected = inputs.gateway?.neighbors ?? agent?.expectedNeighbors ?? []
        let bgp = BGPEstablishedRule.evaluate(agent, expected: expected)
        let stable = BGPStableRule.evaluate(agent, memory: memory, policy: policy, now: now)
        let traffic = TrafficRule.evaluate(agent, memory: memory, previous: previousConditions, policy: policy)

        let firstSeen = memory.firstSeen ?? now
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
        let drafts = [ready, heartbeat.draft, config.draft, routing.draft, pods.draft, bgp.draft, stable.draft, traffic.draft]
        var nowText: String?
        let conditions = drafts.map { $0.finalize(previous: previousConditions, now: now, nowText: &nowText) }

        var newMemory = HealthMemory(
            evaluatedAt: now, firstSeen: firstSeen,
            heartbeatKey: heartbeat.memoryKey, heartbeatSeenAt: heartbeat.memorySeenAt, heartbeatClockOffset: heartbeat.clockOffset,
            configLagSince: keep(config, memory.configLagSince),
            routingLagSince: keep(routing, memory.routingLagSince),
            podIssueSince: pods.issueSince,
            // Only a failure that made the gateway DOWN holds it DOWN until the container is Ready.
            failedContainers: verdict.state == .down ? pods.failedContainers : [:], bgpCounters: stable.counters, flaps: stable.flaps,
            trafficStamp: traffic.stamp, traffic: traffic.samples)
        newMemory.flaps.sort { ($0.at, $0.neighbor) < ($1.at, $1.neighbor) }

        var evidence = Evidence()
        evidence.heartbeat = heartbeat.stamp ?? agent?.lastHeartbeatText
        evidence.appliedGeneration = agent?.lastAppliedGen.value ?? (agent?.isInitStatus == true ? 0 : nil)
        evidence.currentGeneration = agent?.generation.value
        evidence.frrAppliedGeneration = agent?.frrAppliedGen.value
        evidence.configLagSince = config.lagSince.map(KubeTime.format)
        evidence.routingLagSince = routing.lagSince.map(KubeTime.format)
        evidence.bgpEstablished = bgp.established
        evidence.bgpTotal = bgp.total
        evidence.neighbors = bgp.neighbors
        evidence.counters = traffic.evidence
        evidence.pods = pods.evidence
        evidence.podsSummary = pods.summary
        evidence.liveness = liveness.evidence
        evidence.livenessDetail = liveness.detail
        evidence.groups = (inputs.gateway?.groups ?? []).map { g in g.priority.map { "\(g.name):\($0)" } ?? g.name }
        evidence.problems = (inputs.gateway?.problems ?? []) + (agent?.problems ?? [])
            + inputs.pods.flatMap { pod in pod.problems.map { FieldProblem(path: "pod \(pod.name): \($0.path)", issue: $0.issue) } }

        let checks = verdict.nextCheck + heartbeat.nextCheck + pods.nextCheck + config.nextCheck + routing.nextCheck + stable.nextCheck
        let since = previous.flatMap { $0.state == verdict.state ? min($0.since, now) : nil } ?? now
        return Assessment(state: verdict.state, since: since, reason: verdict.reason, message: verdict.message,
                          conditions: conditions, evidence: evidence, memory: newMemory,
                          nextCheck: checks.filter { $0 > now }.min(), agentGeneration: agentGeneration)
    }

    /// The previous evaluation's time if it judged `type` True (no lag then).
    private static func sawTrue(_ previous: Assessment?, _ type: String) -> Date? {
        guard let previous, previous.condition(type)?.status == "True" else { return nil }
        return previous.memory.evaluatedAt
    }

    /// A lag timer survives an evaluation that could not judge (Unknown): one malformed status
    /// must not restart the apply timeout.
    private static func keep(_ finding: LagFinding, _ old: Date?) -> Date? {
        finding.draft.status == "Unknown" ? old : finding.lagSince
    }
}
