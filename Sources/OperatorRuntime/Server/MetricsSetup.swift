import Metrics
import Prometheus

/// The process's metrics: a Prometheus registry and the swift-metrics factory that feeds it.
/// `MetricsSystem.bootstrap` is global and may run once per process, so only the executable
/// calls `bootstrapGlobal()`; tests make registries of their own and pass `factory` explicitly.
public final class MetricsRegistry: Sendable {
    public let prometheus: PrometheusCollectorRegistry

    public init(prometheus: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.prometheus = prometheus
    }

    /// Metrics created through this factory appear in `exposition()`.
    public var factory: any MetricsFactory { PrometheusMetricsFactory(registry: prometheus) }

    /// The Prometheus text format served on /metrics.
    public func exposition() -> [UInt8] { prometheus.emitToBuffer() }

    /// A new registry made the global metrics backend (every `Counter(label:)` lands in it).
    public static func bootstrapGlobal() -> MetricsRegistry {
        let registry = MetricsRegistry()
        MetricsSystem.bootstrap(registry.factory)
        return registry
    }
}
