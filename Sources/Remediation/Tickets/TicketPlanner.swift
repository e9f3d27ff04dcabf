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

/// What `TicketPlanner.update` decided: the changes for the sinks, and one Event per escalation
/// step taken now, for the GatewayAgent.
public struct TicketPlan: Sendable, Equatable {
    public var changes: [TicketChange]
    /// `TicketOpened` or `TicketEscalated` (Warning), naming the draft and why; raised once per
    /// step (the draft's `escalations` remember the steps taken), never per reconcile.
    public var events: [RemediationEvent]

    public init(changes: [TicketChange] = [], events: [RemediationEvent] = []) {
        self.changes = changes
        self.events = events
    }
}

/// Opens, updates, resolves and expires ticket drafts: a pure function (docs/tickets.md).
///
/// The escalation ladder (§1): KEEPALIVE_FAIL or CONFIG_FAIL lasting `ticketAfter`; DOWN lasting
/// `ticketAfterDown` (restarts on or off), or `ticketAfter` with a reason never restarted;
/// `ticketAfterRefusals` refused restarts in a row, or one forbidden; an exhausted budget at once,
/// whatever the state. Each step taken is a line in the draft and an Event. The gateway's state
/// incidents are one family: while a draft of one is open, a further state step escalates it
/// (KEEPALIVE_FAIL → DOWN is one incident) instead of opening another. A state draft is resolved
/// when the gateway is UP (at the time UP began); a refusal or exhaustion draft when the record
/// clears it. A step within `ticketReopenWindow` of the resolution of a draft of the same
/// incident reopens that draft (same id) rather than opening a new one.
public enum TicketPlanner {
    public static func update(existing: [TicketDraft], gateway: GatewayKey, assessment a: Assessment,
                              record: RemediationRecord, lastEvents: @autoclosure () -> [TicketEventLine], podNamespace: String = "fab",
                              policy: RemediationPolicy, now rawNow: Date, version: String) -> TicketPlan {
        let now = rawNow.wholeSeconds
        var expired: [TicketChange] = []
        var drafts: [TicketDraft] = []
        for d in existing where d.gatewayKey == gateway {
            if d.status == .resolved, let at = d.resolvedAt, now.timeIntervalSince(at) >= policy.resolvedTicketTTL {
                expired.append(.expire(id: d.id))
            } else {
                drafts.append(d)
            }
        }
        // `working`: the gateway's drafts as this call leaves them; `written`: those it writes
        // whatever their facts (opened, escalated, reopened, resolved), in that order.
        var working = drafts
        var written: [(id: String, kind: ChangeKind)] = []
        var events: [RemediationEvent] = []
        func touch(_ d: TicketDraft, _ kind: ChangeKind) {
            if let i = working.firstIndex(where: { $0.id == d.id }) { working[i] = d } else { working.append(d) }
            if !written.contains(where: { $0.id == d.id }) { written.append((d.id, kind)) }
        }

        for d in drafts where d.status == .open {
            let over: Bool = switch d.incident {
            case .keepaliveFail, .configFail, .down: a.state == .up
            case .remediationRefused: record.refusals == nil
            case .remediationHeld: heldSince(record) == nil
            case .remediationExhausted: record.exhaustedAt == nil
            }
            guard over else { continue }
            var resolved = d
            resolved.status = .resolved
            resolved.resolvedAt = d.incident.isStateIncident ? min(a.since, now) : now
            touch(resolved, .resolve)
        }

        for step in steps(a, record: record, policy: policy, now: now) {
            let incident = step.step.incident
            let line = TicketEscalation(at: now, step: step.step, since: step.since, text: SecretScrubber.scrub(step.why))
            let open = working.first { d in
                d.status == .open && (d.incident == incident || (d.incident.isStateIncident && incident.isStateIncident))
            }
            if var d = open {
                guard !d.escalations.contains(where: { $0.step == step.step && $0.since == step.since }) else { continue }
                d.append(line)
                touch(d, .update)
                events.append(event("TicketEscalated", d, "escalated: \(step.why)"))
            } else if var d = working.filter({ d in
                d.incident == incident && d.status == .resolved
                    && d.resolvedAt.map { step.since.timeIntervalSince($0) <= policy.ticketReopenWindow } == true
            }).max(by: { ($0.resolvedAt ?? .distantPast) < ($1.resolvedAt ?? .distantPast) }) {
                d.status = .open
                d.resolvedAt = nil
                d.append(line)
                touch(d, .update)
                events.append(event("TicketOpened", d, "reopened: \(step.why)"))
            } else {
                let id = TicketDraft.makeID(gateway: gateway, incident: incident, since: step.since)
                guard !working.contains(where: { $0.id == id }) else { continue }
                let d = TicketDraft(
                    id: id, title: "", severity: incident.severity, gateway: gateway.name, namespace: gateway.namespace,
                    incident: incident, state: a.state, since: step.since, summary: "", evidence: Evidence(),
                    checklist: [], kubectlCommands: [], lastEvents: [], version: version, status: .open,
                    resolvedAt: nil, openedAt: now, updatedAt: now, escalations: [line])
                touch(d, .open)
                events.append(event("TicketOpened", d, "opened: \(step.why)"))
            }
        }

        // The Events raised now belong in the drafts written now (they will be among the last
        // Events from the next call on: a draft must not be rewritten just to show them).
        let raised = events.map { TicketEventLine(time: now, type: $0.type.rawValue, reason: $0.reason, message: $0.message) }
        // The last Events are read only for a draft written or refreshed now (the caller keeps
        // them deflated: almost every call, for a gateway without drafts, needs none).
        let drafting = !written.isEmpty || working.contains { $0.status == .open }
        let context = Context(gateway: gateway, assessment: a, record: record, podNamespace: podNamespace,
                              events: (drafting ? lastEvents() : []) + raised, version: version, now: now)
        var changes = expired
        for (id, kind) in written {
            guard let d = working.first(where: { $0.id == id }) else { continue }
            let fresh = context.refreshed(d)
            switch kind {
            case .open: changes.append(.open(fresh))
            case .update: changes.append(.update(fresh))
            case .resolve: changes.append(.resolve(fresh))
            }
        }
        for d in working where d.status == .open && !written.contains(where: { $0.id == d.id }) {
            if let change = context.refreshIfNeeded(d, policy: policy) { changes.append(change) }
        }
        return TicketPlan(changes: changes, events: events)
    }

    /// When `update` could give another answer with no new input: a state episode reaching its
    /// threshold, a refresh falling due, or a resolved draft expiring.
    public static func nextCheck(existing: [TicketDraft], gateway: GatewayKey, assessment a: Assessment,
                                 record: RemediationRecord = RemediationRecord(), policy: RemediationPolicy, now: Date) -> Date? {
        var times: [Date] = []
        if case let (_, after)? = stateStep(a, policy: policy) { times.append(a.since.addingTimeInterval(after)) }
        if let since = heldSince(record) { times.append(since.addingTimeInterval(policy.ticketAfterDown)) }
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

    private enum ChangeKind { case open, update, resolve }

    /// Since when a restart of frr for "every BGP session down" has been held because nothing
    /// attributes the fault (remediation.md §2.1); nil when it is not held so. `FabricFault` opens
    /// no draft: the leaves are down, and one draft per gateway of a leaf maintenance would flood
    /// the ticketing system with the fabric's incident; the Events name the leaves instead.
    static func heldSince(_ record: RemediationRecord) -> Date? {
        record.lastSkip == .faultUnattributed ? record.allBGPDownSince : nil
    }

    /// The reasons of the Events the ladder raises.
    public static let ladderEventReasons: Set<String> = ["TicketOpened", "TicketEscalated"]

    /// DOWN reasons restarts never address (the DaemonSet or the scheduler owns them, or the
    /// dataplane never started): waiting `ticketAfterDown` for a restart would help nobody.
    static let downReasonsNeverRestarted: Set<String> = ["PodMissing", "PodNotRunning", "NeverReported", "AgentMissing"]

    /// The state's ladder step and how long the state must last for it; nil for UP and WAITING.
    static func stateStep(_ a: Assessment, policy: RemediationPolicy) -> (TicketStep, Double)? {
        switch a.state {
        case .keepaliveFail: (.keepaliveFail, policy.ticketAfter)
        case .configFail: (.configFail, policy.ticketAfter)
        case .down: downReasonsNeverRestarted.contains(a.reason) ? (.downNotRestarted, policy.ticketAfter) : (.down, policy.ticketAfterDown)
        case .up, .waiting: nil
        }
    }

    /// The ladder steps that qualify now, each with its episode's start and why.
    static func steps(_ a: Assessment, record: RemediationRecord, policy: RemediationPolicy,
                      now: Date) -> [(step: TicketStep, since: Date, why: String)] {
        var out: [(step: TicketStep, since: Date, why: String)] = []
        if case let (step, after)? = stateStep(a, policy: policy), now.timeIntervalSince(a.since) >= after {
            let lasted = "\(a.state.rawValue) (\(a.reason)) since \(KubeTimeText.format(a.since)), \(TicketContent.duration(after)) or more"
            let why = step == .downNotRestarted
                ? "\(lasted); gateway-medic never restarts a gateway for \(a.reason), so a person must look"
                : lasted
            out.append((step, a.since, why))
        }
        if let r = record.refusals {
            let attempt = record.lastAction.map { "the \($0.kind) of \($0.pod)" } ?? "a restart"
            if r.forbidden {
                out.append((.evictionForbidden, r.since, "\(attempt) was forbidden (403): \"\(r.message)\"; remediation holds until the gateway is UP again"))
            } else if r.count >= policy.ticketAfterRefusals {
                out.append((.evictionRefused, r.since, "\(r.count) restarts refused in a row since \(KubeTimeText.format(r.since)); the last, \(attempt): \"\(r.message)\""))
            }
        }
        if let since = heldSince(record), now.timeIntervalSince(since) >= policy.ticketAfterDown {
            out.append((.restartHeld, since, "every BGP session has been down since \(KubeTimeText.format(since)), \(TicketContent.duration(policy.ticketAfterDown)) or more, and nothing shows whether the fault is the gateway's or the fabric's (FaultUnattributed), so gateway-medic restarts nothing and a person must look"))
        }
        if let at = record.exhaustedAt {
            out.append((.remediationExhausted, at, "the restart budget ran out at \(KubeTimeText.format(at)) (\(record.restartTimes.count) restart(s) within \(TicketContent.duration(policy.window))); remediation stays stopped until the gateway is UP"))
        }
        return out
    }

    private static func event(_ reason: String, _ d: TicketDraft, _ text: String) -> RemediationEvent {
        RemediationEvent(reason: reason, type: .warning, message: SecretScrubber.scrub("ticket draft \(d.id) (\(d.incident.rawValue)) \(text)"))
    }
}

extension TicketDraft {
    /// Adds a ladder line, keeping the first and the latest ones.
    mutating func append(_ line: TicketEscalation) {
        escalations.append(line)
        if escalations.count > Self.maxEscalations {
            escalations.removeSubrange(1...(escalations.count - Self.maxEscalations))
        }
    }
}
