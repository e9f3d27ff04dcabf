import Foundation
import HealthModel

/// What opened a ticket draft.
public enum TicketIncident: String, Sendable, Codable, CaseIterable {
    case keepaliveFail = "KEEPALIVE_FAIL"
    case configFail = "CONFIG_FAIL"
    case remediationExhausted = "RemediationExhausted"

    /// Lowercase, for ids: `keepalive-fail`, `config-fail`, `remediation-exhausted`.
    var slug: String {
        switch self {
        case .keepaliveFail: "keepalive-fail"
        case .configFail: "config-fail"
        case .remediationExhausted: "remediation-exhausted"
        }
    }

    public var severity: TicketSeverity {
        switch self {
        case .keepaliveFail, .configFail: .major
        case .remediationExhausted: .critical
        }
    }

    init?(state: GatewayState) {
        switch state {
        case .keepaliveFail: self = .keepaliveFail
        case .configFail: self = .configFail
        default: return nil
        }
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

/// A ticket draft: one per incident, updated while it lasts (docs/remediation.md §4). Every text
/// in it has been through `SecretScrubber`.
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
    /// gateway-medic's version.
    public var version: String
    public var status: TicketStatus
    public var resolvedAt: Date?
    public var openedAt: Date
    public var updatedAt: Date

    public init(id: String, title: String, severity: TicketSeverity, gateway: String, namespace: String,
                incident: TicketIncident, state: GatewayState, since: Date, summary: String, evidence: Evidence,
                checklist: [String], kubectlCommands: [String], lastEvents: [TicketEventLine], version: String,
                status: TicketStatus, resolvedAt: Date?, openedAt: Date, updatedAt: Date) {
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
