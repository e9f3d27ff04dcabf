import Foundation
import HealthModel

extension TicketPlanner {
    /// Builds and refreshes drafts from one moment's facts. Every text is scrubbed here, once.
    struct Context {
        var gateway: GatewayKey
        var assessment: Assessment
        var record: RemediationRecord
        var podNamespace: String
        var events: [TicketEventLine]
        var version: String
        var now: Date

        /// The most recent 20 Events, oldest first, scrubbed.
        var scrubbedEvents: [TicketEventLine] {
            events.sorted { ($0.time ?? .distantPast) < ($1.time ?? .distantPast) }.suffix(20).map { e in
                TicketEventLine(time: e.time, type: e.type, reason: SecretScrubber.scrub(e.reason),
                                message: SecretScrubber.scrub(e.message), count: e.count)
            }
        }

        func newDraft(id: String, incident: TicketIncident, since: Date) -> TicketDraft {
            let base = TicketDraft(
                id: id, title: "", severity: incident.severity, gateway: gateway.name, namespace: gateway.namespace,
                incident: incident, state: assessment.state, since: since, summary: "", evidence: Evidence(),
                checklist: [], kubectlCommands: [], lastEvents: [], version: version, status: .open,
                resolvedAt: nil, openedAt: now, updatedAt: now)
            return refreshed(base)
        }

        /// The draft with today's facts; identity, incident, start and status kept.
        func refreshed(_ draft: TicketDraft) -> TicketDraft {
            var d = draft
            let pods = assessment.evidence.pods.map(\.name)
            d.title = SecretScrubber.scrub(TicketContent.title(d.incident, gateway: gateway.name))
            d.severity = d.incident.severity
            d.state = assessment.state
            d.summary = SecretScrubber.scrub(TicketContent.summary(d.incident, assessment, gateway: gateway.name,
                                                                   since: d.since, record: record))
            d.evidence = TicketContent.scrubbed(assessment.evidence)
            d.checklist = TicketContent.checklist(d.incident, gateway: gateway.name, podNamespace: podNamespace)
            d.kubectlCommands = TicketContent.kubectlCommands(gateway: gateway.name, namespace: gateway.namespace,
                                                              podNamespace: podNamespace, pods: pods)
            d.lastEvents = scrubbedEvents
            d.version = version
            d.updatedAt = now
            return d
        }

        /// An update when something material changed or the refresh interval has passed; else nil
        /// (a gateway stuck for hours must not rewrite its ConfigMap and webhook every reconcile).
        func refreshIfNeeded(_ draft: TicketDraft, policy: RemediationPolicy) -> TicketChange? {
            let fresh = refreshed(draft)
            let due = now.timeIntervalSince(draft.updatedAt) >= policy.ticketRefreshInterval
            return due || Self.fingerprint(fresh) != Self.fingerprint(draft) ? .update(fresh) : nil
        }

        /// What counts as a material change: state, generations, sessions, pods, liveness, Events.
        /// Ages, lags and counters move all the time and are left out.
        static func fingerprint(_ d: TicketDraft) -> String {
            let e = d.evidence
            var parts = [d.state.rawValue, d.status.rawValue, e.heartbeat ?? "-",
                         "\(e.appliedGeneration ?? -1)/\(e.currentGeneration ?? -1)/\(e.frrAppliedGeneration ?? -1)",
                         e.bgpSummary, e.liveness.rawValue, d.version]
            parts += e.neighbors.map { "\($0.vrf ?? "")/\($0.address)=\($0.state)" }
            parts += e.pods.map { "\($0.name):\($0.phase):\($0.ready):\($0.restarts):\($0.terminating):\($0.detail ?? "")" }
            parts += d.lastEvents.map { "\($0.reason):\($0.message):\($0.count ?? 1)" }
            return parts.joined(separator: "|")
        }
    }
}
