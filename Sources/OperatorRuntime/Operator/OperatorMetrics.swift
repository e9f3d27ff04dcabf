import HealthModel
import Metrics

/// The health metrics: `gateway_medic_gateway_state{gateway,namespace,state}` (1 for the current
/// state, 0 for the others) and `gateway_medic_heartbeat_age_seconds{gateway,namespace}`.
public struct OperatorMetrics: Sendable {
    private let factory: any MetricsFactory

    public init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory ?? MetricsSystem.factory
    }

    /// - Parameter previousState: the state last recorded for this gateway; the five state
    ///   gauges are set only when it differs (a gauge keeps its value; five labelled registry
    ///   look-ups per heartbeat would buy nothing).
    public func record(_ key: ObjectKey, _ assessment: Assessment, previousState: GatewayState? = nil) {
        let namespace = key.namespace ?? ""
        if previousState != assessment.state {
            recordState(key.name, namespace, assessment.state)
        }
        if let age = assessment.evidence.heartbeatAgeSeconds {
            Gauge(label: "gateway_medic_heartbeat_age_seconds",
                  dimensions: [("gateway", key.name), ("namespace", namespace)], factory: factory).record(age)
        }
    }

    private func recordState(_ name: String, _ namespace: String, _ current: GatewayState) {
        for state in GatewayState.allCases {
            stateGauge(name, namespace, state).record(state == current ? 1 : 0)
        }
    }

    /// A deleted gateway: every state gauge goes to 0.
    public func forget(_ key: ObjectKey) {
        for state in GatewayState.allCases { stateGauge(key.name, key.namespace ?? "", state).record(0) }
    }

    private func stateGauge(_ gateway: String, _ namespace: String, _ state: GatewayState) -> Gauge {
        Gauge(label: "gateway_medic_gateway_state",
              dimensions: [("gateway", gateway), ("namespace", namespace), ("state", state.rawValue)], factory: factory)
    }
}
