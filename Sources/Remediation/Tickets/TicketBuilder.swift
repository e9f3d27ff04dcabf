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
            d.facts = facts
            d.version = version
            d.updatedAt = now
            return d
        }

        /// The material facts now (docs/tickets.md §2).
        var facts: TicketFacts { TicketFacts(assessment: assessment, record: record, events: scrubbedEvents) }

        /// An update when the material facts changed; else, once `ticketRefreshInterval` has passed
        /// since the last write, when anything else shown changed (ages, counters, the Events);
        /// else nil. A gateway stuck for hours, heartbeating every 15 s, must not rewrite its
        /// ConfigMap and webhook on every heartbeat.
        func refreshIfNeeded(_ draft: TicketDraft, policy: RemediationPolicy) -> TicketChange? {
            let fresh = refreshed(draft)
            if fresh.facts != draft.facts { return .update(fresh) }
            guard now.timeIntervalSince(draft.updatedAt) >= policy.ticketRefreshInterval else { return nil }
            var unchanged = fresh
            unchanged.updatedAt = draft.updatedAt
            return unchanged == draft ? nil : .update(fresh)
        }
    }
}
