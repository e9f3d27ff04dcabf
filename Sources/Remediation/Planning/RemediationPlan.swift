import Foundation
import HealthModel

/// The pod a restart is aimed at, and why.
public struct RestartTarget: Sendable, Equatable, Codable {
    public var pod: String
    public var namespace: String
    /// With a delete, the uid precondition: a replacement pod of the same name is never deleted.
    public var uid: String?
    public var role: PodRole
    /// CamelCase: `FRRRoutingStuck`, `BGPSessionsDown`, `FRRNotReady`, `DataplaneNotReady`, `HeartbeatLost`.
    public var reason: String
    public var message: String

    /// The reason of the frr restart for "every BGP session down", the one rule whose fault is
    /// attributed first (docs/remediation.md §2.1).
    public static let bgpSessionsDown = "BGPSessionsDown"

    public init(pod: String, namespace: String, uid: String?, role: PodRole, reason: String, message: String) {
        self.pod = pod
        self.namespace = namespace
        self.uid = uid
        self.role = role
        self.reason = reason
        self.message = message
    }
}

/// What the executor must do. The DaemonSet recreates the pod either way.
public enum RemediationAction: Sendable, Equatable {
    /// POST `pods/<name>/eviction` (honours PodDisruptionBudgets).
    case evict(RestartTarget)
    /// DELETE the pod with a uid precondition: only after a refused eviction, with `allowDelete`.
    case delete(RestartTarget)

    public var target: RestartTarget {
        switch self {
        case .evict(let t), .delete(let t): t
        }
    }

    /// `evict` or `delete`.
    public var kind: String {
        switch self {
        case .evict: "evict"
        case .delete: "delete"
        }
    }

    public var description: String {
        let t = target
        return "\(kind) pod \(t.namespace)/\(t.pod) (\(t.role.rawValue)): \(t.reason): \(t.message)"
    }
}

/// Why a restart that the rules call for was not done. The raw value is the Event's reason text.
public enum SkipReason: String, Sendable, Codable, CaseIterable {
    /// Remediation is off (the default). Logged only, no Event.
    case disabled = "Disabled"
    /// KEEPALIVE_FAIL, or a CONFIG_FAIL that is not FRR lagging: a restart would not help.
    case stateNotRemediable = "StateNotRemediable"
    /// Every BGP session is down, and so are the leaves at the other end (stale, or their sessions
    /// with other gateways down too) or, with no leaf known, every other gateway's sessions: the
    /// fault is the fabric's, a restart would not help (docs/remediation.md §2.1).
    case fabricFault = "FabricFault"
    /// Every BGP session is down, and nothing tells the gateway's fault from the fabric's (a lone
    /// gateway: no other gateway at its leaves, or none reporting BGP): hold.
    case faultUnattributed = "FaultUnattributed"
    case paused = "Paused"
    /// Only the leader acts. Logged only, no Event (only the leader writes Events).
    case notLeader = "NotLeader"
    case budgetExhausted = "BudgetExhausted"
    case cooldown = "Cooldown"
    case fleetInFlightLimit = "FleetInFlightLimit"
    case lastHealthyGroupMember = "LastHealthyGroupMember"
    /// The eviction was refused and DELETE is not allowed; eviction is tried again after the cooldown.
    case evictionRefused = "EvictionRefused"
    /// The API forbade a restart (403: gateway-medic's RBAC does not allow it). Trying again every
    /// cooldown would only repeat the refusal: remediation holds until the gateway is UP again.
    case evictionForbidden = "EvictionForbidden"
    /// The pod to restart is missing or already being deleted.
    case targetUnavailable = "TargetUnavailable"
    case dryRun = "DryRun"
    /// A fresh read of the API does not show the need the operator's cache showed (its view was
    /// behind: a heartbeat or a leaf's report had not reached it yet), or could not be made.
    case unconfirmed = "Unconfirmed"

    /// Whether this skip is shown as a RemediationSkipped Event (the others are only logged).
    public var raisesEvent: Bool { self != .disabled && self != .notLeader }

    /// A hold of the BGP rule for want of proof that the fault is the gateway's: when it ends, the
    /// rule's window starts again (the fabric gets its sessions back before frr is blamed).
    var isAttributionHold: Bool { self == .fabricFault || self == .faultUnattributed }
}

public struct RemediationSkip: Sendable, Equatable {
    public var reason: SkipReason
    public var message: String
    public init(reason: SkipReason, message: String) {
        self.reason = reason
        self.message = message
    }
}

/// An Event for the operator to write on the gateway's GatewayAgent.
public struct RemediationEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case normal = "Normal", warning = "Warning" }
    /// `RemediationSkipped`, `RemediationExhausted`, `PodRestarted`, `PodRestartFailed`, `EvictionRefused`,
    /// `EvictionForbidden`; from the ticket ladder `TicketOpened` and `TicketEscalated`.
    public var reason: String
    public var type: Kind
    public var message: String

    public init(reason: String, type: Kind, message: String) {
        self.reason = reason
        self.type = type
        self.message = message
    }

    /// The Event for an executed action.
    public static func forResult(_ result: RestartResult, of action: RemediationAction) -> RemediationEvent {
        let t = action.target
        let what = "\(action.kind) of \(t.role.rawValue) pod \(t.namespace)/\(t.pod) (\(t.reason))"
        switch result {
        case .evicted, .deleted:
            return RemediationEvent(reason: "PodRestarted", type: .normal, message: "\(what) done: \(t.message)")
        case .refusedByDisruptionBudget(let m):
            return RemediationEvent(reason: "EvictionRefused", type: .warning, message: "\(what) refused: \(m)")
        case .forbidden(let m):
            return RemediationEvent(reason: "EvictionForbidden", type: .warning,
                                    message: "\(what) forbidden (403): \(m); remediation of this gateway holds until it is UP again")
        case .notFound:
            return RemediationEvent(reason: "PodRestarted", type: .normal, message: "\(what): the pod was already gone or replaced")
        case .failed(let m):
            return RemediationEvent(reason: "PodRestartFailed", type: .warning, message: "\(what) failed: \(m)")
        }
    }
}

/// What the executor reported.
public enum RestartResult: Sendable, Equatable {
    case evicted
    case deleted
    /// HTTP 429 on the eviction: a PodDisruptionBudget forbids it now.
    case refusedByDisruptionBudget(String)
    /// HTTP 403: gateway-medic may not evict (or delete) the pod. Retrying will not help.
    case forbidden(String)
    /// The pod no longer exists, or its uid changed (already replaced).
    case notFound
    case failed(String)
}

/// The planner's answer for one gateway.
public struct RemediationPlan: Sendable, Equatable {
    public var gateway: GatewayKey
    /// To execute now (empty in dry-run, when not leader, when disabled, or when a guard holds).
    public var actions: [RemediationAction]
    /// What would have been done, when a guard such as dry-run or disabled stopped it.
    public var proposed: [RemediationAction]
    /// Every reason a needed restart was not done (log them all).
    public var skips: [RemediationSkip]
    /// Events to raise now.
    public var events: [RemediationEvent]
    /// Persist this as `.status.remediation`.
    public var record: RemediationRecord
    /// When planning again could give another answer with no new input (cooldown end, timers).
    public var nextCheck: Date?

    public init(gateway: GatewayKey, actions: [RemediationAction] = [], proposed: [RemediationAction] = [],
                skips: [RemediationSkip] = [], events: [RemediationEvent] = [], record: RemediationRecord,
                nextCheck: Date? = nil) {
        self.gateway = gateway
        self.actions = actions
        self.proposed = proposed
        self.skips = skips
        self.events = events
        self.record = record
        self.nextCheck = nextCheck
    }
}
