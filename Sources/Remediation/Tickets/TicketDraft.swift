import Foundation
import HealthModel

/// What opened a ticket draft (docs/tickets.md §1).
public enum TicketIncident: String, Sendable, Codable, CaseIterable {
    case keepaliveFail = "KEEPALIVE_FAIL"
    case configFail = "CONFIG_FAIL"
    /// DOWN for `ticketAfterDown`, or for `ticketAfter` with a reason restarts never address.
    case down = "DOWN"
    /// Restarts refused `ticketAfterRefusals` times in a row, or forbidden once.
    case remediationRefused = "RemediationRefused"
    /// Every BGP session down for `ticketAfterDown` while remediation holds because nothing shows
    /// whose fault it is (`FaultUnattributed`): gateway-medic will not restart, so a person must look.
    case remediationHeld = "RemediationHeld"
    case remediationExhausted = "RemediationExhausted"

    /// Lowercase, for ids: `keepalive-fail`, `config-fail`, `down`, `remediation-refused`,
    /// `remediation-held`, `remediation-exhausted`.
    var slug: String {
        switch self {
        case .keepaliveFail: "keepalive-fail"
        case .configFail: "config-fail"
        case .down: "down"
        case .remediationRefused: "remediation-refused"
        case .remediationHeld: "remediation-held"
        case .remediationExhausted: "remediation-exhausted"
        }
    }

    public var severity: TicketSeverity {
        switch self {
        case .keepaliveFail, .configFail, .remediationHeld: .major
        case .down, .remediationRefused, .remediationExhausted: .critical
        }
    }

    /// Incidents of the gateway's state are one family: while a draft of one of them is open, the
    /// others escalate that draft instead of opening another (KEEPALIVE_FAIL → DOWN is one
    /// incident). Refusals and exhaustion come from the remediation record and have drafts of their own.
    var isStateIncident: Bool {
        switch self {
        case .keepaliveFail, .configFail, .down: true
        case .remediationRefused, .remediationHeld, .remediationExhausted: false
        }
    }
}

/// A rung of the escalation ladder (docs/tickets.md §1): what qualified, for the draft's lines.
public enum TicketStep: String, Sendable, Codable, CaseIterable {
    /// KEEPALIVE_FAIL for `ticketAfter`.
    case keepaliveFail = "KeepaliveFail"
    /// CONFIG_FAIL for `ticketAfter`.
    case configFail = "ConfigFail"
    /// DOWN for `ticketAfterDown`.
    case down = "Down"
    /// DOWN for `ticketAfter` with a reason that is never restarted (PodMissing, PodNotRunning, NeverReported).
    case downNotRestarted = "DownNotRestarted"
    /// `ticketAfterRefusals` refused restarts in a row.
    case evictionRefused = "EvictionRefused"
    /// A restart forbidden (403).
    case evictionForbidden = "EvictionForbidden"
    /// Every BGP session down for `ticketAfterDown`, the restart held as `FaultUnattributed`.
    case restartHeld = "RestartHeld"
    /// The restart budget spent.
    case remediationExhausted = "RemediationExhausted"

    /// The incident a draft opened by this step is about.
    public var incident: TicketIncident {
        switch self {
        case .keepaliveFail: .keepaliveFail
        case .configFail: .configFail
        case .down, .downNotRestarted: .down
        case .evictionRefused, .evictionForbidden: .remediationRefused
        case .restartHeld: .remediationHeld
        case .remediationExhausted: .remediationExhausted
        }
    }
}

/// One line of a draft's escalation ladder: a step, taken once per episode.
public struct TicketEscalation: Sendable, Codable, Equatable {
    /// When gateway-medic took the step.
    public var at: Date
    public var step: TicketStep
    /// When the episode behind the step began (the state's `since`, the first refusal,
    /// `exhaustedAt`): the same step of the same episode is never taken twice.
    public var since: Date
    /// What happened, with instants (scrubbed).
    public var text: String

    public init(at: Date, step: TicketStep, since: Date, text: String) {
        self.at = at
        self.step = step
        self.since = since
        self.text = text
    }
}

/// The material facts a draft was last written from (docs/tickets.md §2): an open draft is
/// rewritten when these change, and otherwise at most every `ticketRefreshInterval`. Ages, lags,
/// traffic and restart counters, heartbeats, Event counts and `updatedAt` move all the time and
/// are deliberately not here: at a fleet-wide bad configuration push, a draft rewritten on every
/// heartbeat is hundreds of writes a second to the API server and the ticketing system.
public struct TicketFacts: Sendable, Codable, Equatable {
    /// A condition that is not True, by its reason (messages carry ages and are left out).
    public struct FailingCondition: Sendable, Codable, Equatable {
        public var type: String
        public var status: String
        public var reason: String

        public init(type: String, status: String, reason: String) {
            self.type = type
            self.status = status
            self.reason = reason
        }
    }

    /// What matters of the remediation record: not its timers, which only move.
    public struct Remediation: Sendable, Codable, Equatable {
        public var lastActionKind: String?
        public var lastActionPod: String?
        public var lastActionResult: RemediationRecord.Outcome?
        public var exhaustedAt: Date?
        /// Refused or forbidden restarts in a row.
        public var refusals: Int
        public var forbidden: Bool

        public init(_ record: RemediationRecord) {
            lastActionKind = record.lastAction?.kind
            lastActionPod = record.lastAction?.pod
            lastActionResult = record.lastAction?.result
            exhaustedAt = record.exhaustedAt
            refusals = record.refusals?.count ?? 0
            forbidden = record.refusals?.forbidden ?? false
        }
    }

    public var state: GatewayState
    public var reason: String
    /// By condition type.
    public var failingConditions: [FailingCondition]
    public var remediation: Remediation
    /// The kinds (reasons) among the last Events, sorted: a new kind is material, a repeat is not.
    /// The ladder's own Events are left out: their steps are already lines of the draft.
    public var eventReasons: [String]

    public init(assessment a: Assessment, record: RemediationRecord, events: [TicketEventLine]) {
        state = a.state
        reason = a.reason
        failingConditions = a.conditions.filter { $0.status != "True" }
            .map { FailingCondition(type: $0.type, status: $0.status, reason: $0.reason) }
            .sorted { $0.type < $1.type }
        remediation = Remediation(record)
        eventReasons = Set(events.map(\.reason)).subtracting(TicketPlanner.ladderEventReasons).sorted()
    }
}

public enum TicketSeverity: String, Sendable, Codable {
    /// Restarts could not fix it: a person must act now.
    case critical
    /// No automatic fix is attempted: a person must look.
    case major
}

public enum TicketStatus: String, Sendable, Codable {
    case open, resolved
}

/// One recent Event on the gateway, as shown in a ticket.
public struct TicketEventLine: Sendable, Codable, Equatable {
    public var time: Date?
    /// Normal or Warning.
    public var type: String
    public var reason: String
    public var message: String
    public var count: Int?

    public init(time: Date?, type: String, reason: String, message: String, count: Int? = nil) {
        self.time = time
        self.type = type
        self.reason = reason
        self.message = message
        self.count = count
    }
}

/// A ticket draft: one per incident, updated while it lasts (docs/tickets.md). Every text in it
/// has been through `SecretScrubber`.
public struct TicketDraft: Sendable, Codable, Equatable {
    /// Stable from gateway + incident + incident start; usable in a ConfigMap or file name.
    public var id: String
    public var title: String
    public var severity: TicketSeverity
    public var gateway: String
    public var namespace: String
    public var incident: TicketIncident
    /// The gateway's state when the draft was last updated (it may have moved on, e.g. to DOWN).
    public var state: GatewayState
    /// When the incident started (the state's `since`, or when remediation ran out).
    public var since: Date
    public var summary: String
    public var evidence: Evidence
    public var checklist: [String]
    public var kubectlCommands: [String]
    public var lastEvents: [TicketEventLine]
    /// The escalation ladder's steps taken for this incident, oldest first (at most `maxEscalations`).
    public var escalations: [TicketEscalation]
    /// What the draft was last written from; nil in drafts written before facts were kept.
    public var facts: TicketFacts?
    /// gateway-medic's version.
    public var version: String
    public var status: TicketStatus
    public var resolvedAt: Date?
    public var openedAt: Date
    public var updatedAt: Date

    public init(id: String, title: String, severity: TicketSeverity, gateway: String, namespace: String,
                incident: TicketIncident, state: GatewayState, since: Date, summary: String, evidence: Evidence,
                checklist: [String], kubectlCommands: [String], lastEvents: [TicketEventLine], version: String,
                status: TicketStatus, resolvedAt: Date?, openedAt: Date, updatedAt: Date,
                escalations: [TicketEscalation] = [], facts: TicketFacts? = nil) {
        self.id = id
        self.title = title
        self.severity = severity
        self.gateway = gateway
        self.namespace = namespace
        self.incident = incident
        self.state = state
        self.since = since
        self.summary = summary
        self.evidence = evidence
        self.checklist = checklist
        self.kubectlCommands = kubectlCommands
        self.lastEvents = lastEvents
        self.version = version
        self.status = status
        self.resolvedAt = resolvedAt
        self.openedAt = openedAt
        self.updatedAt = updatedAt
        self.escalations = escalations
        self.facts = facts
    }

    /// A draft reopened with every cycle of a flapping gateway must not grow for ever: the first
    /// line and the latest ones are kept.
    public static let maxEscalations = 50

    /// Drafts stored before the escalation ladder have no `escalations`: read them as empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        severity = try c.decode(TicketSeverity.self, forKey: .severity)
        gateway = try c.decode(String.self, forKey: .gateway)
        namespace = try c.decode(String.self, forKey: .namespace)
        incident = try c.decode(TicketIncident.self, forKey: .incident)
        state = try c.decode(GatewayState.self, forKey: .state)
        since = try c.decode(Date.self, forKey: .since)
        summary = try c.decode(String.self, forKey: .summary)
        evidence = try c.decode(Evidence.self, forKey: .evidence)
        checklist = try c.decode([String].self, forKey: .checklist)
        kubectlCommands = try c.decode([String].self, forKey: .kubectlCommands)
        lastEvents = try c.decode([TicketEventLine].self, forKey: .lastEvents)
        escalations = try c.decodeIfPresent([TicketEscalation].self, forKey: .escalations) ?? []
        facts = try c.decodeIfPresent(TicketFacts.self, forKey: .facts)
        version = try c.decode(String.self, forKey: .version)
        status = try c.decode(TicketStatus.self, forKey: .status)
        resolvedAt = try c.decodeIfPresent(Date.self, forKey: .resolvedAt)
        openedAt = try c.decode(Date.self, forKey: .openedAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
    }

    /// `<gateway>-<incident>-<10 hex digits>`: lowercase letters, digits and dashes, at most 63
    /// characters, the same for the same gateway, incident and start.
    public static func makeID(gateway: GatewayKey, incident: TicketIncident, since: Date) -> String {
        let seed = "\(gateway.namespace)/\(gateway.name)|\(incident.rawValue)|\(Int64(since.timeIntervalSince1970.rounded(.down)))"
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(String(hash, radix: 16).suffix(10))
        let padded = String(repeating: "0", count: 10 - hex.count) + hex
        let allowed = gateway.name.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "-" }
        var name = String(allowed.prefix(63 - incident.slug.count - padded.count - 2))
        while name.hasSuffix("-") { name.removeLast() }
        while name.hasPrefix("-") { name.removeFirst() }
        return name.isEmpty ? "\(incident.slug)-\(padded)" : "\(name)-\(incident.slug)-\(padded)"
    }

    /// The gateway this draft is about.
    public var gatewayKey: GatewayKey { GatewayKey(namespace: namespace, name: gateway) }
}
