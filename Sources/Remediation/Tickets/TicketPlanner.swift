import Foundation
import HealthModel

/// A change to the set of ticket drafts, for the sinks: open/update/resolve are written, expire is removed.
public enum TicketChange: Sendable, Equatable {
    case open(TicketDraft)
    case update(TicketDraft)
    case resolve(TicketDraft)
    case expire(id: String)

    public var id: String {
        switch self {
        case .open(let d), .update(let d), .resolve(let d): d.id
        case .expire(let id): id
        }
    }

    /// The draft to write; nil for an expiry (remove it).
    public var draft: TicketDraft? {
        switch self {
        case .open(let d), .update(let d), .resolve(let d): d
        case .expire: nil
        }
    }
}

/// Opens, updates, resolves and expires ticket drafts: a pure function (docs/remediation.md §4).
///
/// The incident rule: an incident of KEEPALIVE_FAIL or CONFIG_FAIL starts at the state's `since`
/// and gets a draft once it has lasted `ticketAfter`. While a draft of that incident is open it is
/// the same incident (updated, never duplicated), whatever the state does, until the gateway is
/// UP: then it is resolved at the time UP began. If the same state returns and lasts `ticketAfter`
/// again within `ticketReopenWindow` of that resolution, the draft is reopened (same id) rather
/// than a new one opened. RemediationExhausted opens a draft at once (its start is `exhaustedAt`).
public enum TicketPlanner {
    public static func update(existing: [TicketDraft], gateway: GatewayKey, assessment a: Assessment,
                              record: RemediationRecord, lastEvents: [TicketEventLine], podNamespace: String = "fab",
                              policy: RemediationPolicy, now rawNow: Date, version: String) -> [TicketChange] {
        let now = rawNow.wholeSeconds
        var changes: [TicketChange] = []
        var drafts: [TicketDraft] = []
        for d in existing where d.gatewayKey == gateway {
            if d.status == .resolved, let at = d.resolvedAt, now.timeIntervalSince(at) >= policy.resolvedTicketTTL {
                changes.append(.expire(id: d.id))
            } else {
                drafts.append(d)
            }
        }
        let context = Context(gateway: gateway, assessment: a, record: record, podNamespace: podNamespace,
                              events: lastEvents, version: version, now: now)
        if a.state == .up {
            for d in drafts where d.status == .open {
                var resolved = context.refreshed(d)
                resolved.status = .resolved
                resolved.resolvedAt = min(a.since, now)
                changes.append(.resolve(resolved))
            }
            return changes
        }
        var handled = Set<String>()
        for (incident, since) in activeIncidents(a, record: record, policy: policy, now: now) {
            if let open = drafts.first(where: { $0.incident == incident && $0.status == .open }) {
                handled.insert(open.id)
                if let change = context.refreshIfNeeded(open, policy: policy) { changes.append(change) }
            } else if let recent = drafts.filter({ d in
                d.incident == incident && d.status == .resolved
                    && d.resolvedAt.map { since.timeIntervalSince($0) <= policy.ticketReopenWindow } == true
            }).max(by: { ($0.resolvedAt ?? .distantPast) < ($1.resolvedAt ?? .distantPast) }) {
                handled.insert(recent.id)
                var reopened = context.refreshed(recent)
                reopened.status = .open
                reopened.resolvedAt = nil
                changes.append(.update(reopened))
            } else {
                let id = TicketDraft.makeID(gateway: gateway, incident: incident, since: since)
                guard !drafts.contains(where: { $0.id == id }) else { continue }
                handled.insert(id)
                changes.append(.open(context.newDraft(id: id, incident: incident, since: since)))
            }
        }
        // Open drafts whose state has moved on (e.g. KEEPALIVE_FAIL → DOWN) stay open and current.
        for d in drafts where d.status == .open && !handled.contains(d.id) {
            if let change = context.refreshIfNeeded(d, policy: policy) { changes.append(change) }
        }
        return changes
    }

    /// When `update` could give another answer with no new input: an episode reaching
    /// `ticketAfter`, a refresh falling due, or a resolved draft expiring.
    public static func nextCheck(existing: [TicketDraft], gateway: GatewayKey, assessment a: Assessment,
                                 policy: RemediationPolicy, now: Date) -> Date? {
        var times: [Date] = []
        if TicketIncident(state: a.state) != nil { times.append(a.since.addingTimeInterval(policy.ticketAfter)) }
        for d in existing where d.gatewayKey == gateway {
            if d.status == .open { times.append(d.updatedAt.addingTimeInterval(policy.ticketRefreshInterval)) }
            if let at = d.resolvedAt { times.append(at.addingTimeInterval(policy.resolvedTicketTTL)) }
        }
        return times.filter { $0 > now.wholeSeconds }.min()
    }

    /// The gateway is gone: its open drafts are resolved now (they expire like any other).
    public static func gatewayRemoved(existing: [TicketDraft], gateway: GatewayKey, now: Date) -> [TicketChange] {
        existing.filter { $0.gatewayKey == gateway && $0.status == .open }.map { d in
            var d = d
            d.status = .resolved
            d.resolvedAt = now.wholeSeconds
            d.updatedAt = now.wholeSeconds
            d.summary += " The gateway has been removed."
            return .resolve(d)
        }
    }

    /// The drafts after `changes` (for callers keeping the set in memory).
    public static func applying(_ changes: [TicketChange], to drafts: [TicketDraft]) -> [TicketDraft] {
        var byID = Dictionary(drafts.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        for change in changes {
            byID[change.id] = change.draft
        }
        return byID.values.sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }
    }

    private static func activeIncidents(_ a: Assessment, record: RemediationRecord, policy: RemediationPolicy,
                                        now: Date) -> [(TicketIncident, Date)] {
        var out: [(TicketIncident, Date)] = []
        if let incident = TicketIncident(state: a.state), now.timeIntervalSince(a.since) >= policy.ticketAfter {
            out.append((incident, a.since))
        }
        if let at = record.exhaustedAt { out.append((.remediationExhausted, at)) }
        return out
    }
}
