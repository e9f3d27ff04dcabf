import Metrics
import Prometheus

/// The process's metrics: a Prometheus registry and the swift-metrics factory that feeds it, plus
/// the per-gateway health series (`GatewayHealthGauges`, rendered after the registry's output).
/// `MetricsSystem.bootstrap` is global and may run once per process, so only the executable
/// calls `bootstrapGlobal()`; tests make registries of their own and pass `factory` explicitly.
public final class MetricsRegistry: Sendable {
    public let prometheus: PrometheusCollectorRegistry
    /// Hand it to the operator (`GatewayMedicOperator(gauges:)`) so its gateways reach /metrics.
    public let gatewayHealth: GatewayHealthGauges

    public init(prometheus: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                gatewayHealth: GatewayHealthGauges = GatewayHealthGauges()) {
        self.prometheus = prometheus
        self.gatewayHealth = gatewayHealth
    }

    /// Metrics created through this factory appear in `exposition()`.
    public var factory: any MetricsFactory { PrometheusMetricsFactory(registry: prometheus) }

    /// The Prometheus text format served on /metrics.
    public func exposition() -> [UInt8] {
        var text = prometheus.emitToBuffer()
        gatewayHealth.render(into: &text)
        return text
    }

    /// A new registry made the global metrics backend (every `Counter(label:)` lands in it).
    public static func bootstrapGlobal() -> MetricsRegistry {
        let registry = MetricsRegistry()
        MetricsSystem.bootstrap(registry.factory)
        return registry
    }
}
