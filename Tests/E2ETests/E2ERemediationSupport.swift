import FabricSimulator
import Foundation
import KubeAPI
import KubeEmulator
@testable import OperatorRuntime
import Remediation
import Testing
import TestSupport

/// Reading remediation's traces out of the emulator: evictions from the request log, ticket
/// drafts from their ConfigMaps.
extension E2EWorld {
    /// Evictions POSTed over HTTP (`create` on `pods/eviction`), per pod name.
    var evictions: [String] {
        server.requestLog.filter { $0.verb == "create" && $0.resource == "pods" && $0.subresource == "eviction" }
            .compactMap(\.name)
    }

    func evictions(of gateway: String) -> Int { evictions.filter { $0.hasPrefix("gw--\(gateway)--") }.count }

    /// Ticket drafts stored as ConfigMaps in the operator namespace.
    func ticketDrafts() -> [TicketDraft] {
        let list = try? server.store.list(.configMaps, namespace: "default", labelSelector: ConfigMapTicketSink.ticketLabel)
        return (list?.items ?? []).compactMap { $0[path: "data", "ticket.json"]?.stringValue.flatMap(TicketRenderer.draft(fromJSON:)) }
    }

    func ticketDrafts(of gateway: String) -> [TicketDraft] { ticketDrafts().filter { $0.gateway == gateway } }

    func remediationRecord(_ gateway: String) -> RemediationRecord? {
        health(gateway)?[path: "status", "remediation"].flatMap(RemediationRecord.init(json:))
    }
}

/// Operator settings with restarts on (the e2e defaults otherwise).
func remediationConfig(leaderElection: Bool = false, dryRun: Bool = false,
                       _ change: (inout RemediationPolicy) -> Void = { _ in }) -> OperatorConfig {
    var config = e2eConfig(leaderElection: leaderElection, dryRun: dryRun)
    config.remediation.enabled = true
    change(&config.remediation)
    return config
}

extension E2ETests {
    /// Steps waiting for the operator to catch up after each one (`caughtUp`: informers current,
    /// queue idle, no timer due), and for its ticket writes. Not catching up is a failure: the
    /// clock would otherwise run ahead of what the operator has seen.
    static func settler(_ world: E2EWorld, _ running: RunningOperator, _ gateways: [String],
                        sourceLocation: SourceLocation = #_sourceLocation) -> () async -> Void {
        {
            let settled = await eventually(10) { await running.caughtUp(world, gateways: gateways) }
            if !settled {
                Issue.record("the operator did not catch up within 10 s at t+\(world.elapsed)s", sourceLocation: sourceLocation)
            }
            await running.instance.ticketsDelivered()
        }
    }
}
