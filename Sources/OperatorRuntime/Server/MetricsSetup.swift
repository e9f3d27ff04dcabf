import Foundation
import Locking
import Metrics
import Prometheus

/// The process's metrics: a Prometheus registry and the swift-metrics factory that feeds it, plus
/// the series rendered at scrape time: the leader gauge, build info, the `process_*` family and
/// the per-gateway health series (`GatewayHealthGauges`).
/// `MetricsSystem.bootstrap` is global and may run once per process, so only the executable
/// calls `bootstrapGlobal()`; tests make registries of their own and pass `factory` explicitly.
public final class MetricsRegistry: Sendable {
    public let prometheus: PrometheusCollectorRegistry
    /// Hand it to the operator (`GatewayMedicOperator(gauges:)`) so its gateways reach /metrics.
    public let gatewayHealth: GatewayHealthGauges
    /// `gateway_medic_build_info{version}`.
    public let version: String
    /// The scrape's time, for the lags (the operator's clock).
    private let now: @Sendable () -> Date
    private let leader = Locked<(@Sendable () -> Bool)?>(nil)

    public init(prometheus: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                gatewayHealth: GatewayHealthGauges = GatewayHealthGauges(), version: String = "dev",
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.prometheus = prometheus
        self.gatewayHealth = gatewayHealth
        self.version = version
        self.now = now
    }

    /// Metrics created through this factory appear in `exposition()`.
    public var factory: any MetricsFactory { PrometheusMetricsFactory(registry: prometheus) }

    /// `gateway_medic_leader` reads this at every scrape (absent until set).
    public func exportLeader(_ isLeader: @escaping @Sendable () -> Bool) {
        leader.withLock { $0 = isLeader }
    }

    /// The Prometheus text format served on /metrics. Every family has HELP and TYPE.
    public func exposition() -> [UInt8] {
        var text = expositionHead()
        gatewayHealth.render(into: &text, now: now())
        return text
    }

    /// The same text in pieces of about 64 KB, the per-gateway series rendered as each piece is
    /// asked for: what /metrics streams (a 10,000-gateway fleet's text is ≈ 37 MB).
    public func expositionChunks() -> some IteratorProtocol<[UInt8]> {
        var head: [UInt8]? = expositionHead()
        var gateways = gatewayHealth.chunks(now: now())
        return AnyIterator { () -> [UInt8]? in
            if let first = head {
                head = nil
                return first
            }
            return gateways.next()
        }
    }

    /// Everything but the per-gateway series.
    private func expositionHead() -> [UInt8] {
        var text = Self.withHelp(prometheus.emitToBuffer())
        if let isLeader = leader.current {
            text.append(contentsOf: """
                # HELP gateway_medic_leader 1 while this replica holds the leader lease (only the leader writes), else 0.
                # TYPE gateway_medic_leader gauge
                gateway_medic_leader \(isLeader() ? 1 : 0)

                """.utf8)
        }
        text.append(contentsOf: """
            # HELP gateway_medic_build_info Always 1; the version of this gateway-medic in its label.
            # TYPE gateway_medic_build_info gauge
            gateway_medic_build_info{version="\(GatewayHealthGauges.escape(version))"} 1

            """.utf8)
        ProcessMetrics.render(into: &text)
        return text
    }

    /// A new registry made the global metrics backend (every `Counter(label:)` lands in it).
    public static func bootstrapGlobal(version: String = "dev") -> MetricsRegistry {
        let registry = MetricsRegistry(version: version)
        MetricsSystem.bootstrap(registry.factory)
        return registry
    }

    /// The swift-metrics backend cannot carry help text, so a HELP line is put before each TYPE
    /// line that has none, from `help` (the families this operator makes).
    static func withHelp(_ emitted: [UInt8]) -> [UInt8] {
        let lines = String(decoding: emitted, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var result: [Substring] = []
        result.reserveCapacity(lines.count + 64)
        for line in lines {
            if line.hasPrefix("# TYPE ") {
                let name = String(line.dropFirst("# TYPE ".count).prefix { $0 != " " })
                if result.last?.hasPrefix("# HELP \(name) ") != true {
                    result.append(Substring("# HELP \(name) \(help[name] ?? "gateway-medic's \(name).")"))
                }
            }
            result.append(line)
        }
        return Array(result.joined(separator: "\n").utf8)
    }

    /// HELP text of the families made through the swift-metrics backend.
    static let help: [String: String] = [
        "controller_runtime_reconcile_total": "Reconciles per controller and result (success, error, requeue_after).",
        "controller_runtime_reconcile_errors_total": "Reconciles that failed and were retried with backoff.",
        "controller_runtime_terminal_reconcile_errors_total": "Reconciles that failed and were not retried.",
        "controller_runtime_reconcile_time_seconds": "Duration of one reconcile, API writes included.",
        "workqueue_depth": "Items waiting in the work queue.",
        "workqueue_adds_total": "Items added to the work queue.",
        "workqueue_retries_total": "Items put back on the work queue after a failure.",
        "workqueue_queue_duration_seconds": "Time an item waited in the work queue before it was processed.",
        "workqueue_work_duration_seconds": "Time processing one item took.",
        "gateway_medic_api_requests_total": "API requests by verb, resource and HTTP status (code 0: no HTTP answer).",
        "gateway_medic_watch_restarts_total": "Watches re-opened after the first one, by resource.",
        "gateway_medic_remediation_actions_total": "Pod restarts attempted, by kind (evict, delete) and result (done, refused, forbidden, gone, failed).",
        "gateway_medic_remediation_skips_total": "Restarts held back, by reason (one per evaluation that held one).",
        "gateway_medic_tickets_open": "Ticket drafts open now (on the leader).",
        "gateway_medic_tickets_total": "Ticket drafts opened, updated, resolved and expired (removed after their retention).",
        "gateway_medic_ticket_deliveries_total": "Ticket changes handed to each sink, by result (success, failure).",
        "gateway_medic_events_dropped_total": "Events the spam filter refused to write.",
    ]
}
