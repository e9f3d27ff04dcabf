import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// §3.9–§3.11 of docs/health-model.md: Forwarding, PeeringsHealthy, GroupRedundancy (issue 19).
/// gw-1 (protocol IP 172.30.8.0) and its peer gw-2 (172.30.8.2) are the members of gw-group-1,
/// which carries the peering vpc-01 <-> vpc-02.
extension ConditionCorpus {
    static let groupPeering = ["vpc-01--vpc-02": Fx.peering()]

    static func member(priority: Int64 = 2, name: String = "gw-1", groups: [(String, Int64)]? = nil) -> JSONValue {
        Fx.gateway(name: name, protocolIP: name == "gw-1" ? "172.30.8.0/32" : "172.30.8.2/32", groups: groups ?? [("gw-group-1", priority)])
    }

    static func agent(neighbors: [String: JSONValue]? = Fx.defaultNeighbors, peerings: [String: JSONValue]? = [:],
                      specPeerings: [String: JSONValue] = groupPeering, heartbeat: Double = -5, collected: Double? = nil,
                      name: String = "gw-1") -> JSONValue {
        Fx.agent(name: name, heartbeat: heartbeat, neighbors: neighbors, peerings: peerings, collected: collected, specPeerings: specPeerings)
    }

    /// gw-2 as a group peer: forwarding unless given other neighbours.
    static func peer(priority: Int64 = 1, neighbors: [String: JSONValue]? = Fx.defaultNeighbors, groups: [(String, Int64)]? = nil) -> Snapshot.Peer {
        Snapshot.Peer(gateway: member(priority: priority, name: "gw-2", groups: groups),
                      agent: agent(neighbors: neighbors, name: "gw-2"))
    }

    static let idle: [String: JSONValue] = ["172.30.128.12": Fx.neighbor("idle"), "172.30.128.26": Fx.neighbor("idle", routerID: "172.30.1.2")]

    /// One observation of gw-1 (active member, priority 2) with the peering's counters.
    static func carrying(_ p: Int64, _ d: Int64, at: Double, nat: String? = nil, idleTimeout: String? = nil, priority: Int64 = 2) -> Snapshot {
        Snapshot(gateway: member(priority: priority),
                 agent: Fx.agent(heartbeat: at - 2, peerings: ["vpc-01->vpc-02": Fx.counters(p, d), "vpc-02->vpc-01": Fx.counters(0, 0)],
                                 specPeerings: ["vpc-01--vpc-02": Fx.peering(nat: nat, idleTimeout: idleTimeout)]),
                 peers: [peer()])
    }

    static func conditionMessage(_ a: Assessment, _ type: String) -> String { a.condition(type)?.message ?? "" }

    static let forwardingCases: [Situation] = [
        Situation(name: "§3.9 sessions established and exchanging prefixes; a leaf reporting no prefix counts is no evidence → True",
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "True/RoutesExchanged", "PeeringsHealthy": "True/NoPeeringsExpected",
                                                             "GroupRedundancy": "True/NoPeeringGroups"]),
        Situation(name: "§3.9 every session idle (leaves down for maintenance) → False NoEstablishedSession, still UP",
                  snapshot: Snapshot(agent: Fx.agent(neighbors: idle)),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "False/NoEstablishedSession", "BGPEstablished": "False"]),
        Situation(name: "§3.9 boundary: established, 0 prefixes received → False NoRoutesExchanged",
                  snapshot: Snapshot(agent: Fx.agent(neighbors: ["172.30.128.12": Fx.neighbor(received: 0, sent: 1),
                                                                 "172.30.128.26": Fx.neighbor(received: 6, sent: 0)])),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "False/NoRoutesExchanged", "BGPEstablished": "True"],
                  extra: { a in #expect(conditionMessage(a, "Forwarding").contains("172.30.128.12 received 0, sent 1")) }),
        Situation(name: "§3.9 boundary: one session with 1 prefix each way → True",
                  snapshot: Snapshot(agent: Fx.agent(neighbors: ["172.30.128.12": Fx.neighbor(received: 1, sent: 1),
                                                                 "172.30.128.26": Fx.neighbor(received: 0, sent: 0)])),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "True/RoutesExchanged"]),
        Situation(name: "§3.9 no session reports ipv4UnicastPrefixes → Unknown StateNotReported",
                  snapshot: Snapshot(agent: Fx.agent(neighbors: ["172.30.128.12": Fx.neighbor().setting(["ipv4UnicastPrefixes"], nil)])),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "Unknown/StateNotReported"]),
        Situation(name: "§3.9 no status.state.bgp → Unknown StateNotReported",
                  snapshot: Snapshot(agent: Fx.agent(neighbors: nil)),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "Unknown/StateNotReported"]),
        Situation(name: "§3.9 leaf with the session established but 0 prefixes from the gateway → False LeavesHaveNoRoutes",
                  snapshot: Snapshot(leaves: [Fx.leaf(received: ["172.30.128.13": 0])]),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "False/LeavesHaveNoRoutes"],
                  extra: { a in #expect(conditionMessage(a, "Forwarding").contains("leaf-1")) }),
        Situation(name: "§3.9 boundary: one of two leaves received 1 prefix from the gateway → True",
                  snapshot: Snapshot(leaves: [Fx.leaf(received: ["172.30.128.13": 0]), Fx.leaf("leaf-2", received: ["172.30.128.13": 1])]),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "True/RoutesExchanged"]),
        Situation(name: "§3.9 leaf staleness: the only leaf with prefixes from the gateway (heartbeat -10 s) going stale would leave one with none → re-judged at +36 s",
                  snapshot: Snapshot(leaves: [Fx.leaf(heartbeat: -10, received: ["172.30.128.13": 5]), Fx.leaf("leaf-2", heartbeat: -5, received: ["172.30.128.13": 0])]),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "True/RoutesExchanged"],
                  extra: { a in #expect(a.nextCheck == Fx.at(36)) }),
        Situation(name: "§3.9 leaf staleness: the only leaf reporting 0 prefixes (heartbeat -10 s) going stale leaves no evidence → re-judged at +36 s",
                  snapshot: Snapshot(leaves: [Fx.leaf(heartbeat: -10, received: ["172.30.128.13": 0])]),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "False/LeavesHaveNoRoutes"],
                  extra: { a in #expect(a.nextCheck == Fx.at(36)) }),
        Situation(name: "§3.9 leaf staleness: two leaves with prefixes from the gateway, neither's staleness changes the verdict → no leaf check",
                  snapshot: Snapshot(leaves: [Fx.leaf(heartbeat: -10, received: ["172.30.128.13": 5]), Fx.leaf("leaf-2", heartbeat: -8, received: ["172.30.128.13": 3])]),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "True/RoutesExchanged"],
                  extra: { a in #expect(a.nextCheck != Fx.at(36) && a.nextCheck != Fx.at(38), "\(String(describing: a.nextCheck))") }),
        Situation(name: "§3.9 boundary: a leaf 46 s stale reporting 0 prefixes is no evidence → True",
                  snapshot: Snapshot(leaves: [Fx.leaf(heartbeat: -46, received: ["172.30.128.13": 0])]),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "True/RoutesExchanged"]),
        Situation(name: "§3.9 a leaf's 0 prefixes on a session that is not established is no evidence → True",
                  snapshot: Snapshot(leaves: [Fx.leaf(sessions: [("172.30.128.13", "active", "172.30.8.0")], received: ["172.30.128.13": 0])]),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "True/RoutesExchanged"]),
        Situation(name: "§3.9 heartbeat stale: the last BGP report is not current → Unknown HeartbeatStale",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -60)),
                  state: .keepaliveFail, reason: "KeepaliveMissed", conditions: ["Forwarding": "Unknown/HeartbeatStale"]),
        Situation(name: "§3.9 stalled collector: lastCollectedTime 46 s before a fresh heartbeat → five conditions Unknown StateNotCollected",
                  snapshot: Snapshot(gateway: member(), agent: agent(peerings: ["vpc-01->vpc-02": Fx.counters(10, 0)], collected: -51), peers: [peer()]),
                  state: .up, reason: "Healthy",
                  conditions: ["BGPEstablished": "Unknown/StateNotCollected", "BGPStable": "Unknown/StateNotCollected",
                               "TrafficHealthy": "Unknown/StateNotCollected", "Forwarding": "Unknown/StateNotCollected",
                               "PeeringsHealthy": "Unknown/StateNotCollected", "Heartbeat": "True/HeartbeatFresh"],
                  extra: { a in #expect(conditionMessage(a, "Forwarding").contains("2026-04-17T16:59:09Z")) }),
        Situation(name: "§3.9 boundary: lastCollectedTime exactly 45 s before the heartbeat is still current",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -5, collected: -50)),
                  state: .up, reason: "Healthy", conditions: ["Forwarding": "True/RoutesExchanged", "BGPEstablished": "True", "TrafficHealthy": "Unknown/BaselineRecorded"]),
    ]

    static let peeringCases: [Situation] = [
        Situation(name: "§3.10 a peering of a group the gateway is not in is not expected → True NoPeeringsExpected",
                  snapshot: Snapshot(gateway: member(), agent: agent(specPeerings: ["other": Fx.peering(group: "gw-group-9")]), peers: [peer()]),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "True/NoPeeringsExpected", "GroupRedundancy": "True/NoPeeringGroups"]),
        Situation(name: "§3.10 the active member (priority 2, forwarding) without a peering entry → False PeeringNotReported",
                  snapshot: Snapshot(gateway: member(priority: 2), agent: agent(), peers: [peer(priority: 1)]),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "False/PeeringNotReported", "GroupRedundancy": "True/Redundant"],
                  extra: { a in #expect(conditionMessage(a, "PeeringsHealthy").contains("vpc-01--vpc-02")) }),
        Situation(name: "§3.10 the backup member (priority 1) without a peering entry → True",
                  snapshot: Snapshot(gateway: member(priority: 1), agent: agent(), peers: [peer(priority: 2)]),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "True/AllPeeringsHealthy"],
                  extra: { a in #expect(conditionMessage(a, "PeeringsHealthy").contains("backup (active: gw-2)")) }),
        Situation(name: "§3.10 the higher-priority member not forwarding: this one is active → PeeringNotReported",
                  snapshot: Snapshot(gateway: member(priority: 1), agent: agent(), peers: [peer(priority: 2, neighbors: idle)]),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "False/PeeringNotReported", "GroupRedundancy": "False/RedundancyLost"]),
        Situation(name: "§3.10/§3.11 a member whose Forwarding is Unknown does not count as forwarding → this one is active; redundancy Unknown",
                  snapshot: Snapshot(gateway: member(priority: 1), agent: agent(), peers: [peer(priority: 2, neighbors: nil)]),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "False/PeeringNotReported", "GroupRedundancy": "Unknown/ForwardingUnknown"]),
        Situation(name: "§3.10 equal priorities: the alphabetically first forwarding member (gw-1) is active",
                  snapshot: Snapshot(gateway: member(priority: 1), agent: agent(), peers: [peer(priority: 1)]),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "False/PeeringNotReported"]),
        Situation(name: "§3.10 one direction reported counts as reported → True",
                  snapshot: Snapshot(gateway: member(), agent: agent(peerings: ["vpc-02->vpc-01": Fx.counters(10, 0)]), peers: [peer()]),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "True/AllPeeringsHealthy"]),
        Situation(name: "§3.10 first look: drops already in the counters are not judged, presence is → True",
                  snapshot: carrying(1_000, 900, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "True/AllPeeringsHealthy"]),
        Situation(name: "§3.10 boundary: +9 drops per +1000 packets (0.9 %) on a peering → True",
                  earlier: [(-15, carrying(10_000, 5, at: -15))], snapshot: carrying(11_000, 14, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "True/AllPeeringsHealthy"]),
        Situation(name: "§3.10 boundary: +10 drops per +1000 packets (1 %) on a masquerade NAT peering → False PeeringDrops naming NAT and idleTimeout",
                  earlier: [(-15, carrying(10_000, 5, at: -15, nat: "masquerade", idleTimeout: "2m"))],
                  snapshot: carrying(11_000, 15, at: 0, nat: "masquerade", idleTimeout: "2m"),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "False/PeeringDrops", "TrafficHealthy": "False/DropsAboveThreshold"],
                  extra: { a in #expect(conditionMessage(a, "PeeringsHealthy").contains("uses NAT masquerade, idleTimeout 2m")) }),
        Situation(name: "§3.10 drops on a peering without NAT → False PeeringDrops saying no NAT",
                  earlier: [(-15, carrying(10_000, 5, at: -15))], snapshot: carrying(11_000, 50, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "False/PeeringDrops"],
                  extra: { a in #expect(conditionMessage(a, "PeeringsHealthy").contains("vpc-01--vpc-02 uses no NAT")) }),
        Situation(name: "§3.10 drops on a static NAT peering: the message names static, no idle timeout",
                  earlier: [(-15, carrying(10_000, 5, at: -15, nat: "static"))], snapshot: carrying(10_000, 50, at: 0, nat: "static"),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "False/PeeringDrops"],
                  extra: { a in
                      #expect(conditionMessage(a, "PeeringsHealthy").contains("uses NAT static)"))
                  }),
        Situation(name: "§3.10 the same collection seen again keeps PeeringDrops",
                  earlier: [(-30, carrying(10_000, 5, at: -30)), (-15, carrying(11_000, 50, at: -15))], snapshot: carrying(11_000, 50, at: -15),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "False/PeeringDrops"]),
        Situation(name: "§3.10 traffic stopped for more than 600 s on the active member → False PeeringTrafficStopped",
                  earlier: [(-700, carrying(1_000, 0, at: -700)), (-601, carrying(2_000, 0, at: -601)), (-300, carrying(2_000, 0, at: -300))],
                  snapshot: carrying(2_000, 0, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "False/PeeringTrafficStopped"],
                  extra: { a in
                      #expect(conditionMessage(a, "PeeringsHealthy").contains("no new packets since 2026-04-17T16:49:59Z"))
                      #expect(a.memory.peeringRises["vpc-01--vpc-02"] == Fx.at(-601))
                  }),
        Situation(name: "§3.10 boundary: no new packets for exactly 600 s → True, re-checked at 601 s",
                  earlier: [(-700, carrying(1_000, 0, at: -700)), (-600, carrying(2_000, 0, at: -600))],
                  snapshot: carrying(2_000, 0, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "True/AllPeeringsHealthy"], nextCheck: 1),
        Situation(name: "§3.10 traffic stopped on the backup member → True",
                  earlier: [(-700, carrying(1_000, 0, at: -700, priority: 0)), (-601, carrying(2_000, 0, at: -601, priority: 0))],
                  snapshot: carrying(2_000, 0, at: 0, priority: 0),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "True/AllPeeringsHealthy"]),
        Situation(name: "§3.10 boundary: packets last rose 3600 s ago → an idle peering, True",
                  earlier: [(-3700, carrying(1_000, 0, at: -3700)), (-3600, carrying(2_000, 0, at: -3600))],
                  snapshot: carrying(2_000, 0, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "True/AllPeeringsHealthy"],
                  extra: { a in #expect(a.memory.peeringRises.isEmpty) }),
        Situation(name: "§3.10 malformed peering counters → Unknown CounterInvalid",
                  snapshot: Snapshot(gateway: member(), agent: agent(peerings: ["vpc-01->vpc-02": ["p": "many", "d": 0]]), peers: [peer()]),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "Unknown/CounterInvalid"]),
        Situation(name: "§3.10 no status.state with a peering expected → Unknown StateNotReported",
                  snapshot: Snapshot(gateway: member(), agent: agent().setting(["status", "state"], nil), peers: [peer()]),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "Unknown/StateNotReported", "Forwarding": "Unknown/StateNotReported"]),
    ]

    static let redundancyCases: [Situation] = [
        Situation(name: "§3.11 a group of 2, both forwarding → True Redundant",
                  snapshot: Snapshot(gateway: member(), agent: agent(peerings: ["vpc-01->vpc-02": Fx.counters(10, 0)]), peers: [peer()]),
                  state: .up, reason: "Healthy", conditions: ["GroupRedundancy": "True/Redundant", "PeeringsHealthy": "True/AllPeeringsHealthy"]),
        Situation(name: "§3.11 a group of 2 where the other member loses Forwarding → False RedundancyLost naming group, members, Forwarding",
                  snapshot: Snapshot(gateway: member(), agent: agent(peerings: ["vpc-01->vpc-02": Fx.counters(10, 0)]), peers: [peer(neighbors: idle)]),
                  state: .up, reason: "Healthy", conditions: ["GroupRedundancy": "False/RedundancyLost", "Forwarding": "True"],
                  extra: { a in
                      #expect(conditionMessage(a, "GroupRedundancy").contains("group gw-group-1 (carries vpc-01--vpc-02): 1 of 2 members forwarding: gw-1 True, gw-2 False (NoEstablishedSession)"))
                  }),
        Situation(name: "§3.11 a group of 2 where this gateway loses Forwarding → False RedundancyLost",
                  snapshot: Snapshot(gateway: member(), agent: agent(neighbors: idle), peers: [peer()]),
                  state: .up, reason: "Healthy", conditions: ["GroupRedundancy": "False/RedundancyLost", "Forwarding": "False/NoEstablishedSession",
                                                             "PeeringsHealthy": "True/AllPeeringsHealthy"]),
        Situation(name: "§3.11 boundary: a group of 2 whose other member's heartbeat is 45 s old (fresh) → True Redundant, checked again when it goes stale",
                  snapshot: Snapshot(gateway: member(), agent: agent(peerings: ["vpc-01->vpc-02": Fx.counters(10, 0)]),
                                     peers: [Snapshot.Peer(gateway: member(priority: 1, name: "gw-2"), agent: Fx.agent(name: "gw-2", heartbeat: -45, specPeerings: groupPeering))]),
                  state: .up, reason: "Healthy", conditions: ["GroupRedundancy": "True/Redundant", "PeeringsHealthy": "True/AllPeeringsHealthy"],
                  extra: { a in
                      // gw-2's heartbeat goes stale after 0 + 1 s; gw-1's own 5 s ago only after 41 s.
                      #expect(a.groupPeersCheck == Fx.at(1))
                      #expect(a.nextCheck == Fx.at(1))
                  }),
        Situation(name: "§3.11 a group of 2 whose other member's heartbeat is stale (46 s) → False RedundancyLost: silent is not forwarding, whatever its last report says",
                  snapshot: Snapshot(gateway: member(), agent: agent(peerings: ["vpc-01->vpc-02": Fx.counters(10, 0)]),
                                     peers: [Snapshot.Peer(gateway: member(priority: 1, name: "gw-2"), agent: Fx.agent(name: "gw-2", heartbeat: -46, specPeerings: groupPeering))]),
                  state: .up, reason: "Healthy", conditions: ["GroupRedundancy": "False/RedundancyLost", "Forwarding": "True/RoutesExchanged"],
                  extra: { a in
                      #expect(conditionMessage(a, "GroupRedundancy").contains("1 of 2 members forwarding: gw-1 True, gw-2 Unknown (HeartbeatStale)"))
                      #expect(a.groupPeersCheck == nil, "no peer left to go stale")
                  }),
        Situation(name: "§3.10/§3.11 the higher-priority member's heartbeat is stale → this one is the active member and must report the peering",
                  snapshot: Snapshot(gateway: member(priority: 1), agent: agent(),
                                     peers: [Snapshot.Peer(gateway: member(priority: 2, name: "gw-2"), agent: Fx.agent(name: "gw-2", heartbeat: -46, specPeerings: groupPeering))]),
                  state: .up, reason: "Healthy", conditions: ["PeeringsHealthy": "False/PeeringNotReported", "GroupRedundancy": "False/RedundancyLost"]),
        Situation(name: "§3.11 a group of 3, one member's heartbeat stale → still 2 forwarding: True Redundant",
                  snapshot: Snapshot(gateway: member(), agent: agent(peerings: ["vpc-01->vpc-02": Fx.counters(10, 0)]),
                                     peers: [peer(),
                                             Snapshot.Peer(gateway: Fx.gateway(name: "gw-3", protocolIP: "172.30.8.4/32", groups: [("gw-group-1", 1)]),
                                                           agent: Fx.agent(name: "gw-3", heartbeat: -60, specPeerings: groupPeering))]),
                  state: .up, reason: "Healthy", conditions: ["GroupRedundancy": "True/Redundant"],
                  extra: { a in #expect(conditionMessage(a, "GroupRedundancy").contains("gw-group-1 2 of 3")) }),
        Situation(name: "§3.11 the other member's BGP state malformed → its Forwarding Unknown → Unknown ForwardingUnknown",
                  snapshot: Snapshot(gateway: member(), agent: agent(peerings: ["vpc-01->vpc-02": Fx.counters(10, 0)]),
                                     peers: [peer(neighbors: ["172.30.128.12": Fx.neighbor().setting(["sessionState"], 5)])]),
                  state: .up, reason: "Healthy", conditions: ["GroupRedundancy": "Unknown/ForwardingUnknown"],
                  extra: { a in #expect(conditionMessage(a, "GroupRedundancy").contains("gw-2 Unknown (StateNotReported)")) }),
        Situation(name: "§3.11 a group of one that carries a peering → False RedundancyLost",
                  snapshot: Snapshot(gateway: member(), agent: agent(peerings: ["vpc-01->vpc-02": Fx.counters(10, 0)])),
                  state: .up, reason: "Healthy", conditions: ["GroupRedundancy": "False/RedundancyLost", "PeeringsHealthy": "True/AllPeeringsHealthy"]),
        Situation(name: "§3.11 the default group carrying a peering: every gateway is a member → True Redundant",
                  snapshot: Snapshot(gateway: member(groups: []), agent: agent(peerings: ["vpc-01->vpc-02": Fx.counters(10, 0)], specPeerings: ["p": Fx.peering(group: "")]),
                                     peers: [peer(groups: [])]),
                  state: .up, reason: "Healthy", conditions: ["GroupRedundancy": "True/Redundant", "PeeringsHealthy": "True/AllPeeringsHealthy"]),
        Situation(name: "§3.11 no Gateway: its groups are not known → Unknown GroupsUnreadable",
                  snapshot: Snapshot(gateway: nil, agent: agent()),
                  state: .up, reason: "Healthy", conditions: ["GroupRedundancy": "Unknown/GroupsUnreadable"]),
    ]

    static let fabric = forwardingCases + peeringCases + redundancyCases
}
