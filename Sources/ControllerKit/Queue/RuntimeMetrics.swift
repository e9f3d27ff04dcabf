import Foundation
import Metrics

/// The work-queue metrics, named as client-go / controller-runtime name them so dashboards built
/// for those work unchanged. Label `name` is the queue's name (controller-runtime also adds
/// `controller` with the same value).
struct WorkQueueMetrics: Sendable {
    let depth: Gauge
    let adds: Counter
    let retries: Counter
    let queueDuration: Metrics.Timer
    let workDuration: Metrics.Timer

    init(name: String, factory: any MetricsFactory) {
        let dims = [("name", name), ("controller", name)]
        depth = Gauge(label: "workqueue_depth", dimensions: dims, factory: factory)
        adds = Counter(label: "workqueue_adds_total", dimensions: dims, factory: factory)
        retries = Counter(label: "workqueue_retries_total", dimensions: dims, factory: factory)
        queueDuration = Metrics.Timer(label: "workqueue_queue_duration_seconds", dimensions: dims, factory: factory)
        workDuration = Metrics.Timer(label: "workqueue_work_duration_seconds", dimensions: dims, factory: factory)
    }
}

/// controller-runtime's reconcile metrics for one controller.
struct ReconcileMetrics: Sendable {
    let success: Counter
    let error: Counter
    let requeueAfter: Counter
    let errors: Counter
    let terminalErrors: Counter
    let duration: Metrics.Timer

    init(controller: String, factory: any MetricsFactory) {
        func total(_ result: String) -> Counter {
            Counter(label: "controller_runtime_reconcile_total",
                    dimensions: [("controller", controller), ("result", result)], factory: factory)
        }
        success = total("success")
        error = total("error")
        requeueAfter = total("requeue_after")
        let dims = [("controller", controller)]
        errors = Counter(label: "controller_runtime_reconcile_errors_total", dimensions: dims, factory: factory)
        terminalErrors = Counter(
            label: "controller_runtime_terminal_reconcile_errors_total", dimensions: dims, factory: factory)
        duration = Metrics.Timer(label: "controller_runtime_reconcile_time_seconds", dimensions: dims, factory: factory)
    }
}
