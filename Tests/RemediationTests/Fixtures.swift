import Foundation
import HealthModel
import KubeAPI
@testable import Remediation

/// A fixed clock origin for every test (whole seconds).
let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

/// A gateway pod as the API would return it.
func pod(_ gateway: String, _ role: PodRole, ready: Bool = true, uid: String = "uid-1", suffix: String = "aaaaa",
         deleting: Bool = false, created: Date = at(-86400)) -> PodView {
    var meta: [String: JSONValue] = [
        "name": .string("gw--\(gateway)--\(role.rawValue)-\(suffix)"), "namespace": "fab", "uid": .string(uid),
        "creationTimestamp": .string(KubeTime.format(created)),
        "ownerReferences": [["apiVersion": "apps/v1", "kind": "DaemonSet", "name": .string("gw--\(gateway)--\(role.rawValue)"), "uid": "ds"]],
    ]
    if deleting { meta["deletionTimestamp"] = .string(KubeTime.format(t0)) }
    let container: JSONValue = [
        "name": .string(role == .frr ? "frr" : "dataplane"), "ready": .bool(ready), "restartCount": 4,
        "state": ready ? ["running": ["startedAt": .string(KubeTime.format(created))]] : ["waiting": ["reason": "CrashLoopBackOff"]],
        "lastState": ["terminated": ["reason": "OOMKilled"]],
    ]
    return PodView(json: ["metadata": .object(meta), "status": ["phase": "Running", "containerStatuses": [container]]])
}

func gatewayView(_ name: String, groups: [String]) -> GatewayView {
    GatewayView(json: [
        "metadata": ["name": .string(name), "namespace": "default"],
        "spec": ["protocolIP": "172.30.8.1/32", "groups": .array(groups.map { ["name": .string($0), "priority": 10] })],
    ])
}

func condition(_ type: String, _ status: String, _ reason: String = "R") -> Condition {
    Condition(type: type, status: status, reason: reason, message: "", lastTransitionTime: KubeTime.format(t0), observedGeneration: 7)
}

/// An assessment with just what remediation reads.
func assessment(_ state: GatewayState, reason: String = "Healthy", since: Date = at(-3600), heartbeatFresh: Bool = true,
                bgp: (Int, Int) = (2, 2), liveness: LivenessEvidence = .notNeeded, configApplied: Bool = true,
                routingApplied: Bool = true, message: String = "details", forwarding: String? = nil) -> Assessment {
    var e = Evidence()
    e.heartbeat = KubeTime.format(at(heartbeatFresh ? -10 : -300))
    e.appliedGeneration = 7
    e.currentGeneration = configApplied ? 7 : 8
    e.frrAppliedGeneration = routingApplied ? 7 : 6
    e.bgpEstablished = bgp.0
    e.bgpTotal = bgp.1
    e.neighbors = (0..<bgp.1).compactMap { i in
        decoded(["vrf": "default", "address": .string("172.30.128.\(i + 10)"), "state": i < bgp.0 ? "established" : "active",
                 "expected": true, "enabled": true, "established": .bool(i < bgp.0)])
    }
    e.liveness = liveness
    e.livenessDetail = liveness == .switchAgentBGP ? "BGP established reported by leaf-01" : "n/a"
    e.pods = [decoded(["name": "gw--gw-1--dataplane-aaaaa", "role": "dataplane", "phase": "Running", "ready": "1/1",
                       "restarts": 4, "terminating": false, "detail": "dataplane: OOMKilled"])].compactMap { $0 }
    let conditions = [
        condition(ConditionType.ready, state == .up ? "True" : "False", reason),
        condition(ConditionType.heartbeat, heartbeatFresh ? "True" : "False"),
        condition(ConditionType.configApplied, configApplied ? "True" : "False"),
        condition(ConditionType.routingApplied, routingApplied ? "True" : "False", routingApplied ? "FRRGenerationApplied" : "FRRApplyTimedOut"),
    ] + [forwardingCondition(forwarding ?? (bgp.0 > 0 ? "True" : "False"))]
    return Assessment(state: state, since: since, reason: reason, message: message, conditions: conditions,
                      evidence: e, memory: HealthMemory(evaluatedAt: t0), nextCheck: nil, agentGeneration: 7)
}

/// The Forwarding condition as the health model writes it (by default True when a session is
/// established, False `NoEstablishedSession` otherwise).
func forwardingCondition(_ status: String) -> Condition {
    let reason = ["True": "RoutesExchanged", "False": "NoEstablishedSession"][status] ?? "StateNotReported"
    return Condition(type: ConditionType.forwarding, status: status, reason: reason,
                     message: status == "False" ? "0 of 2 BGP sessions established" : "", lastTransitionTime: KubeTime.format(t0),
                     observedGeneration: 7)
}

func key(_ name: String) -> GatewayKey { GatewayKey(namespace: "default", name: name) }

func snapshot(_ name: String, _ a: Assessment, pods: [PodView]? = nil, groups: [String] = [],
              record: RemediationRecord = RemediationRecord(), paused: Bool = false, leaves: [LeafPeer] = [],
              switchAgentsVisible: Bool = true, switchAgentCount: Int? = nil) -> GatewaySnapshot {
    let pods = pods ?? [pod(name, .dataplane), pod(name, .frr)]
    return GatewaySnapshot(key: key(name), assessment: a,
                           inputs: GatewayInputs(gateway: gatewayView(name, groups: groups), agent: nil, pods: pods,
                                                 switchAgentsVisible: switchAgentsVisible,
                                                 switchAgentTotal: switchAgentCount ?? leaves.count),
                           record: record, paused: paused, leaves: leaves)
}

/// A switch Agent at the other end of a gateway's sessions: its heartbeat `beat` seconds from t0
/// (nil: never reported) and its sessions with other gateways (how many, how many established).
func leaf(_ name: String, beat: Double? = -10, others: (Int, Int) = (3, 3)) -> LeafPeer {
    LeafPeer(name: name, lastHeartbeat: beat.map(at), otherGatewaySessions: others.0,
             otherGatewaySessionsEstablished: others.1)
}

/// Two healthy leaves: fresh, holding sessions with other gateways.
let healthyLeaves = [leaf("leaf-01"), leaf("leaf-02")]

/// An UP gateway, heartbeat fresh, every BGP session down since long enough for the frr rule.
func bgpDown(_ name: String, leaves: [LeafPeer] = healthyLeaves, since: Double = -500, established: Int = 0,
             switchAgentsVisible: Bool = true) -> GatewaySnapshot {
    snapshot(name, assessment(.up, bgp: (established, 2)), record: RemediationRecord(allBGPDownSince: at(since)), leaves: leaves,
             switchAgentsVisible: switchAgentsVisible, switchAgentCount: switchAgentsVisible ? max(leaves.count, 2) : 0)
}

/// A DOWN gateway whose dataplane container is not ready (CrashLoopBackOff).
func crashingDataplane(_ name: String, groups: [String] = [], record: RemediationRecord = RemediationRecord(),
                       bgp: (Int, Int) = (0, 2)) -> GatewaySnapshot {
    snapshot(name, assessment(.down, reason: "CrashLoopBackOff", since: at(-600), bgp: bgp),
             pods: [pod(name, .dataplane, ready: false), pod(name, .frr)], groups: groups, record: record)
}

let enabled = RemediationPolicy(enabled: true)

func fleet(_ snapshots: [GatewaySnapshot], peerings: Set<String> = [], leader: Bool = true, dryRun: Bool = false) -> FleetView {
    FleetView(snapshots: snapshots, groupsWithPeerings: peerings, isLeader: leader, dryRun: dryRun)
}

/// Evidence rows have no public memberwise initialiser: build them from their JSON form.
func decoded<T: Decodable>(_ json: JSONValue) -> T? { try? json.decode(T.self) }
