import Foundation
import KubeAPI

/// What the dataplane's heartbeat says (docs §3.2).
struct HeartbeatFinding {
    enum Status: Equatable {
        /// No GatewayAgent, or no `status.lastHeartbeat`.
        case neverReported
        case fresh
        case stale
    }
    var status: Status
    /// `lastHeartbeat` rendered, when it parses (the evidence and the memory share the string).
    var stamp: String?
    var draft: ConditionDraft
    var nextCheck: [Date] = []
    /// For the memory: the value seen, when it was first seen, and the gateway's clock offset.
    var memoryKey: String?
    var memorySeenAt: Date?
    var clockOffset: Double?
}

struct HeartbeatRule: HealthRule {
    let condition = ConditionType.heartbeat
    let docSection = "§3.2"
    let reasons = ["HeartbeatFresh", "HeartbeatClockSkew", "HeartbeatStale", "NeverReported", "AgentMissing",
                   "HeartbeatInFuture", "HeartbeatUnparseable", "ObjectUnreadable"]
    let reads: Set<RuleInput> = [.agentReported, .agentHeartbeat]
    // The heartbeat advance runs this rule itself.
    let judgedByHeartbeatAdvance = true
    let fields: [OwnedField] = [
        // The value last seen moves with every heartbeat: the persisted copy lags while nothing
        // else changes (a restarted operator then sees the current value as new).
        .memory("heartbeatKey", volatile: true) { $0.heartbeatKey = nil },
        .memory("heartbeatSeenAt", volatile: true) { $0.heartbeatSeenAt = nil },
        .memory("heartbeatClockOffset", volatile: true) { $0.heartbeatClockOffset = nil },
        // Left out of the persisted status while fresh (`Assessment.persistedEvidence`).
        .evidence("heartbeat"),
    ]

    func evaluate(_ context: inout RuleContext) -> RuleOutcome {
        let finding = Self.evaluate(context.inputs.agent, memory: context.memory, policy: context.policy, now: context.now)
        context.heartbeat = finding
        context.newMemory.heartbeatKey = finding.memoryKey
        context.newMemory.heartbeatSeenAt = finding.memorySeenAt
        context.newMemory.heartbeatClockOffset = finding.clockOffset
        context.evidence.heartbeat = finding.stamp ?? context.inputs.agent?.lastHeartbeatText
        return RuleOutcome(finding.draft, nextCheck: finding.nextCheck)
    }

    /// - Parameter prose: false leaves a fresh heartbeat's message empty (the heartbeat advance
    ///   compares status and reason only: that message is a function of the policy).
    static func evaluate(_ agent: GatewayAgentView?, memory: HealthMemory, policy: HealthPolicy, now: Date,
                         prose: Bool = true) -> HeartbeatFinding {
        let type = ConditionType.heartbeat
        guard let agent else {
            return none(.isFalse(type, "AgentMissing", "no GatewayAgent exists for this gateway"), memory: memory, policy: policy, now: now)
        }
        if let why = agent.unreadable {
            // Judged like an unparseable heartbeat: by whether the object still changes.
            return untrusted(key: "unreadable:" + (agent.resourceVersion ?? ""), reason: "ObjectUnreadable",
                             what: "GatewayAgent \(agent.name) could not be read (\(why))",
                             memory: memory, policy: policy, now: now, extraCheck: nil)
        }
        switch agent.lastHeartbeat {
        case .absent:
            return none(.isFalse(type, "NeverReported", "GatewayAgent \(agent.name) has no status.lastHeartbeat"),
                        memory: memory, policy: policy, now: now)
        case .invalid:
            let key = "raw:" + (agent.lastHeartbeatText ?? "")
            return untrusted(key: key, reason: "HeartbeatUnparseable",
                             what: agent.lastHeartbeatText.map { "status.lastHeartbeat \"\($0)\" is not an RFC 3339 time" } ?? "status.lastHeartbeat is malformed",
                             memory: memory, policy: policy, now: now, extraCheck: nil)
        case .value(let beat):
            return stamped(beat, memory: memory, policy: policy, now: now, prose: prose)
        }
    }

    /// A heartbeat with a time. Its stamp is taken as written while the gateway's clock agrees
    /// with the operator's (or nothing is known of it yet). Once a heartbeat has been seen
    /// arriving, the offset between the two clocks is known; beyond the skew tolerance either
    /// way, the stamp is read on the operator's clock (stamp + offset), so a gateway whose clock
    /// runs behind or ahead but which writes on schedule is fresh, and one that stops is stale
    /// the usual time after its last heartbeat arrived.
    private static func stamped(_ beat: Date, memory: HealthMemory, policy: HealthPolicy, now: Date, prose: Bool) -> HeartbeatFinding {
        let type = ConditionType.heartbeat
        let limit = policy.heartbeatStaleAfter
        let tolerance = policy.heartbeatFutureTolerance
        // The remembered string when it is this heartbeat's (the previous one's, judged again
        // by the heartbeat advance): no new string for it.
        let stamp = KubeTime.format(beat, reusing: memory.heartbeatKey)
        let seen = sighting(key: stamp, memory: memory, policy: policy, now: now)
        let offset = seen.arrived ? now.timeIntervalSince(beat).rounded(.down) : memory.heartbeatClockOffset
        let skew = offset.flatMap { abs($0) > tolerance ? $0 : nil }
        if skew == nil, now.timeIntervalSince(beat) < -tolerance {
            var finding = untrusted(key: stamp, reason: "HeartbeatInFuture",
                                    what: "status.lastHeartbeat \(stamp) is more than \(describe(tolerance)) ahead of the operator's clock, and how far the gateway's clock is off is not known yet",
                                    memory: memory, policy: policy, now: now, extraCheck: beat.addingTimeInterval(-tolerance))
            finding.stamp = stamp
            return finding
        }
        // When it was written on the operator's clock: the stamp, corrected by a known skew; a
        // clock within the tolerance gets the later of the stamp and its arrival.
        let written = skew.map { beat.addingTimeInterval($0) } ?? max(beat, beat.addingTimeInterval(offset ?? 0))
        let staleAt = written.addingTimeInterval(limit)
        var limitText: String { "stale after \(describe(limit)) = \(policy.missedKeepalives) × \(describe(policy.keepaliveInterval)) without a new one" }
        var finding = HeartbeatFinding(status: .fresh, stamp: stamp, draft: .isTrue(type, "HeartbeatFresh", ""),
                                       memoryKey: stamp, memorySeenAt: seen.at, clockOffset: offset)
        switch (now <= staleAt, skew) {
        case (true, nil):
            finding.draft = .isTrue(type, "HeartbeatFresh", prose ? "the heartbeat is fresh (\(limitText))" : "")
            finding.nextCheck = [staleAt.addingTimeInterval(1)]
        case (true, let skew?):
            finding.draft = .isTrue(type, "HeartbeatClockSkew",
                                    "heartbeats arrive on schedule, but the gateway's clock is \(clockText(skew)) the operator's: they are judged by when they arrive, not by their stamps (\(limitText))")
            finding.nextCheck = [staleAt.addingTimeInterval(1)]
        case (false, let skew?):
            finding.status = .stale
            finding.draft = .isFalse(type, "HeartbeatStale",
                                     "no heartbeat since \(KubeTime.format(written)) on the operator's clock (the last is stamped \(stamp) by a gateway clock \(clockText(skew)) it; \(limitText))")
        case (false, nil):
            finding.status = .stale
            let firstSight = offset == nil
                ? "; judged by its stamp, as no heartbeat has been seen arriving yet: a gateway clock running behind would show with the next one"
                : ""
            finding.draft = .isFalse(type, "HeartbeatStale", "no heartbeat since \(stamp) (\(limitText))\(firstSight)")
        }
        return finding
    }

    /// No heartbeat: remembered as the value `absent`, so that the first heartbeat to appear while
    /// gateway-medic watches counts as seen arriving (and a new gateway's clock offset is known
    /// from its first heartbeat).
    private static func none(_ draft: ConditionDraft, memory: HealthMemory, policy: HealthPolicy, now: Date) -> HeartbeatFinding {
        let seen = sighting(key: "absent", memory: memory, policy: policy, now: now)
        return HeartbeatFinding(status: .neverReported, draft: draft, memoryKey: "absent", memorySeenAt: seen.at,
                                clockOffset: memory.heartbeatClockOffset)
    }

    /// A heartbeat whose time cannot be trusted: it is judged by whether its value still changes,
    /// on the operator's own clock. The condition stays Unknown either way.
    private static func untrusted(key: String, reason: String, what: String, memory: HealthMemory,
                                  policy: HealthPolicy, now: Date, extraCheck: Date?) -> HeartbeatFinding {
        let limit = policy.heartbeatStaleAfter
        let seen = sighting(key: key, memory: memory, policy: policy, now: now)
        let stale = now.timeIntervalSince(seen.at) > limit
        let since = KubeTime.format(seen.at)
        let judged = stale
            ? "its value has not changed since \(since) on the operator's clock: treated as stale"
            : "its value was first seen at \(since) on the operator's clock: treated as fresh until unchanged for more than \(describe(limit))"
        var checks = stale ? [] : [seen.at.addingTimeInterval(limit + 1)]
        if let extraCheck { checks.append(extraCheck) }
        return HeartbeatFinding(status: stale ? .stale : .fresh,
                                draft: .unknown(ConditionType.heartbeat, reason, "\(what); \(judged)"),
                                nextCheck: checks, memoryKey: key, memorySeenAt: seen.at, clockOffset: memory.heartbeatClockOffset)
    }

    /// When the operator first saw the heartbeat value `key`, and whether it saw it arrive: the
    /// previous evaluation, at most the stale limit before, saw another value, so this one was
    /// written since. A value found already there (first sight, after a gap) did not arrive.
    private static func sighting(key: String, memory: HealthMemory, policy: HealthPolicy, now: Date) -> (at: Date, arrived: Bool) {
        if memory.heartbeatKey == key, let at = memory.heartbeatSeenAt { return (min(at, now), false) }
        let sinceLast = memory.evaluatedAt.map { now.timeIntervalSince($0) } ?? .infinity
        return (now, memory.heartbeatKey != nil && sinceLast >= 0 && sinceLast <= policy.heartbeatStaleAfter)
    }

    /// `about 1m0s behind` / `about 10m0s ahead of`: the gateway's clock against the operator's.
    private static func clockText(_ offset: Double) -> String {
        offset > 0 ? "about \(describe(offset)) behind" : "about \(describe(-offset)) ahead of"
    }
}
