import Foundation
import Logging
import ServiceLifecycle

/// Runs the process's services in a swift-service-lifecycle `ServiceGroup` and turns signals into
/// a shutdown as controller-runtime does: the first SIGTERM or SIGINT starts a graceful shutdown
/// (services stop in reverse order: the operator before the probes), a second one forces the exit
/// at once, and a graceful shutdown that overruns its budget is cancelled.
public struct ProcessSupervisor: Sendable {
    public var signals: [Int32]
    /// controller-runtime's default graceful-shutdown budget.
    public var gracefulShutdownBudget: Duration
    public var logger: Logger
    /// Called on the second signal; the default exits with 128 + the signal number. If it returns
    /// (tests), the group is cancelled instead.
    public var forceExit: @Sendable (Int32) -> Void

    public init(signals: [Int32] = [SIGTERM, SIGINT], gracefulShutdownBudget: Duration = .seconds(30), logger: Logger,
                forceExit: @escaping @Sendable (Int32) -> Void = { exit(128 + $0) }) {
        self.signals = signals
        self.gracefulShutdownBudget = gracefulShutdownBudget
        self.logger = logger
        self.forceExit = forceExit
    }

    /// Runs until every service has stopped. `onSignalsReady` is called once signals are trapped.
    public func run(_ services: [any Service], onSignalsReady: @Sendable () async -> Void = {}) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }, logger: logger)
        configuration.maximumGracefulShutdownDuration = gracefulShutdownBudget
        let group = ServiceGroup(configuration: configuration)
        let watcher = SignalWatcher(signals)
        await watcher.start()
        defer { watcher.stop() }
        await onSignalsReady()
        let logger = self.logger
        let forceExit = self.forceExit
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return true
            }
            tasks.addTask {
                var count = 0
                for await signal in watcher.signals {
                    count += 1
                    if count == 1 {
                        logger.notice("signal received: shutting down gracefully (send it again to force)", metadata: ["signal": "\(signal)"])
                        await group.triggerGracefulShutdown()
                    } else {
                        logger.critical("second signal received: forcing exit", metadata: ["signal": "\(signal)"])
                        forceExit(signal)
                        return false  // forceExit returned: cancel the group below
                    }
                }
                return false
            }
            while let groupFinished = try await tasks.next() {
                if groupFinished { break }
                // The signal task ended without the group: a forced exit that returned, or the
                // watcher stopped. Either way nothing graceful is left to wait for.
                if Task.isCancelled { break }
                tasks.cancelAll()
            }
            tasks.cancelAll()
        }
    }
}
