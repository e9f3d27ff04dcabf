import CoreMetrics
import Foundation
import HealthModel
import Locking
@testable import OperatorRuntime
import Testing

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

    @Test func reconciledGatewayIsOneHotAndItsSeriesDisappearWhenDeleted() async {
        let rig = ReconcileReconcilerTests.Rig()
        let registry = MetricsRegistry(gatewayHealth: rig.gauges)
        await rig.feed(beat: 0)
        _ = await rig.reconciler.reconcile(RFx.key)
        let scraped = text(registry)
        let state = await rig.reconciler.assessments()[RFx.key]?.state
        #expect(state != nil)
        #expect(scraped.contains("# TYPE gateway_medic_gateway_state gauge\n"))
        #expect(scraped.contains("# TYPE gateway_medic_heartbeat_age_seconds gauge\n"))
        for candidate in GatewayState.allCases {
            let value = candidate == state ? 1 : 0
            #expect(scraped.contains(#"gateway_medic_gateway_state{gateway="gw-1",namespace="default",state="\#(candidate.rawValue)"} \#(value)"#))
        }
        #expect(scraped.contains(#"gateway_medic_heartbeat_age_seconds{gateway="gw-1",namespace="default"} "#))

        _ = await rig.fleet.apply(ObjectChange<GatewayView>.deleted(RFx.key, GatewayView(json: RFx.gateway())))
        _ = await rig.fleet.apply(ObjectChange<GatewayAgentView>.deleted(RFx.key, GatewayAgentView(json: RFx.agent(beat: 0))))
        _ = await rig.reconciler.reconcile(RFx.key)
        let after = text(registry)
        #expect(!after.contains("gw-1"))
        #expect(!after.contains("gateway_medic_gateway_state"))
        #expect(rig.gauges.count == 0)
    }

    @Test func labelValuesAreEscapedAndSeriesSorted() {
        let gauges = GatewayHealthGauges()
        gauges.record(ObjectKey(namespace: "ns", name: #"b"q\s"#), state: .down, heartbeatAgeSeconds: 12.5)
        gauges.record(ObjectKey(namespace: "ns", name: "a\nline"), state: .up, heartbeatAgeSeconds: nil)
        var out: [UInt8] = []
        gauges.render(into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.contains(#"gateway_medic_gateway_state{gateway="b\"q\\s",namespace="ns",state="DOWN"} 1"#))
        #expect(text.contains(#"gateway_medic_heartbeat_age_seconds{gateway="b\"q\\s",namespace="ns"} 12.5"#))
        #expect(text.contains(#"gateway_medic_gateway_state{gateway="a\nline",namespace="ns",state="UP"} 1"#))
        // No age known for "a\nline": no age line (an absent series, not a made-up 0).
        #expect(!text.contains(#"gateway_medic_heartbeat_age_seconds{gateway="a\nline""#))
        // Every sample line is one line: nothing unescaped broke one in two.
        let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(samples.count == 11 && samples.allSatisfy { $0.hasPrefix("gateway_medic_") })
        let first = text.range(of: "a\\nline").map(\.lowerBound)
        let second = text.range(of: #"b\"q"#).map(\.lowerBound)
        #expect(first != nil && second != nil && first! < second!)
    }

    @Test func anUnagedHeartbeatKeepsTheLastAgeAndNonFiniteValuesUsePrometheusSpelling() {
        let gauges = GatewayHealthGauges()
        let key = ObjectKey(namespace: "ns", name: "gw")
        gauges.record(key, state: .up, heartbeatAgeSeconds: 3)
        gauges.record(key, state: .down, heartbeatAgeSeconds: nil)
        var out: [UInt8] = []
        gauges.render(into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.contains(#"gateway_medic_heartbeat_age_seconds{gateway="gw",namespace="ns"} 3.0"#))
        #expect(text.contains(#"state="DOWN"} 1"#) && text.contains(#"state="UP"} 0"#))
        #expect(GatewayHealthGauges.number(.infinity) == "+Inf" && GatewayHealthGauges.number(-.infinity) == "-Inf")
        #expect(GatewayHealthGauges.number(.nan) == "NaN")
    }

    @Test func emptyTableAddsNothingToTheRegistryOutput() {
        let registry = MetricsRegistry()
        #expect(registry.exposition() == registry.prometheus.emitToBuffer())
    }
}
