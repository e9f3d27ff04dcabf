import ControllerKit
import Foundation
import KubeClient
import Logging
import OperatorRuntime

/// The single place the operator is built for `run`. Metrics are bootstrapped before this is
/// called, so the operator's metrics reach /metrics. In dry-run the would-be writes go to stdout.
func makeOperator(config: OperatorConfig, client: KubeClient, identity: String, logger: Logger,
                  registry: MetricsRegistry? = nil) -> any OperatorProcess {
    let printLine: @Sendable (String) -> Void = { line in print(line) }
    return GatewayMedicOperator(config: config, client: client, clock: SystemClock(), identity: identity, logger: logger,
                                output: config.dryRun ? printLine : nil, version: GatewayMedicVersion.current,
                                gauges: registry?.gatewayHealth, metricsFactory: registry?.factory)
}

extension GatewayMedicOperator: OperatorProcess {}
