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
    /// Ready, Heartbeat, ConfigApplied, RoutingApplied, PodsReady, BGPEstablished, BGPStable,
    /// TrafficHealthy, in that order.
    public var conditions: [Condition]
    public var evidence: Evidence
    public var memory: HealthMemory
    /// The earliest time the verdict could change with no new input; nil when nothing is pending.
    public var nextCheck: Date?
    /// The GatewayAgent's `metadata.generation` that was judged (else the Gateway's).
    public var observedGeneration: Int64?

    public init(state: GatewayState, since: Date, reason: String, message: String, conditions: [Condition],
                evidence: Evidence, memory: HealthMemory, nextCheck: Date?, observedGeneration: Int64?) {
        self.state = state
        self.since = since
        self.reason = reason
        self.message = message
        self.conditions = conditions
        self.evidence = evidence
        self.memory = memory
        self.nextCheck = nextCheck
        self.observedGeneration = observedGeneration
    }

    public func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }
}
