import Foundation
import HealthModel
import Remediation

/// Keeps the set of ticket drafts and plans their changes on each assessment (leader only). The
/// planning is pure and synchronous here; the writes go to a `TicketDispatcher`, so a reconcile
/// never waits for a sink.
public actor TicketCoordinator {
    private let policy: RemediationPolicy
    private let podNamespace: String
    private let version: String
    private let dispatcher: TicketDispatcher
    private var drafts: [TicketDraft] = []
    /// The last Events the operator raised per gateway (newest last), for the drafts: packed,
    /// since every gateway keeps some (its first transition at least) and few ever have a draft.
    private var recentEvents: [GatewayKey: RecentTicketEvents] = [:]
    static let eventsKept = 20

    /// `gateway_medic_tickets_open` (nil: not exported).
    private let counters: OperatorCounters?

    public init(policy: RemediationPolicy, podNamespace: String, version: String, dispatcher: TicketDispatcher,
                counters: OperatorCounters? = nil) {
        self.counters = counters
        self.policy = policy
        self.podNamespace = podNamespace
        self.version = version
        self.dispatcher = dispatcher
    }

    /// The drafts as stored, read back when this instance starts leading: they replace what it
    /// remembered, since another leader may have opened, resolved or expired drafts meanwhile. So
    /// a draft continues across a handover (same id, same `openedAt`), a recurrence within the
    /// reopen window reopens it, and resolved drafts still expire.
    public func resume(from stored: [TicketDraft]) {
        drafts = TicketPlanner.applying(stored.map { .update($0) }, to: [])
        countOpen()
    }

    /// The gateways that have drafts (the leader reconciles each, existing or not, so that the
    /// drafts of deleted gateways are resolved and expire too).
    public var gateways: Set<GatewayKey> { Set(drafts.map(\.gatewayKey)) }

    public var all: [TicketDraft] { drafts }

    private func countOpen() {
        counters?.ticketsOpen(drafts.filter { $0.status == .open }.count)
    }

    /// Remembers Events raised about a gateway (they go into its draft).
    public func noteEvents(_ lines: [TicketEventLine], gateway: GatewayKey) {
        guard !lines.isEmpty else { return }
        recentEvents[gateway, default: RecentTicketEvents()].append(lines, keeping: Self.eventsKept)
    }

    /// Plans the gateway's drafts and hands the changes to the sinks. Returns the escalation
    /// ladder's Events for the GatewayAgent (remembered here for the drafts too) and when to look again.
    public func update(gateway: GatewayKey, assessment: Assessment, record: RemediationRecord,
                       now: Date) async -> (events: [RemediationEvent], nextCheck: Date?) {
        let plan = TicketPlanner.update(
            existing: drafts, gateway: gateway, assessment: assessment, record: record,
            lastEvents: recentEvents[gateway]?.lines ?? [], podNamespace: podNamespace, policy: policy, now: now, version: version)
        drafts = TicketPlanner.applying(plan.changes, to: drafts)
        if !plan.changes.isEmpty { countOpen() }
        noteEvents(plan.events.map { TicketEventLine(time: now, type: $0.type.rawValue, reason: $0.reason, message: $0.message) },
                   gateway: gateway)
        await dispatcher.submit(plan.changes)
        let next = TicketPlanner.nextCheck(existing: drafts, gateway: gateway, assessment: assessment, record: record,
                                            policy: policy, now: now)
        return (plan.events, next)
    }

    /// The gateway does not exist (any more): its open drafts are resolved, its resolved ones
    /// expire. Returns when the next of them expires, to reconcile the gateway's key again then.
    public func gatewayRemoved(_ gateway: GatewayKey, now: Date) async -> Date? {
        var changes = TicketPlanner.gatewayRemoved(existing: drafts, gateway: gateway, now: now)
        drafts = TicketPlanner.applying(changes, to: drafts)
        let expired = TicketPlanner.expired(existing: drafts, gateway: gateway, policy: policy, now: now)
        drafts = TicketPlanner.applying(expired, to: drafts)
        changes += expired
        countOpen()
        recentEvents[gateway] = nil
        await dispatcher.submit(changes)
        return TicketPlanner.nextExpiry(existing: drafts, gateway: gateway, policy: policy, now: now)
    }
}
