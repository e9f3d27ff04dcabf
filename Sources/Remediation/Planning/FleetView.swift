import Foundation
import HealthModel
import KubeAPI

/// A gateway: its GatewayAgent's namespace and name (the Gateway and GatewayHealth share both).
public struct GatewayKey: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public static func < (a: GatewayKey, b: GatewayKey) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
    public var description: String { "\(namespace)/\(name)" }
}

/// What the planner knows about one gateway.
public struct GatewaySnapshot: Sendable {
    public var key: GatewayKey
    public var assessment: Assessment
    /// The objects the assessment was made from (pods, Gateway groups).
    public var inputs: GatewayInputs
    public var record: RemediationRecord
    /// `gatewaymedic.io/paused: "true"` on the Gateway or on its GatewayHealth.
    public var paused: Bool
    /// The switch Agents at the other end of the gateway's BGP sessions (docs/remediation.md §2.1).
    /// Fault attribution reads them only when every session is down; the operator may leave them
    /// out otherwise.
    public var leaves: [LeafPeer]

    public init(key: GatewayKey, assessment: Assessment, inputs: GatewayInputs,
                record: RemediationRecord = RemediationRecord(), paused: Bool = false, leaves: [LeafPeer] = []) {
        self.key = key
        self.assessment = assessment
        self.inputs = inputs
        self.record = record
        self.paused = paused
        self.leaves = leaves
    }

    /// The groups the gateway belongs to: its `spec.groups` plus `default`, which holds every gateway.
    public var groups: Set<String> {
        Set((inputs.gateway?.groups ?? []).map(\.name)).union([GatewayGroups.defaultGroup])
    }
}

/// Everything one planning pass looks at.
public struct FleetView: Sendable {
    public var gateways: [GatewayKey: GatewaySnapshot]
    /// Groups named by a GatewayPeering's `spec.gatewayGroup` (see `GatewayGroups.carryingPeerings`).
    public var groupsWithPeerings: Set<String>
    /// Only the leader acts.
    public var isLeader: Bool
    /// Plan, print, do nothing.
    public var dryRun: Bool
    /// The health policy the leaves are judged by (`switchAgentStaleAfter`, the skew tolerance).
    public var health: HealthPolicy

    public init(gateways: [GatewayKey: GatewaySnapshot], groupsWithPeerings: Set<String>,
                isLeader: Bool, dryRun: Bool = false, health: HealthPolicy = .default) {
        self.gateways = gateways
        self.groupsWithPeerings = groupsWithPeerings
        self.isLeader = isLeader
        self.dryRun = dryRun
        self.health = health
    }

    public init(snapshots: [GatewaySnapshot], groupsWithPeerings: Set<String>, isLeader: Bool, dryRun: Bool = false,
                health: HealthPolicy = .default) {
        self.init(gateways: Dictionary(snapshots.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last }),
                  groupsWithPeerings: groupsWithPeerings, isLeader: isLeader, dryRun: dryRun, health: health)
    }
}

/// Gateway groups and the pause annotation, read from raw objects.
public enum GatewayGroups {
    public static let defaultGroup = "default"
    public static let pauseAnnotation = "gatewaymedic.io/paused"

    /// The groups that carry at least one peering: each GatewayPeering's `spec.gatewayGroup`,
    /// `default` when it is unset or empty.
    public static func carryingPeerings(_ peerings: [JSONValue]) -> Set<String> {
        Set(peerings.map { peering in
            let group = peering[path: "spec", "gatewayGroup"]?.stringValue ?? ""
            return group.isEmpty ? defaultGroup : group
        })
    }

    /// Whether an object's annotations pause remediation (`"true"`, any case).
    public static func isPaused(annotations: [String: String]?) -> Bool {
        annotations?[pauseAnnotation]?.lowercased() == "true"
    }

    /// The same, from a raw object.
    public static func isPaused(object: JSONValue?) -> Bool {
        object?[path: "metadata", "annotations", pauseAnnotation]?.stringValue?.lowercased() == "true"
    }
}

/// What planning another gateway reads of a gateway (`SafetyGuards`: the state, the Forwarding
/// condition and forwarding evidence, the groups, the pods, the record, the pause; `FaultAttribution`: its BGP sessions), as a planner keeps it for each: in
/// its own fields, since a `GatewaySnapshot`, even one reduced to these, is over 1 KB of mostly
/// empty inline storage (an absent GatewayAgentView, an empty Evidence and memory).
///
/// One is kept for every gateway, so its layout is packed: the remediation record (≈ 200 bytes
/// inline, empty for almost every gateway) is boxed and absent when empty, the Forwarding
/// condition keeps only what differs between gateways, the one-byte fields come last. A member's
/// box was ≈ 417 bytes, now ≈ 179 (heaptrack at 10,000 gateways: 4.17 → 1.79 MB).
public struct FleetMember: Sendable {
    public let key: GatewayKey
    /// The Forwarding condition's fields that vary (its type is known, its message is not kept,
    /// an assessment's conditions carry no `observedGeneration`).
    private struct Forwarding: Sendable {
        let status: String
        let reason: String
        let lastTransitionTime: String
    }

    /// nil: the empty record (`RemediationRecord()`).
    private var storedRecord: Boxed<RemediationRecord>?
    let since: Date
    let reason: String
    let agentGeneration: Int64?
    let bgpEstablished: Int
    let bgpTotal: Int
    let gateway: GatewayView?
    let pods: [PodView]
    /// The `Forwarding` condition without its message: whether the member is a backup (§3 guard 8).
    private let forwarding: Forwarding?
    let state: GatewayState
    let liveness: LivenessEvidence
    let paused: Bool

    public var record: RemediationRecord {
        get { storedRecord?.value ?? RemediationRecord() }
        set { storedRecord = newValue == RemediationRecord() ? nil : Boxed(newValue) }
    }

    public init(_ snapshot: GatewaySnapshot) {
        key = snapshot.key
        since = snapshot.assessment.since
        reason = snapshot.assessment.reason
        agentGeneration = snapshot.assessment.agentGeneration
        bgpEstablished = snapshot.assessment.evidence.bgpEstablished
        bgpTotal = snapshot.assessment.evidence.bgpTotal
        gateway = snapshot.inputs.gateway
        pods = snapshot.inputs.pods
        forwarding = snapshot.assessment.condition(ConditionType.forwarding).map { c in
            Forwarding(status: c.status, reason: c.reason, lastTransitionTime: c.lastTransitionTime)
        }
        state = snapshot.assessment.state
        liveness = snapshot.assessment.evidence.liveness
        paused = snapshot.paused
        record = snapshot.record
    }

    /// The reduced snapshot the guards read.
    public var snapshot: GatewaySnapshot {
        var evidence = Evidence()
        evidence.liveness = liveness
        evidence.bgpEstablished = bgpEstablished
        evidence.bgpTotal = bgpTotal
        let condition = forwarding.map { f in
            Condition(type: ConditionType.forwarding, status: f.status, reason: f.reason, message: "",
                      lastTransitionTime: f.lastTransitionTime, observedGeneration: nil)
        }
        let slim = Assessment(state: state, since: since, reason: reason, message: "",
                              conditions: condition.map { [$0] } ?? [], evidence: evidence, memory: HealthMemory(), nextCheck: nil,
                              agentGeneration: agentGeneration)
        return GatewaySnapshot(key: key, assessment: slim, inputs: GatewayInputs(gateway: gateway, agent: nil, pods: pods),
                               record: record, paused: paused)
    }
}
