import Logging
import ServiceLifecycle

/// The running process: the operator and, unless `server.port` is 0, the probe and metrics
/// endpoints, supervised until a signal (or a fatal error) ends them.
public enum OperatorRunner {
    public static func run(config: OperatorConfig, process: any OperatorProcess, registry: MetricsRegistry,
                           logger: Logger, supervisor: ProcessSupervisor? = nil,
                           onListening: @escaping @Sendable (Int) async -> Void = { _ in },
                           onSignalsReady: @Sendable () async -> Void = {}) async throws {
        // Probes first: the group stops services in reverse order, so the operator stops (and
        // releases its lease) while /healthz still answers.
        var services: [any Service] = []
        registry.exportLeader { process.isLeader }
        if config.server.port != 0 {
            services.append(ProbeServer(settings: config.server, registry: registry, process: process, logger: logger, onListening: onListening))
        } else {
            logger.info("HTTP endpoints are off (server.port is 0)")
        }
        services.append(OperatorService(process: process))
        try await (supervisor ?? ProcessSupervisor(logger: logger)).run(services, onSignalsReady: onSignalsReady)
    }
}
