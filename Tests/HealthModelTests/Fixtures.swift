import Foundation
import KubeAPI
@testable import HealthModel

/// Hedgehog objects written with their real field names, around a fixed clock. Offsets are
/// seconds relative to `Fx.t0` (2026-04-17T17:00:00Z); negative is the past.
enum Fx {
    static let t0 = Date(timeIntervalSince1970: 1_776_445_200)
    static let protocolIP = "172.30.8.0"

    static func at(_ offset: Double) -> Date { t0.addingTimeInterval(offset) }
    static func ts(_ offset: Double) -> JSONValue { .string(KubeTime.format(at(offset))) }

    static func gateway(name: String = "gw-1", protocolIP: String = "172.30.8.0/32", created: Double = -86_400,
                        neighbors: [String] = ["172.30.128.12", "172.30.128.26"],
                        groups: [(String, Int64)] = [("default", 0)]) -> JSONValue {
        [
            "apiVersion": "gateway.githedgehog.com/v1alpha1", "kind": "Gateway",
            "metadata": ["name": .string(name), "namespace": "default", "resourceVersion": "100", "generation": 3,
                         "creationTimestamp": ts(created)],
            "spec": [
                "protocolIP": .string(protocolIP), "vtepIP": "172.30.12.0/32", "asn": 65534,
                "neighbors": .array(neighbors.map { ["source": "eth1", "ip": .string($0), "asn": 65100] }),
                "groups": .array(groups.map { ["name": .string($0.0), "priority": .int($0.1)] }),
            ],
            "status": [:],
        ]
    }

    static func neighbor(_ state: String = "established", routerID: String = "172.30.1.1", transitions: Int64 = 1,
                         dropped: Int64 = 0, enabled: Bool = true) -> JSONValue {
        ["enabled": .bool(enabled), "sessionState": .string(state), "localAS": 65534, "peerAS": 65100,
         "remoteRouterID": .string(routerID), "connectionsDropped": .int(dropped), "establishedTransitions": .int(transitions),
         "ipv4UnicastPrefixes": ["received": 6, "sent": 1]]
    }

    /// A `spec.peerings` entry joining two VPCs; `nat` on the first VPC's expose (`masquerade`,
    /// `portForward` or `static`) with `idleTimeout` where given.
    static func peering(group: String = "gw-group-1", vpcs: (String, String) = ("vpc-01", "vpc-02"), nat: String? = nil,
                        idleTimeout: String? = nil) -> JSONValue {
        var first: JSONValue = ["ips": [["cidr": "10.0.1.0/24"]]]
        if let nat {
            var options: JSONValue = [:]
            if let idleTimeout { options["idleTimeout"] = .string(idleTimeout) }
            first["nat"] = .object([nat: options])
            first["as"] = [["cidr": "192.168.1.0/24"]]
        }
        return ["gatewayGroup": .string(group),
                "peering": .object([vpcs.0: ["expose": [first]], vpcs.1: ["expose": [["ips": [["cidr": "10.0.2.0/24"]]]]]])]
    }

    /// A neighbour exchanging `received`/`sent` IPv4 unicast prefixes.
    static func neighbor(received: Int64, sent: Int64, state: String = "established") -> JSONValue {
        var n = neighbor(state)
        n["ipv4UnicastPrefixes"] = ["received": .int(received), "receivedPrePolicy": .int(received), "sent": .int(sent)]
        return n
    }

    static let defaultNeighbors: [String: JSONValue] = [
        "172.30.128.12": neighbor(), "172.30.128.26": neighbor(routerID: "172.30.1.2"),
    ]

    static func counters(_ p: Int64, _ d: Int64) -> JSONValue { ["p": .int(p), "b": .int(p * 1500), "d": .int(d)] }

    /// A GatewayAgent as the dataplane reports it: heartbeat 5 s ago, generation 10 applied.
    static func agent(name: String = "gw-1", generation: Int64 = 10, heartbeat: Double? = -5, appliedGen: Int64? = 10,
                      appliedTime: Double? = -3_600, frrGen: Int64? = 10, neighbors: [String: JSONValue]? = defaultNeighbors,
                      vpcs: [String: JSONValue]? = ["vpc-01": counters(3555, 0)],
                      peerings: [String: JSONValue]? = ["vpc-01->vpc-02": counters(3555, 0), "vpc-02->vpc-01": counters(2711, 0)],
                      collected: Double? = nil, specChanged: Double? = nil, specPeerings: [String: JSONValue]? = nil) -> JSONValue {
        var metadata: JSONValue = ["name": .string(name), "namespace": "default", "resourceVersion": "200",
                                   "generation": .int(generation), "creationTimestamp": ts(-86_400)]
        if let specChanged {
            metadata["managedFields"] = [
                ["manager": "fabric-ctrl", "operation": "Update", "apiVersion": "gwint.githedgehog.com/v1alpha1",
                 "time": ts(specChanged), "fieldsType": "FieldsV1", "fieldsV1": ["f:spec": ["f:gateway": [:]]]],
                ["manager": "dataplane", "operation": "Update", "apiVersion": "gwint.githedgehog.com/v1alpha1",
                 "time": ts(-5), "subresource": "status", "fieldsType": "FieldsV1", "fieldsV1": ["f:status": [:]]],
            ]
        }
        var state: [String: JSONValue] = ["dataplane": ["version": "v1.2.0"]]
        if let frrGen { state["frr"] = ["lastAppliedGen": .int(frrGen)] }
        if let neighbors { state["bgp"] = ["vrfs": ["default": ["neighbors": .object(neighbors)]]] }
        if let vpcs { state["vpcs"] = .object(vpcs) }
        if let peerings { state["peerings"] = .object(peerings) }
        state["lastCollectedTime"] = ts(collected ?? heartbeat ?? 0)
        var status: [String: JSONValue] = ["agentVersion": "v1.2.0", "state": .object(state)]
        if let heartbeat { status["lastHeartbeat"] = ts(heartbeat) }
        if let appliedGen { status["lastAppliedGen"] = .int(appliedGen) }
        if let appliedTime { status["lastAppliedTime"] = ts(appliedTime) }
        var spec: JSONValue = ["gateway": ["protocolIP": "172.30.8.0/32", "asn": 65534,
                                           "neighbors": [["source": "eth1", "ip": "172.30.128.12", "asn": 65100]]]]
        if let specPeerings { spec["peerings"] = .object(specPeerings) }
        return [
            "apiVersion": "gwint.githedgehog.com/v1alpha1", "kind": "GatewayAgent", "metadata": metadata,
            "spec": spec,
            "status": .object(status),
        ]
    }

    /// The init status a (re)started dataplane writes: lastAppliedGen 0, lastAppliedTime at the epoch, no state.
    static func initAgent(generation: Int64 = 10, heartbeat: Double = -3, omitZero: Bool = false, specChanged: Double? = nil) -> JSONValue {
        var json = agent(generation: generation, heartbeat: heartbeat, specChanged: specChanged)
        var status: [String: JSONValue] = ["lastHeartbeat": ts(heartbeat), "lastAppliedTime": "1970-01-01T00:00:00Z", "agentVersion": "v1.2.0"]
        if !omitZero { status["lastAppliedGen"] = 0 }
        json["status"] = .object(status)
        return json
    }

    struct Container {
        var name: String
        var ready = true
        var waiting: String?
        var started: Double = -43_200
        var restarts: Int64 = 0
    }

    /// A gateway pod owned by DaemonSet `gw--<gateway>--<role>`.
    static func pod(_ role: String, gateway: String = "gw-1", suffix: String = "x7v9s", phase: String = "Running",
                    containers: [Container]? = nil, readySince: Double? = nil, deleting: Bool = false,
                    owner: Bool = true, created: Double = -43_300) -> JSONValue {
        let list = containers ?? (role == "frr" ? [Container(name: "frr"), Container(name: "frr-exporter")] : [Container(name: "dataplane")])
        let allReady = list.allSatisfy(\.ready)
        var metadata: JSONValue = ["name": .string("gw--\(gateway)--\(role)-\(suffix)"), "namespace": "fab",
                                   "resourceVersion": "300", "uid": .string("uid-\(role)-\(suffix)"), "creationTimestamp": ts(created)]
        if owner {
            metadata["ownerReferences"] = [["apiVersion": "apps/v1", "kind": "DaemonSet", "name": .string("gw--\(gateway)--\(role)"),
                                            "uid": "ds-uid", "controller": true]]
        }
        if deleting { metadata["deletionTimestamp"] = ts(25) }
        let statuses: [JSONValue] = list.map { c in
            let state: JSONValue = c.waiting.map { ["waiting": ["reason": .string($0)]] } ?? ["running": ["startedAt": ts(c.started)]]
            return ["name": .string(c.name), "ready": .bool(c.ready), "restartCount": .int(c.restarts), "state": state,
                    "image": "ghcr.io/githedgehog/dataplane:v1.2.0"]
        }
        let readyStatus: JSONValue = allReady ? "True" : "False"
        let transition = ts(readySince ?? (allReady ? -43_100 : 0))
        return [
            "apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "status": ["phase": .string(phase), "startTime": ts(created + 10),
                       "conditions": [["type": "Ready", "status": readyStatus, "lastTransitionTime": transition],
                                      ["type": "ContainersReady", "status": readyStatus, "lastTransitionTime": transition]],
                       "containerStatuses": .array(statuses)],
        ]
    }

    static func healthyPods(gateway: String = "gw-1") -> [JSONValue] { [pod("dataplane", gateway: gateway), pod("frr", gateway: gateway)] }

    /// A switch Agent reporting BGP sessions: (neighbor ip, state, remoteRouterID).
    /// `received`: per session address, the prefixes the leaf received on it (`prefixes.<family>.rec`).
    static func leaf(_ name: String = "leaf-1", heartbeat: Double = -10,
                     sessions: [(String, String, String)] = [("172.30.128.13", "established", "172.30.8.0")],
                     received: [String: Int64] = [:]) -> JSONValue {
        var neighbors: [String: JSONValue] = [:]
        for (ip, state, router) in sessions {
            neighbors[ip] = ["enabled": true, "state": .string(state), "remoteRouterID": .string(router), "localAS": 65100,
                             "peerAS": 65534, "connDropped": 0, "estabTrans": 1, "lastEstab": ts(-3600)]
            if let rec = received[ip] {
                neighbors[ip]?["prefixes"] = ["IPV4_UNICAST": ["rec": .int(rec), "recPre": .int(rec), "sent": 2],
                                              "L2VPN_EVPN": ["rec": 0, "sent": 0]]
            }
        }
        return [
            "apiVersion": "agent.githedgehog.com/v1beta1", "kind": "Agent",
            "metadata": ["name": .string(name), "namespace": "default", "resourceVersion": "400", "generation": 7],
            "status": ["lastHeartbeat": ts(heartbeat), "lastAppliedGen": 7,
                       "state": ["bgpNeighbors": ["default": .object(neighbors)]]],
        ]
    }
}

extension JSONValue {
    /// A copy with the value at `path` replaced (nil removes it); creates objects on the way.
    func setting(_ path: [String], _ value: JSONValue?) -> JSONValue {
        guard let key = path.first else { return value ?? .null }
        var object = objectValue ?? [:]
        if path.count == 1 {
            object[key] = value
        } else {
            object[key] = (object[key] ?? .object([:])).setting(Array(path.dropFirst()), value)
        }
        return .object(object)
    }
}

/// The objects of one observation of a gateway.
struct Snapshot: Sendable {
    var gateway: JSONValue? = Fx.gateway()
    var agent: JSONValue? = Fx.agent()
    var pods: [JSONValue] = Fx.healthyPods()
    var leaves: [JSONValue] = [Fx.leaf()]
    var leavesVisible = true
    /// The other members of the gateway's peering-carrying groups.
    var peers: [Peer] = []

    struct Peer: Sendable {
        var gateway: JSONValue?
        var agent: JSONValue?
        var leaves: [JSONValue] = []
    }

    var inputs: GatewayInputs {
        GatewayInputs(gateway: gateway.map(GatewayView.init(json:)), agent: agent.map(GatewayAgentView.init(json:)),
                      pods: pods.map(PodView.init(json:)), switchAgents: leaves.map(SwitchAgentView.init(json:)),
                      switchAgentsVisible: leavesVisible,
                      groupPeers: peers.map { GroupPeer(gateway: $0.gateway.map(GatewayView.init(json:)), agent: $0.agent.map(GatewayAgentView.init(json:)),
                                                        switchAgents: $0.leaves.map(SwitchAgentView.init(json:))) })
    }
}
