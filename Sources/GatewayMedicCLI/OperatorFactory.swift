import Foundation
import KubeClient
import Logging
import OperatorRuntime

// MARK: - LEAD: plug GatewayMedicOperator in here (the single place the operator is built).
//
// Replace the body of `makeOperator` with:
//
//     GatewayMedicOperator(config: config, client: client, clock: SystemClock(),
//                          identity: nil, logger: logger,
//                          output: config.dryRun ? { line in print(line) } : nil)
//
// and add `extension GatewayMedicOperator: OperatorProcess {}` (its `run()`, nonisolated
// `hasSynced` and `isLeader` satisfy the protocol). Then delete `OperatorNotLinked`.
// Metrics are bootstrapped before this is called, so the operator's metrics reach /metrics.
func makeOperator(config: OperatorConfig, client: KubeClient, logger: Logger) -> any OperatorProcess {
    OperatorNotLinked(logger: logger)
}

/// Stand-in until the operator is linked: idles until shut down, never ready.
struct OperatorNotLinked: OperatorProcess {
    let logger: Logger
    var hasSynced: Bool { false }
    var isLeader: Bool { false }

    func run() async throws {
        logger.warning("the operator is not linked into this build: serving probes only")
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
    }
}
