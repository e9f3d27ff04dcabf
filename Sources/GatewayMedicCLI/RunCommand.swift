import ControllerKit
import ArgumentParser
import Foundation
import KubeClient
import Logging
import OperatorRuntime

/// `gateway-medic run`: the controller. Reads the config file and flags, connects to the
/// cluster, serves the probes and metrics and runs the operator until SIGTERM or SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the operator: watch the gateways and write their GatewayHealth and Events.",
        discussion: "Settings come from the defaults, then --config, then the flags. "
            + "SIGTERM or SIGINT shuts down gracefully; a second one forces the exit.\n\n" + SettingFlags.help(for: .run))

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var settings: ConfigFlags
    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info
    @Option(help: "Log format: text (for people) or json (one object per line).")
    var logFormat: LogFormat = .text

    func run() async throws {
        LoggingSystem.bootstrap(LogSetup.factory(format: logFormat, level: logLevel))
        let logger = Logger(label: "gateway-medic")
        // Global, once, before anything creates a metric: the operator's metrics reach /metrics.
        let registry = MetricsRegistry.bootstrapGlobal(version: GatewayMedicVersion.current)
        let config: OperatorConfig
        let client: KubeClient
        // One identity for the Lease and the User-Agent, so the API server's audit log tells replicas apart.
        let identity = LeaderElectionConfig.defaultIdentity()
        do {
            config = try OperatorConfig.resolve(file: cluster.configFile, overrides: settings.overrides)
            let clusterConfig = try ClusterConfigResolver.resolve(kubeconfig: cluster.kubeconfig, context: cluster.context)
            for warning in clusterConfig.warnings { logger.warning("\(warning)") }
            client = try KubeClient(config: clusterConfig,
                                    options: ClientMetrics.options(config.informers.applied(to: ClientOptions(
                                        userAgent: "gateway-medic/\(GatewayMedicVersion.current) (\(identity))"))),
                                    logger: Logger(label: "gateway-medic.client"))
            // Names where it connects, never with what: credentials stay out of logs.
            logger.info("starting", metadata: [
                "version": "\(GatewayMedicVersion.current)", "server": "\(client.server)",
                "fabricNamespace": "\(config.fabricNamespace)", "gatewayNamespace": "\(config.gatewayNamespace)",
                "dryRun": "\(config.dryRun)", "leaderElection": "\(config.leaderElection.enabled)",
            ])
        } catch {
            logger.error("cannot start: \(error)")
            throw ExitCode(2)
        }
        defer { client.shutdown() }
        let process = makeOperator(config: config, client: client, identity: identity, logger: logger,
                                   registry: registry)
        do {
            try await OperatorRunner.run(config: config, process: process, registry: registry, logger: logger)
        } catch {
            logger.error("stopped on an error: \(error)")
            throw ExitCode.failure
        }
        logger.info("stopped")
    }
}
