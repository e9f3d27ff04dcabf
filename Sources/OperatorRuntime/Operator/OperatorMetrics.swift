import Foundation
import ControllerKit
import HealthModel
import Metrics
import Remediation

/// The health metrics of every gateway (`GatewayHealthGauges`: state, conditions, heartbeat
/// timestamp, lags), recorded into a table that /metrics renders (not into the swift-metrics
/// backend: see `GatewayHealthGauges` for why), and the operator's own counters
/// (`OperatorCounters`). Without a table or counters (tests, the CLI's one-shot commands) nothing
/// is recorded.
public struct OperatorMetrics: Sendable {
    public let gauges: GatewayHealthGauges?
    public let counters: OperatorCounters?

    public init(gauges: GatewayHealthGauges? = nil, counters: OperatorCounters? = nil) {
        self.gauges = gauges
        self.counters = counters
    }

    /// Cheap enough for every reconcile: a few timestamp parses and one dictionary write under a lock.
    public func record(_ key: ObjectKey, _ assessment: Assessment) {
        gauges?.record(key, assessment)
    }

    /// A heartbeat advanced: only the heartbeat gauge moves (see `GatewayHealthGauges.recordHeartbeat`).
    public func recordHeartbeat(_ key: ObjectKey, _ heartbeat: Date) {
        gauges?.recordHeartbeat(key, heartbeat)
    }

    /// A deleted gateway: its series disappear.
    public func forget(_ key: ObjectKey) {
        gauges?.remove(key)
    }
}

/// The operator's counters, in the swift-metrics backend (so /metrics renders them with the
/// client and queue metrics). The label values known in advance are created at zero when the
/// counters are made: a series that exists from the start lets `increase()` see its first event
/// and lets a rule or panel tell "none yet" from "not exported".
public struct OperatorCounters: EventRecorderCounters {
    let factory: any MetricsFactory

    public static let actionKinds = ["evict", "delete"]
    public static let actionResults = ["done", "refused", "forbidden", "gone", "failed"]
    public static let ticketEvents = ["opened", "updated", "resolved", "expired"]

    public init(factory: (any MetricsFactory)? = nil, ticketSinks: [String] = []) {
        self.factory = factory ?? MetricsSystem.factory
        for kind in Self.actionKinds { for result in Self.actionResults { _ = actions(kind, result) } }
        for reason in SkipReason.allCases { _ = skips(reason.rawValue) }
        for event in Self.ticketEvents { _ = tickets(event) }
        for sink in ticketSinks { for result in ["success", "failure"] { _ = deliveries(sink, result) } }
        eventsDroppedCounter.increment(by: 0)
        ticketsOpenGauge.record(0)
    }

    /// The label value of a restart's outcome.
    public static func result(_ result: RestartResult) -> String {
        switch result {
        case .evicted, .deleted: "done"
        case .refusedByDisruptionBudget: "refused"
        case .forbidden: "forbidden"
        case .notFound: "gone"
        case .failed: "failed"
        }
    }

    /// One restart was attempted: `action` is its kind (evict, delete), `result` how it ended.
    public func remediationAction(_ action: RemediationAction, result: RestartResult) {
        actions(action.kind, Self.result(result)).increment()
    }

    /// A restart the planner held back, by `SkipReason`.
    public func remediationSkipped(_ reason: String) {
        skips(reason).increment()
    }

    /// A ticket draft was opened, updated or resolved (`event`).
    public func ticketChanged(_ event: String) { tickets(event).increment() }

    /// Drafts open now (leader: all of them).
    public func ticketsOpen(_ count: Int) { ticketsOpenGauge.record(count) }

    /// One ticket change reached (`success`) or failed to reach (`failure`) a sink.
    public func ticketDelivered(sink: String, success: Bool) { deliveries(sink, success ? "success" : "failure").increment() }

    /// The Event spam filter refused an Event.
    public func eventDropped() { eventsDroppedCounter.increment() }

    private func actions(_ kind: String, _ result: String) -> Counter {
        Counter(label: "gateway_medic_remediation_actions_total", dimensions: [("action", kind), ("result", result)], factory: factory)
    }
    private func skips(_ reason: String) -> Counter {
        Counter(label: "gateway_medic_remediation_skips_total", dimensions: [("reason", reason)], factory: factory)
    }
    private func tickets(_ event: String) -> Counter {
        Counter(label: "gateway_medic_tickets_total", dimensions: [("event", event)], factory: factory)
    }
    private func deliveries(_ sink: String, _ result: String) -> Counter {
        Counter(label: "gateway_medic_ticket_deliveries_total", dimensions: [("sink", sink), ("result", result)], factory: factory)
    }
    private var eventsDroppedCounter: Counter { Counter(label: "gateway_medic_events_dropped_total", factory: factory) }
    private var ticketsOpenGauge: Gauge { Gauge(label: "gateway_medic_tickets_open", factory: factory) }
}
