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
    var ageSeconds: Int?
    var draft: ConditionDraft
    var nextCheck: [Date] = []
    var memoryKey: String?
    var memorySeenAt: Date?
}

enum HeartbeatRule {
    static func evaluate(_ agent: GatewayAgentView?, memory: HealthMemory, policy: HealthPolicy, now: Date) -> HeartbeatFinding {
        let type = ConditionType.heartbeat
        let limit = policy.heartbeatStaleAfter
        let limitText = "\(describe(limit)) = \(policy.missedKeepalives) × \(describe(policy.keepaliveInterval))"
        guard let agent else {
            return HeartbeatFinding(status: .neverReported, draft: .isFalse(type, "AgentMissing", "no GatewayAgent exists for this gateway"))
        }
        if let why = agent.unreadable {
            // Judged like an unparseable heartbeat: by whether the object still changes.
            return untrusted(key: "unreadable:" + (agent.resourceVersion ?? ""), reason: "ObjectUnreadable",
                             what: "GatewayAgent \(agent.name) could not be read (\(why))",
                             memory: memory, policy: policy, now: now, extraCheck: nil)
        }
        switch agent.lastHeartbeat {
        case .absent:
            return HeartbeatFinding(status: .neverReported,
                                    draft: .isFalse(type, "NeverReported", "GatewayAgent \(agent.name) has no status.lastHeartbeat"))
        case .invalid:
            let key = "raw:" + (agent.lastHeartbeatText ?? "")
            return untrusted(key: key, reason: "HeartbeatUnparseable",
                             what: agent.lastHeartbeatText.map { "status.lastHeartbeat \"\($0)\" is not an RFC 3339 time" } ?? "status.lastHeartbeat is malformed",
                             memory: memory, policy: policy, now: now, extraCheck: nil)
        case .value(let beat):
            let age = now.timeIntervalSince(beat)
            let stamp = KubeTime.format(beat)
            if age < -policy.heartbeatFutureTolerance {
                return untrusted(key: stamp, reason: "HeartbeatInFuture",
                                 what: "status.lastHeartbeat \(stamp) is \(describe(-age)) ahead of the operator's clock (tolerance \(describe(policy.heartbeatFutureTolerance)))",
                                 memory: memory, policy: policy, now: now,
                                 extraCheck: beat.addingTimeInterval(-policy.heartbeatFutureTolerance))
            }
            let effective = max(0, age)
            if effective > limit {
                return HeartbeatFinding(status: .stale, ageSeconds: seconds(age),
                                        draft: .isFalse(type, "HeartbeatStale", "last heartbeat \(stamp) is \(describe(effective)) old (stale after \(limitText))"))
            }
            let skew = age < 0 ? " (\(describe(-age)) ahead of the operator's clock, within tolerance)" : ""
            return HeartbeatFinding(status: .fresh, ageSeconds: seconds(age),
                                    draft: .isTrue(type, "HeartbeatFresh", "last heartbeat \(stamp) is \(describe(effective)) old\(skew); stale after \(limitText)"),
                                    nextCheck: [beat.addingTimeInterval(limit + 1)])
        }
    }

    /// A heartbeat whose time cannot be trusted: it is judged by whether its value still changes,
    /// on the operator's own clock. The condition stays Unknown either way.
    private static func untrusted(key: String, reason: String, what: String, memory: HealthMemory,
                                  policy: HealthPolicy, now: Date, extraCheck: Date?) -> HeartbeatFinding {
        let limit = policy.heartbeatStaleAfter
        let seenAt = (memory.heartbeatKey == key ? memory.heartbeatSeenAt : nil) ?? now
        let unchanged = now.timeIntervalSince(seenAt)
        let stale = unchanged > limit
        let judged = stale
            ? "its value has not changed for \(describe(unchanged)) on the operator's clock: treated as stale"
            : "its value changed \(describe(unchanged)) ago on the operator's clock: treated as fresh"
        var checks = stale ? [] : [seenAt.addingTimeInterval(limit + 1)]
        if let extraCheck { checks.append(extraCheck) }
        return HeartbeatFinding(status: stale ? .stale : .fresh, ageSeconds: nil,
                                draft: .unknown(ConditionType.heartbeat, reason, "\(what); \(judged)"),
                                nextCheck: checks, memoryKey: key, memorySeenAt: seenAt)
    }
}
