import Foundation
import KubeAPI

/// The verdict on one gateway at one moment, and what the next evaluation must remember.
public struct Assessment: Sendable, Equatable {
    public var state: GatewayState
    /// When this state began; kept across evaluations while the state is unchanged.
    public var since: Date
    /// CamelCase, e.g. `HeartbeatLost`.
    public var reason: String
    public var message: String
    /// Ready, then one per rule in the registry's order (`HealthRules.conditions`). Their
    /// `observedGeneration` is nil: it is set when the status is written for a GatewayHealth object.
    public var conditions: [Condition]
    public var evidence: Evidence
    public var memory: HealthMemory
    /// The earliest time the verdict could change with no new input; nil when nothing is pending.
    public var nextCheck: Date?
    /// The earliest instant a group peer's heartbeat goes stale (docs §3.11), also in `nextCheck`:
    /// a peer's silence brings no new object, so the heartbeat advance, which re-judges the
    /// gateway's own heartbeat only, carries it over. Like `nextCheck`, never persisted.
    public var groupPeersCheck: Date?
    /// The GatewayAgent's `metadata.generation` that was judged (else the Gateway's). Not the
    /// GatewayHealth's own generation: that is the persisted status's `observedGeneration`, which
    /// only the writer of the object knows (see `statusJSON(observedGeneration:)`).
    public var agentGeneration: Int64?

    public init(state: GatewayState, since: Date, reason: String, message: String, conditions: [Condition],
                evidence: Evidence, memory: HealthMemory, nextCheck: Date?, agentGeneration: Int64?) {
        self.state = state
        self.since = since
        self.reason = reason
        self.message = message
        self.conditions = conditions
        self.evidence = evidence
        self.memory = memory
        self.nextCheck = nextCheck
        self.agentGeneration = agentGeneration
    }

    public func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }

    /// The reported heartbeat's age on the operator's clock when this assessment was made
    /// (negative: stamped ahead of it); nil when there is none or it does not parse. For output
    /// made at once (metrics, `check`): never persisted, as it is wrong a moment later.
    public var heartbeatAgeAtEvaluation: TimeInterval? {
        guard let text = evidence.heartbeat, let beat = KubeTime.parse(text), let evaluatedAt = memory.evaluatedAt else { return nil }
        return evaluatedAt.timeIntervalSince(beat).rounded(.down)
    }
}
