import Foundation
import HealthModel
import KubeAPI

/// What remediation remembers about one gateway. Persisted as the GatewayHealth
/// `.status.remediation` (see `json()`), so restarting the operator keeps the cooldown, the budget
/// and the restart in flight.
public struct RemediationRecord: Sendable, Codable, Equatable {
    /// How an action ended, as the executor reported it.
    public enum Outcome: String, Sendable, Codable {
        /// Planned and handed to the executor; no result recorded yet.
        case requested = "Requested"
        case evicted = "Evicted"
        case deleted = "Deleted"
        /// The eviction was refused (a PodDisruptionBudget): nothing restarted.
        case refused = "Refused"
        /// The API forbade the restart (403, RBAC): nothing restarted.
        case forbidden = "Forbidden"
        /// The pod was already gone (or replaced: uid mismatch).
        case notFound = "NotFound"
        case failed = "Failed"
    }

    public struct LastAction: Sendable, Codable, Equatable {
        /// `evict` or `delete`.
        public var kind: String
        public var pod: String
        public var role: PodRole
        public var at: Date
        public var result: Outcome
        public var message: String?

        public init(kind: String, pod: String, role: PodRole, at: Date, result: Outcome, message: String? = nil) {
            self.kind = kind
            self.pod = pod
            self.role = role
            self.at = at
            self.result = result
            self.message = message
        }
    }

    /// A restart whose replacement pod is not Ready yet.
    public struct InFlight: Sendable, Codable, Equatable {
        public var pod: String
        public var uid: String?
        public var role: PodRole
        public var since: Date

        public init(pod: String, uid: String?, role: PodRole, since: Date) {
            self.pod = pod
            self.uid = uid
            self.role = role
            self.since = since
        }
    }

    /// Consecutive restart attempts the API refused (429, a disruption budget) or forbade (403).
    /// Counted so that a refusal repeated every cooldown opens a ticket draft instead of going on
    /// unseen for ever; cleared by a restart that happens, or once the gateway is UP with nothing to restart.
    public struct Refusals: Sendable, Codable, Equatable {
        /// How many in a row.
        public var count: Int
        /// When the first of them was attempted (the ticket incident's start).
        public var since: Date
        /// The API's message for the last one, as the API gave it (drafts scrub it).
        public var message: String
        /// One of them was a 403: remediation holds (`EvictionForbidden`) until the gateway is UP.
        public var forbidden: Bool

        public init(count: Int, since: Date, message: String, forbidden: Bool = false) {
            self.count = count
            self.since = since
            self.message = message
            self.forbidden = forbidden
        }
    }

    public var lastAction: LastAction?
    /// Times of the restarts that count against the budget (pruned to the window by the planner).
    public var restartTimes: [Date]
    public var inFlight: InFlight?
    /// When the budget ran out; cleared once no restart is needed any more.
    public var exhaustedAt: Date?
    /// When every BGP session was first seen down with a fresh heartbeat (the frr rule's timer).
    public var allBGPDownSince: Date?
    /// The last skip reason raised as an Event: a RemediationSkipped Event is raised only when it changes.
    public var lastSkip: SkipReason?
    /// Refused or forbidden attempts in a row (nil: none since the last restart or recovery).
    public var refusals: Refusals?

    public init(lastAction: LastAction? = nil, restartTimes: [Date] = [], inFlight: InFlight? = nil,
                exhaustedAt: Date? = nil, allBGPDownSince: Date? = nil, lastSkip: SkipReason? = nil,
                refusals: Refusals? = nil) {
        self.lastAction = lastAction
        self.restartTimes = restartTimes
        self.inFlight = inFlight
        self.exhaustedAt = exhaustedAt
        self.allBGPDownSince = allBGPDownSince
        self.lastSkip = lastSkip
        self.refusals = refusals
    }

    /// Every field is optional in the stored form (an empty object is an empty record).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lastAction = try c.decodeIfPresent(LastAction.self, forKey: .lastAction)
        restartTimes = try c.decodeIfPresent([Date].self, forKey: .restartTimes) ?? []
        inFlight = try c.decodeIfPresent(InFlight.self, forKey: .inFlight)
        exhaustedAt = try c.decodeIfPresent(Date.self, forKey: .exhaustedAt)
        allBGPDownSince = try c.decodeIfPresent(Date.self, forKey: .allBGPDownSince)
        lastSkip = try c.decodeIfPresent(SkipReason.self, forKey: .lastSkip)
        refusals = try c.decodeIfPresent(Refusals.self, forKey: .refusals)
    }

    public var exhausted: Bool { exhaustedAt != nil }

    /// Restarts that count against the budget at `now`.
    public func restarts(within window: Double, now: Date) -> Int {
        restartTimes.filter { now.timeIntervalSince($0) < window }.count
    }

    /// The `.status.remediation` object (times RFC 3339, whole seconds).
    public func json() -> JSONValue {
        RemediationCoding.jsonValue(self) ?? .object([:])
    }

    /// Reads a persisted record; nil when it is not a record at all (then start from an empty one).
    public init?(json: JSONValue) {
        guard json.objectValue != nil, let record = RemediationCoding.decode(RemediationRecord.self, from: json) else { return nil }
        self = record
    }

    /// The record once the executor has reported: a restart that did not happen (refused, pod
    /// gone, failed) neither counts against the budget nor stays in flight. A refused or forbidden
    /// one is counted in `refusals`; one that happened clears them.
    public func recording(_ result: RestartResult, for action: RemediationAction, at time: Date) -> RemediationRecord {
        var next = self
        let target = action.target
        let outcome: Outcome
        var message: String?
        switch result {
        case .evicted: outcome = .evicted
        case .deleted: outcome = .deleted
        case .refusedByDisruptionBudget(let m): outcome = .refused; message = m
        case .forbidden(let m): outcome = .forbidden; message = m
        case .notFound: outcome = .notFound
        case .failed(let m): outcome = .failed; message = m
        }
        let planned = next.lastAction?.pod == target.pod && next.lastAction?.result == .requested
        let at = planned ? (next.lastAction?.at ?? time.wholeSeconds) : time.wholeSeconds
        next.lastAction = LastAction(kind: action.kind, pod: target.pod, role: target.role, at: at, result: outcome, message: message)
        if outcome != .evicted && outcome != .deleted {
            if let index = next.restartTimes.lastIndex(of: at) { next.restartTimes.remove(at: index) }
            if next.inFlight?.pod == target.pod { next.inFlight = nil }
        }
        switch outcome {
        case .evicted, .deleted:
            next.refusals = nil
        case .refused, .forbidden:
            var refusals = next.refusals ?? Refusals(count: 0, since: at, message: "")
            refusals.count += 1
            refusals.message = message ?? ""
            refusals.forbidden = refusals.forbidden || outcome == .forbidden
            next.refusals = refusals
        case .requested, .notFound, .failed:
            break
        }
        return next
    }
}
