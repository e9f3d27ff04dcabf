import CoreMetrics
import Foundation
import Testing
@testable import OperatorRuntime

/// Records every metric value under "label{k=v,...}" (dimensions sorted).
final class RecordingMetrics: MetricsFactory, @unchecked Sendable {
    let values = LockedValue<[String: Double]>([:])

    final class Handler: CounterHandler, RecorderHandler, TimerHandler, @unchecked Sendable {
        let key: String
        let values: LockedValue<[String: Double]>
        let accumulate: Bool
        init(_ key: String, _ values: LockedValue<[String: Double]>, accumulate: Bool) {
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
