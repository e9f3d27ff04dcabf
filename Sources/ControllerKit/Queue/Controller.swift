import Foundation
import Logging
import Metrics

/// Runs a reconcile function over the keys of a `WorkQueue` with a fixed number of workers.
/// The queue guarantees a key is never reconciled by two workers at once; the controller turns
/// each `ReconcileResult` into the queue operation it implies and records controller-runtime's
/// reconcile metrics.
public struct Controller<Key: Hashable & Sendable>: Sendable {
    public let name: String
    public let queue: WorkQueue<Key>
    private let clock: any RuntimeClock
    private let logger: Logger
    private let metrics: ReconcileMetrics

    public init(name: String, queue: WorkQueue<Key>, clock: any RuntimeClock = SystemClock(),
                logger: Logger = Logger(label: "gateway-medic.controller"),
                metricsFactory: (any MetricsFactory)? = nil) {
        self.name = name
        self.queue = queue
        self.clock = clock
        var logger = logger
        logger[metadataKey: "controller"] = "\(name)"
        self.logger = logger
        self.metrics = ReconcileMetrics(controller: name, factory: metricsFactory ?? MetricsSystem.factory)
    }

    /// Works until the queue is shut down; cancelling the calling task shuts the queue down.
    /// In-flight reconciles finish before this returns.
    public func run(workers: Int, reconcile: @escaping @Sendable (Key) async -> ReconcileResult) async {
        let queue = self.queue
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, workers) {
                    group.addTask {
                        while let key = await queue.next() {
                            await self.process(key, reconcile: reconcile)
                        }
                    }
                }
            }
        } onCancel: {
            Task { await queue.shutDown() }
        }
    }

    /// One reconcile of `key` and its bookkeeping. Public so a caller can drive a single step.
    public func process(_ key: Key, reconcile: @Sendable (Key) async -> ReconcileResult) async {
        let start = clock.now()
        let result = await reconcile(key)
        metrics.duration.recordSeconds(max(0, clock.now().timeIntervalSince(start)))
        switch result {
        case .done:
            metrics.success.increment()
            await queue.forget(key)
        case .requeueAfter(let delay):
            metrics.requeueAfter.increment()
            await queue.forget(key)
            await queue.addAfter(key, delay: delay)
        case .requeueAt(let deadline):
            metrics.requeueAfter.increment()
            await queue.forget(key)
            await queue.addAfter(key, deadline: deadline)
        case .retry(let error):
            metrics.error.increment()
            metrics.errors.increment()
            let attempt = await queue.numRequeues(key) + 1
            logger.warning("reconcile failed; retrying with backoff",
                           metadata: ["key": "\(key)", "attempt": "\(attempt)", "error": "\(error)"])
            await queue.addRateLimited(key)
        case .terminal(let error):
            metrics.error.increment()
            metrics.errors.increment()
            metrics.terminalErrors.increment()
            logger.error("reconcile failed permanently; not retrying until the object changes",
                         metadata: ["key": "\(key)", "error": "\(error)"])
            await queue.forget(key)
        }
        await queue.done(key)
    }
}
