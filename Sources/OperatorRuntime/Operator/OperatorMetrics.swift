import HealthModel

/// The health metrics of every gateway, `gateway_medic_gateway_state{gateway,namespace,state}`
/// and `gateway_medic_heartbeat_age_seconds{gateway,namespace}`, recorded into a
/// `GatewayHealthGauges` table that /metrics renders (not into the swift-metrics backend: see
/// `GatewayHealthGauges` for why). Without a table (tests, the CLI's one-shot commands) nothing is
/// recorded.
public struct OperatorMetrics: Sendable {
    public let gauges: GatewayHealthGauges?

    public init(gauges: GatewayHealthGauges? = nil) {
        self.gauges = gauges
    }

    /// Cheap enough for every reconcile: one timestamp parse and one dictionary write under a lock.
    public func record(_ key: ObjectKey, _ assessment: Assessment) {
        guard let gauges else { return }
        gauges.record(key, state: assessment.state, heartbeatAgeSeconds: assessment.heartbeatAgeAtEvaluation)
    }

    /// A deleted gateway: its series disappear.
    public func forget(_ key: ObjectKey) {
        gauges?.remove(key)
    }
}
