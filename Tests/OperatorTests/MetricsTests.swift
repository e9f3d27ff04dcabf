import ControllerKit
import CoreMetrics
import Foundation
import HealthModel
import KubeAPI
import Locking
@testable import OperatorRuntime
import Testing
import TestSupport

/// Records every metric value under "label{k=v,...}" (dimensions sorted).
final class RecordingMetrics: MetricsFactory, @unchecked Sendable {
    let values = Locked<[String: Double]>([:])

    final class Handler: CounterHandler, RecorderHandler, TimerHandler, @unchecked Sendable {
        let key: String
        let values: Locked<[String: Double]>
        let accumulate: Bool
        init(_ key: String, _ values: Locked<[String: Double]>, accumulate: Bool) {
            self.key = key
            self.values = values
            self.accumulate = accumulate
        }
        func set(_ value: Double) {
            values.withLock { $0[key] = accumulate ? ($0[key] ?? 0) + value : value }
        }
        func increment(by amount: Int64) { set(Double(amount)) }
        func reset() { values.withLock { $0[key] = 0 } }
        func record(_ value: Int64) { set(Double(value)) }
        func record(_ value: Double) { set(value) }
        func recordNanoseconds(_ duration: Int64) { values.withLock { $0[key, default: 0] += 1 } }  // counts samples
    }

    static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        label + "{" + dimensions.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Handler(Self.key(label, dimensions), values, accumulate: true)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(Self.key(label, dimensions), values, accumulate: false)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        Handler(Self.key(label, dimensions), values, accumulate: true)
    }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    subscript(_ key: String) -> Double? { values.current[key] }
}

@Suite struct MetricsTests {
    @Test func queueAndReconcileMetricsUseControllerRuntimeNames() async {
        let metrics = RecordingMetrics()
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "gateways", clock: clock, metricsFactory: metrics)
        let controller = Controller(name: "gateways", queue: queue, clock: clock, metricsFactory: metrics)
        await queue.add("a")
        await queue.add("b")
        await queue.add("b")
        #expect(metrics["workqueue_depth{controller=gateways,name=gateways}"] == 2)
        #expect(metrics["workqueue_adds_total{controller=gateways,name=gateways}"] == 2)
        for (key, result) in [("a", ReconcileResult.done), ("b", .retry(Failure(description: "boom")))] {
            guard let next = await queue.next() else { Issue.record("queue empty"); return }
            #expect(next == key)
            await controller.process(next) { _ in result }
        }
        #expect(metrics["controller_runtime_reconcile_total{controller=gateways,result=success}"] == 1)
        #expect(metrics["controller_runtime_reconcile_total{controller=gateways,result=error}"] == 1)
        #expect(metrics["controller_runtime_reconcile_errors_total{controller=gateways}"] == 1)
        #expect(metrics["workqueue_retries_total{controller=gateways,name=gateways}"] == 1)
        #expect(metrics["controller_runtime_reconcile_time_seconds{controller=gateways}"] == 2)
        #expect(metrics["workqueue_queue_duration_seconds{controller=gateways,name=gateways}"] == 2)
        #expect(metrics["workqueue_work_duration_seconds{controller=gateways,name=gateways}"] == 2)
        #expect(metrics["workqueue_depth{controller=gateways,name=gateways}"] == 0)
    }
}

@Suite struct GatewayHealthMetricsTests {
    private func text(_ registry: MetricsRegistry) -> String { String(decoding: registry.exposition(), as: UTF8.self) }
    private func render(_ gauges: GatewayHealthGauges, now: Date = RFx.t0) -> String {
        var out: [UInt8] = []
        gauges.render(into: &out, now: now)
        return String(decoding: out, as: UTF8.self)
    }
    private typealias Entry = GatewayHealthGauges.Entry

    @Test func reconciledGatewayIsOneHotPerStateAndConditionAndItsSeriesDisappearWhenDeleted() async {
        let rig = ReconcileReconcilerTests.Rig()
        let registry = MetricsRegistry(gatewayHealth: rig.gauges, now: { rig.clock.now() })
        await rig.feed(beat: 0)
        _ = await rig.reconciler.reconcile(RFx.key)
        let scraped = text(registry)
        let assessment = await rig.reconciler.assessments()[RFx.key]
        let state = assessment?.state
        #expect(state != nil)
        #expect(scraped.contains("# TYPE gateway_medic_gateway_state gauge\n"))
        #expect(scraped.contains("# TYPE gateway_medic_condition gauge\n"))
        let labels = #"gateway_namespace="default",gateway="gw-1""#
        for candidate in GatewayState.allCases {
            let value = candidate == state ? 1 : 0
            #expect(scraped.contains(#"gateway_medic_gateway_state{\#(labels),state="\#(candidate.rawValue)"} \#(value)"#))
        }
        // Every condition the model wrote, one-hot over True/False/Unknown.
        let conditions = assessment?.conditions ?? []
        #expect(conditions.count == ConditionType.all.count)
        for condition in conditions {
            for status in ["True", "False", "Unknown"] {
                let value = status == condition.status ? 1 : 0
                #expect(scraped.contains(#"gateway_medic_condition{\#(labels),condition="\#(condition.type)",status="\#(status)"} \#(value)"#))
            }
        }
        // The heartbeat's own time, not an age: RFx.t0 is when the agent stamped it.
        #expect(scraped.contains(#"gateway_medic_last_heartbeat_timestamp_seconds{\#(labels)} \#(Int(RFx.t0.timeIntervalSince1970))"#))
        #expect(scraped.contains(#"gateway_medic_config_lag_seconds{\#(labels)} 0"#))
        #expect(!scraped.contains("namespace=\"default\",") || scraped.contains("gateway_namespace=\"default\""))

        _ = rig.fleet.apply(ObjectChange<GatewayView>.deleted(RFx.key, GatewayView(json: RFx.gateway())))
        _ = rig.fleet.apply(ObjectChange<GatewayAgentView>.deleted(RFx.key, GatewayAgentView(json: RFx.agent(beat: 0))))
        _ = await rig.reconciler.reconcile(RFx.key)
        let after = text(registry)
        #expect(!after.contains("gw-1"))
        #expect(after.contains("# TYPE gateway_medic_gateway_state gauge\n"))  // the family stays announced
        #expect(rig.gauges.count == 0)
    }

    /// The table keeps a gateway's conditions as shared types and two bits per status; what it
    /// renders is still each gateway's own list: other types, a status that is none of the
    /// three (one-hot over the three: all 0), and more conditions than the bits hold.
    @Test func conditionsRenderAsRecordedWhateverTheirTypesAndStatuses() {
        let gauges = GatewayHealthGauges()
        let many = (0..<40).map { (type: "C\($0)", status: ["True", "False", "Unknown"][$0 % 3]) }
        gauges.record(ObjectKey(namespace: "ns", name: "a"), Entry(state: .up, conditions: [("Ready", "True"), ("Heartbeat", "False")], heartbeat: nil))
        gauges.record(ObjectKey(namespace: "ns", name: "b"), Entry(state: .up, conditions: [("Ready", "Unknown"), ("Heartbeat", "True")], heartbeat: nil))
        gauges.record(ObjectKey(namespace: "ns", name: "c"), Entry(state: .up, conditions: [("Ready", "Maybe"), ("Other", "False")], heartbeat: nil))
        gauges.record(ObjectKey(namespace: "ns", name: "d"), Entry(state: .up, conditions: many, heartbeat: nil))
        let text = render(gauges)
        func value(_ gateway: String, _ type: String, _ status: String) -> String? {
            let prefix = #"gateway_medic_condition{gateway_namespace="ns",gateway="\#(gateway)",condition="\#(type)",status="\#(status)"} "#
            return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        }
        for (gateway, type, status) in [("a", "Ready", "True"), ("a", "Heartbeat", "False"), ("b", "Ready", "Unknown"), ("b", "Heartbeat", "True"),
                                        ("c", "Other", "False")] {
            for candidate in ["True", "False", "Unknown"] {
                #expect(value(gateway, type, candidate) == (candidate == status ? "1" : "0"), "\(gateway) \(type) \(candidate)")
            }
        }
        #expect(["True", "False", "Unknown"].allSatisfy { value("c", "Ready", $0) == "0" })
        for condition in many {
            for candidate in ["True", "False", "Unknown"] {
                #expect(value("d", condition.type, candidate) == (candidate == condition.status ? "1" : "0"))
            }
        }
        #expect(value("a", "Other", "False") == nil && value("c", "Heartbeat", "True") == nil)
    }

    @Test func labelValuesAreEscapedAndSeriesSorted() {
        let gauges = GatewayHealthGauges()
        gauges.record(ObjectKey(namespace: "ns", name: #"b"q\s"#),
                      Entry(state: .down, conditions: [("Ready", "False")], heartbeat: Date(timeIntervalSince1970: 12.5)))
        gauges.record(ObjectKey(namespace: "ns", name: "a\nline"), Entry(state: .up, conditions: [], heartbeat: nil))
        let text = render(gauges)
        #expect(text.contains(#"gateway_medic_gateway_state{gateway_namespace="ns",gateway="b\"q\\s",state="DOWN"} 1"#))
        #expect(text.contains(#"gateway_medic_condition{gateway_namespace="ns",gateway="b\"q\\s",condition="Ready",status="False"} 1"#))
        #expect(text.contains(#"gateway_medic_last_heartbeat_timestamp_seconds{gateway_namespace="ns",gateway="b\"q\\s"} 12.5"#))
        #expect(text.contains(#"gateway_medic_gateway_state{gateway_namespace="ns",gateway="a\nline",state="UP"} 1"#))
        // No heartbeat known for "a\nline": no timestamp line (an absent series, not a made-up 0).
        #expect(!text.contains(#"gateway_medic_last_heartbeat_timestamp_seconds{gateway_namespace="ns",gateway="a\nline""#))
        // Every sample line is one line: nothing unescaped broke one in two.
        let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        // 2 × 5 states, 3 condition statuses, 1 heartbeat, 2 × 2 lags.
        #expect(samples.count == 18 && samples.allSatisfy { $0.hasPrefix("gateway_medic_") })
        let first = text.range(of: "a\\nline").map(\.lowerBound)
        let second = text.range(of: #"b\"q"#).map(\.lowerBound)
        #expect(first != nil && second != nil && first! < second!)
    }

    /// /metrics streams the per-gateway series in bounded pieces (a 10,000-gateway text is
    /// ≈ 37 MB); joined, they are exactly the whole text, families in order, none cut or doubled.
    @Test func chunkedRenderingIsTheWholeTextInBoundedPieces() {
        let gauges = GatewayHealthGauges()
        for i in 0..<300 {
            gauges.record(ObjectKey(namespace: "ns", name: String(format: "gw-%03d", i)),
                          Entry(state: i % 7 == 0 ? .down : .up, conditions: [("Ready", "True"), ("Heartbeat", "False")],
                                heartbeat: i % 5 == 0 ? nil : RFx.t0, configLagSince: RFx.t0.addingTimeInterval(-10)))
        }
        let whole = render(gauges)
        var chunks = gauges.chunks(now: RFx.t0, chunkBytes: 4096)
        var pieces: [[UInt8]] = []
        while let chunk = chunks.next() { pieces.append(chunk) }
        #expect(String(decoding: pieces.joined(), as: UTF8.self) == whole)
        #expect(pieces.count > 10)
        // A piece ends after the gateway that took it past the limit: one gateway's lines at most beyond it.
        #expect(pieces.allSatisfy { $0.count < 4096 + 1024 }, "\(pieces.map(\.count).max() ?? 0)")
        #expect(pieces.dropLast().allSatisfy { $0.last == UInt8(ascii: "\n") })
        var empty = GatewayHealthGauges().chunks(now: RFx.t0, chunkBytes: 4096)
        let announced = String(decoding: empty.next() ?? [], as: UTF8.self)
        #expect(announced.contains("# TYPE gateway_medic_gateway_state gauge") && announced.contains("# TYPE gateway_medic_frr_lag_seconds gauge"))
        #expect(empty.next() == nil)
    }

    @Test func aMissingHeartbeatKeepsTheLastTimestampAndLagsAreMeasuredAtScrapeTime() {
        let gauges = GatewayHealthGauges()
        let key = ObjectKey(namespace: "ns", name: "gw")
        let beat = RFx.t0.addingTimeInterval(-30)
        gauges.record(key, Entry(state: .up, conditions: [], heartbeat: beat))
        let lagSince = RFx.t0.addingTimeInterval(-90)
        gauges.record(key, Entry(state: .configFail, conditions: [], heartbeat: nil, configLagSince: lagSince,
                                 routingLagSince: RFx.t0.addingTimeInterval(5)))
        let atT0 = render(gauges, now: RFx.t0)
        #expect(atT0.contains(#"gateway_medic_last_heartbeat_timestamp_seconds{gateway_namespace="ns",gateway="gw"} \#(Int(beat.timeIntervalSince1970))"#))
        #expect(atT0.contains(#"gateway_medic_config_lag_seconds{gateway_namespace="ns",gateway="gw"} 90"#))
        // A lag stamped ahead of our clock has not begun: 0, never negative.
        #expect(atT0.contains(#"gateway_medic_frr_lag_seconds{gateway_namespace="ns",gateway="gw"} 0"#))
        // No new evaluation, a later scrape: the lag grows (an age kept from the evaluation would be frozen).
        let later = render(gauges, now: RFx.t0.addingTimeInterval(60))
        #expect(later.contains(#"gateway_medic_config_lag_seconds{gateway_namespace="ns",gateway="gw"} 150"#))
        #expect(later.contains(#"gateway_medic_frr_lag_seconds{gateway_namespace="ns",gateway="gw"} 55"#))
        #expect(GatewayHealthGauges.number(.infinity) == "+Inf" && GatewayHealthGauges.number(-.infinity) == "-Inf")
        #expect(GatewayHealthGauges.number(.nan) == "NaN" && GatewayHealthGauges.number(2.5) == "2.5")
    }

    @Test func everyFamilyHasHelpAndTypeAndNoLabelIsOneThatPrometheusOwns() async {
        let registry = MetricsRegistry(version: "1.2.3", now: { RFx.t0 })
        registry.exportLeader { true }
        // The operator's counters and the controller-runtime-named families, through the backend.
        _ = OperatorCounters(factory: registry.factory, ticketSinks: ["configmap"])
        let queue = WorkQueue<String>(name: "gatewayhealth", clock: ManualClock(), metricsFactory: registry.factory)
        _ = Controller(name: "gatewayhealth", queue: queue, clock: ManualClock(), metricsFactory: registry.factory)
        await queue.add("a")
        registry.gatewayHealth.record(ObjectKey(namespace: "ns", name: "gw"),
                                      Entry(state: .up, conditions: [("Ready", "True")], heartbeat: RFx.t0))
        let lines = text(registry).split(separator: "\n")
        let types = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        let helps = Set(lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
        #expect(types.count == Set(types).count)  // one block per family
        for name in types { #expect(helps.contains(name), "no HELP for \(name)") }
        for family in ["gateway_medic_leader", "gateway_medic_build_info", "process_cpu_seconds_total", "process_resident_memory_bytes",
                       "process_open_fds", "gateway_medic_remediation_actions_total", "gateway_medic_remediation_skips_total",
                       "gateway_medic_tickets_open", "gateway_medic_tickets_total", "gateway_medic_ticket_deliveries_total",
                       "gateway_medic_events_dropped_total", "workqueue_depth", "controller_runtime_reconcile_total",
                       "gateway_medic_condition", "gateway_medic_last_heartbeat_timestamp_seconds"] {
            #expect(types.contains(Substring(family)), "\(family) not exposed")
        }
        #expect(lines.contains("gateway_medic_leader 1"))
        #expect(lines.contains(#"gateway_medic_build_info{version="1.2.3"} 1"#))
        for line in lines where !line.hasPrefix("#") {
            for owned in ["namespace", "job", "instance", "pod"] {
                #expect(!line.contains("{\(owned)=\"") && !line.contains(",\(owned)=\""), "\(line) has label \(owned)")
            }
        }
    }

    @Test func operatorCountersCountTicketsDeliveriesAndDroppedEvents() async {
        // The known series exist from the start, at 0.
        let registry = MetricsRegistry()
        _ = OperatorCounters(factory: registry.factory, ticketSinks: ["print"])
        let initial = text(registry)
        for series in [#"gateway_medic_tickets_total{event="opened"} 0"#, #"gateway_medic_ticket_deliveries_total{sink="print",result="failure"} 0"#,
                       #"gateway_medic_remediation_skips_total{reason="Cooldown"} 0"#, #"gateway_medic_remediation_actions_total{action="evict",result="done"} 0"#,
                       "gateway_medic_events_dropped_total 0", "gateway_medic_tickets_open 0.0"] {
            #expect(initial.contains(series + "\n"), "missing: \(series)")
        }
        let metrics = RecordingMetrics()
        let counters = OperatorCounters(factory: metrics, ticketSinks: ["print"])
        counters.remediationSkipped("Cooldown")
        counters.ticketsOpen(3)
        counters.ticketDelivered(sink: "print", success: false)
        counters.eventDropped()
        #expect(metrics["gateway_medic_remediation_skips_total{reason=Cooldown}"] == 1)
        #expect(metrics["gateway_medic_tickets_open{}"] == 3)
        #expect(metrics["gateway_medic_ticket_deliveries_total{result=failure,sink=print}"] == 1)
        #expect(metrics["gateway_medic_events_dropped_total{}"] == 1)

        // The spam filter's refusals reach the counter.
        let recorder = EventRecorder(sink: MemoryEventSink(), component: "gateway-medic", clock: ManualClock(start: RFx.t0),
                                     options: EventRecorderOptions(spamBurst: 1), counters: counters)
        let agent = ObjectReference(apiVersion: "v1", kind: "Pod", name: "p", namespace: "ns", uid: "u")
        _ = await recorder.record(involved: agent, type: .normal, reason: "A", message: "a")
        _ = await recorder.record(involved: agent, type: .normal, reason: "B", message: "b")
        #expect(metrics["gateway_medic_events_dropped_total{}"] == 2)
    }
}
