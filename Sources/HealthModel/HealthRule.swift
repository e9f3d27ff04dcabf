import Foundation
import KubeAPI

/// One health rule: a condition of the GatewayHealth status, and everything the rest of the
/// system needs to know about it, declared in one place. The evaluator, the status writer's
/// normalisation, the Event planner, the compact cache of assessments and the docs test read
/// these declarations from a `HealthRules` registry; none of them keeps a list of rules.
/// "Add a health rule" in docs/architecture.md lists what a new one touches.
public protocol HealthRule: Sendable {
    /// The condition type it writes, e.g. `BGPEstablished`. Its place in the status is its place
    /// in the registry (after Ready, which the state decision writes first).
    var condition: String { get }
    /// Its section in docs/health-model.md, e.g. `§3.6`; the docs test checks that the section
    /// exists, is headed by the condition and names every reason.
    var docSection: String { get }
    /// Every reason its condition can carry (the corpus test checks that none other appears).
    var reasons: [String] { get }
    /// The transition Events its condition raises, judged against the persisted status.
    var events: [ConditionEvent] { get }
    /// The parts of the objects its verdict depends on: a change confined to parts that no rule
    /// reads cannot change a verdict.
    var reads: Set<RuleInput> { get }
    /// The memory and evidence fields it owns (writes), and which of them are volatile.
    var fields: [OwnedField] { get }
    /// True when it reads its own previous condition's message (TrafficHealthy repeats its
    /// verdict for a collection seen again): every cached previous assessment keeps that
    /// message whole; every other condition's message is dropped from the cache.
    var readsPreviousMessage: Bool { get }
    /// True when the heartbeat advance (`HealthEvaluator.advance`) re-judges whatever a new
    /// heartbeat or a new counter collection can move in its verdict: the heartbeat and traffic
    /// rules whole, the others through the advance's own refusals (a heartbeat no longer fresh
    /// for the same reason, a stalled collector, a peering that starts rising or whose last rise grows old).
    /// Only such a rule may read the heartbeat's value or the counters and still let a
    /// heartbeat-only update skip the evaluation (`HealthRules.quietInputs`).
    var judgedByHeartbeatAdvance: Bool { get }
    /// Judges the gateway. Writes the memory and evidence fields it owns into `context`; returns
    /// its condition and the moments its verdict could change with no new input (`nextCheck`).
    func evaluate(_ context: inout RuleContext) -> RuleOutcome
}

extension HealthRule {
    public var events: [ConditionEvent] { [] }
    public var fields: [OwnedField] { [] }
    public var readsPreviousMessage: Bool { false }
    public var judgedByHeartbeatAdvance: Bool { false }
}

/// A part of the objects a rule reads.
public enum RuleInput: String, Sendable, CaseIterable, Comparable {
    /// The Gateway's spec: neighbours, groups, protocol IP, generation.
    case gatewaySpec
    /// GatewayAgent metadata: generation, managedFields (when the spec changed), creation time.
    case agentMetadata
    /// Whether the GatewayAgent has reported at all: the object is readable, its `status` and
    /// `status.lastHeartbeat` are there (and whether the heartbeat parses).
    case agentReported
    /// The value of the GatewayAgent's `status.lastHeartbeat` (the time it says). A quiet
    /// gateway's heartbeat changes this and the counters only; the heartbeat skip
    /// (`HealthRules.quietInputs`) is derived from which rules read them.
    case agentHeartbeat
    /// `status.lastAppliedGen`, `status.lastAppliedTime`, `status.state.frr.lastAppliedGen`.
    case agentGenerations
    /// `spec.agentVersion` (the version the controller wants) and `status.agentVersion`.
    case agentVersion
    /// `status.state.bgp`: neighbours, session states and flap counters.
    case agentBGP
    /// `status.state` VPC and peering counters and `lastCollectedTime`.
    case agentCounters
    /// The gateway's dataplane and frr pods.
    case pods
    /// Switch Agents (leaves, spines): their sessions with the gateway and their own heartbeat.
    case switchAgents
    /// The other members of the gateway's peering-carrying groups (`GatewayInputs.groupPeers`).
    case groupPeers

    public static func < (a: RuleInput, b: RuleInput) -> Bool { a.rawValue < b.rawValue }

    /// Every input read from the GatewayAgent (its `spec.gateway` copies the Gateway's spec).
    public static let gatewayAgent: Set<RuleInput> = [
        .gatewaySpec, .agentMetadata, .agentReported, .agentHeartbeat, .agentGenerations, .agentVersion, .agentBGP,
        .agentCounters,
    ]
}

/// A transition Event a condition raises: when it turns to `status` from anything else (or
/// first appears so) in the persisted status; with `from`, only when it turns to `status` from
/// that status (a recovery: a gateway seen for the first time has not recovered from anything).
public struct ConditionEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case normal = "Normal", warning = "Warning" }
    public var status: String
    public var from: String?
    public var kind: Kind
    /// The Event's reason, e.g. `BGPSessionDown`.
    public var reason: String

    public init(when status: String, from: String? = nil, _ kind: Kind, reason: String) {
        self.status = status
        self.from = from
        self.kind = kind
        self.reason = reason
    }
}

/// A field of the persisted status that one rule (or the state decision) owns.
public struct OwnedField: Sendable {
    public enum Place: String, Sendable {
        /// `status.<name>`.
        case status
        /// `status.evidence.<name>`.
        case evidence
        /// `status.memory.<name>`.
        case memory
    }

    public let place: Place
    public let name: String
    /// Changes without a change of verdict (every heartbeat, every collection): never causes a
    /// status write on its own (`GatewayHealthStatus.normalized`).
    public let volatile: Bool
    /// Blanks the field in an assessment: the same normalisation as leaving `name` out of the
    /// JSON, decided on the structs (the reconciler's steady-state path).
    let blank: @Sendable (inout Assessment) -> Void

    public static func memory(_ name: String, volatile: Bool = false, blank: @escaping @Sendable (inout HealthMemory) -> Void = { _ in }) -> OwnedField {
        OwnedField(place: .memory, name: name, volatile: volatile, blank: { blank(&$0.memory) })
    }

    public static func evidence(_ name: String, volatile: Bool = false, blank: @escaping @Sendable (inout Evidence) -> Void = { _ in }) -> OwnedField {
        OwnedField(place: .evidence, name: name, volatile: volatile, blank: { blank(&$0.evidence) })
    }

    static func status(_ name: String, volatile: Bool = false, blank: @escaping @Sendable (inout Assessment) -> Void = { _ in }) -> OwnedField {
        OwnedField(place: .status, name: name, volatile: volatile, blank: blank)
    }
}

/// What a rule returns: its condition (its type is the rule's `condition`) and when its verdict
/// could change with no new input.
public struct RuleOutcome: Sendable {
    public var draft: ConditionDraft
    public var nextCheck: [Date]

    public init(_ draft: ConditionDraft, nextCheck: [Date] = []) {
        self.draft = draft
        self.nextCheck = nextCheck
    }
}

/// What a rule sees during one evaluation, and where it leaves what it owns.
public struct RuleContext {
    public let inputs: GatewayInputs
    public let previous: Assessment?
    public let policy: HealthPolicy
    /// In whole seconds.
    public let now: Date
    /// What the previous evaluation remembered (empty at first sight).
    public let memory: HealthMemory
    /// What this evaluation will remember: each rule sets the fields it owns.
    public var newMemory: HealthMemory
    /// The evidence of this evaluation: each rule sets the fields it owns.
    public var evidence: Evidence

    // The findings of the standard rules that the state decision (StateRule) combines.
    var heartbeat: HeartbeatFinding?
    var pods: PodFinding?
    var config: LagFinding?
    var routing: LagFinding?
    /// The gateway's own Forwarding (ForwardingRule), and its peering-carrying groups with each
    /// member's Forwarding (worked out once, by the first rule that needs them).
    var forwarding: ConditionDraft?
    var peeringGroups: [PeeringGroup]?
    /// The earliest instant a fresh group peer's heartbeat goes stale (set with `peeringGroups`).
    var groupPeersCheck: Date?

    init(inputs: GatewayInputs, previous: Assessment?, policy: HealthPolicy, now: Date, memory: HealthMemory, newMemory: HealthMemory) {
        self.inputs = inputs
        self.previous = previous
        self.policy = policy
        self.now = now
        self.memory = memory
        self.newMemory = newMemory
        self.evidence = Evidence()
    }

    /// The previous evaluation's condition of this type (with its message when that rule
    /// `readsPreviousMessage`).
    public func previousCondition(_ type: String) -> Condition? { previous?.condition(type) }

    /// The previous evaluation's time if it judged `type` True.
    func previousSawTrue(_ type: String) -> Date? {
        guard let previous, previous.condition(type)?.status == "True" else { return nil }
        return previous.memory.evaluatedAt
    }
}

/// The rules an evaluation runs, in the order of their conditions in the status (after Ready).
/// `standard` is gateway-medic's set; `inserting` extends it (a test's throwaway rule, or a rule
/// defined outside this module). The standard rules are always there: the state decision
/// combines their findings.
public struct HealthRules: Sendable {
    public let rules: [any HealthRule]
    /// The condition types of the status, in order: Ready first, then one per rule.
    public let conditions: [String]
    /// The conditions whose message a cached previous assessment keeps.
    public let messageKeeping: Set<String>
    /// Every owned field: the state decision's, then each rule's.
    public let fields: [OwnedField]
    /// The volatile ones (blanked on every steady-state comparison).
    private let volatileFields: [OwnedField]
    /// The volatile field names per place (`GatewayHealthStatus.normalized` leaves them out).
    public let volatileStatus: Set<String>
    public let volatileEvidence: Set<String>
    public let volatileMemory: Set<String>
    /// What the evaluation as a whole reads (the state decision reads everything a rule it
    /// combines reads, plus the switch Agents for liveness).
    public let reads: Set<RuleInput>
    /// The inputs an update of a quiet gateway may change and still be advanced rather than
    /// evaluated (`HealthEvaluator.advance`): of the inputs the advance re-judges itself (the
    /// heartbeat's value and the counters, by running the heartbeat and traffic rules), those
    /// that no other rule reads. Derived from the rules' `reads`: a rule that declares it reads
    /// `agentHeartbeat` makes every heartbeat evaluate. (The state decision reads the heartbeat's
    /// value only through the heartbeat rule's finding and to hold a restarted dataplane WAITING
    /// while its heartbeat predates the restart, which a later heartbeat of a gateway that is UP
    /// cannot start: the advance requires UP.)
    public let quietInputs: Set<RuleInput>

    /// The rules gateway-medic runs: the one list of them.
    public static let standard = HealthRules([
        HeartbeatRule(), ConfigAppliedRule(), RoutingAppliedRule(), PodRule(),
        BGPEstablishedRule(), BGPStableRule(), TrafficRule(),
        ForwardingRule(), PeeringsHealthyRule(), GroupRedundancyRule(), AgentVersionRule(),
    ])

    private init(_ rules: [any HealthRule]) {
        self.rules = rules
        conditions = [ConditionType.ready] + rules.map(\.condition)
        precondition(Set(conditions).count == conditions.count, "two health rules write the same condition: \(conditions)")
        messageKeeping = Set(rules.filter(\.readsPreviousMessage).map(\.condition))
        let fields = StateRule.fields + rules.flatMap(\.fields)
        self.fields = fields
        volatileFields = fields.filter(\.volatile)
        func volatile(_ place: OwnedField.Place) -> Set<String> {
            Set(fields.filter { $0.place == place && $0.volatile }.map(\.name))
        }
        volatileStatus = volatile(.status)
        volatileEvidence = volatile(.evidence)
        volatileMemory = volatile(.memory)
        reads = rules.reduce(into: StateRule.reads) { $0.formUnion($1.reads) }
        let readElsewhere = rules.filter { !$0.judgedByHeartbeatAdvance }.flatMap(\.reads)
        quietInputs = HealthEvaluator.advancedInputs.subtracting(readElsewhere)
    }

    /// This set with `rule` added after the condition `after` (nil: last).
    public func inserting(_ rule: some HealthRule, after: String? = nil) -> HealthRules {
        var list = rules
        let index = after.flatMap { type in list.firstIndex { $0.condition == type }.map { $0 + 1 } } ?? list.endIndex
        list.insert(rule, at: index)
        return HealthRules(list)
    }

    /// The rule that writes `condition`.
    public func rule(for condition: String) -> (any HealthRule)? { rules.first { $0.condition == condition } }

    /// `assessment` with the volatile fields of `places` blanked, as `GatewayHealthStatus.normalized`
    /// leaves them out of the JSON (it also leaves out every condition's message: prose).
    public func blankingVolatile(_ assessment: Assessment, in places: [OwnedField.Place] = [.status, .evidence, .memory]) -> Assessment {
        var a = assessment
        for field in volatileFields where places.contains(field.place) { field.blank(&a) }
        return a
    }
}
