import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// Issue 19: findings that change no state — a peer AS other than the spec's (§3.6), a container
/// restarting over and over while Ready between crashes (§3.5), an agent version that did not
/// land (§3.12). Part of `ConditionCorpus.all`.
extension ConditionCorpus {
    /// The default neighbours, 172.30.128.26 reporting `peerAS` (spec.neighbors says 65100).
    static func peerAS(_ asn: Int64, state: String = "established") -> JSONValue {
        withNeighbors(["172.30.128.12": Fx.neighbor(), "172.30.128.26": Fx.neighbor(state, routerID: "172.30.1.2").setting(["peerAS"], .int(asn))])
    }

    static let peerASCases: [Situation] = [
        Situation(name: "§3.6 a session whose peerAS is not spec.neighbors' asn → False PeerASMismatch, still UP",
                  snapshot: Snapshot(agent: peerAS(65200)),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "False/PeerASMismatch"],
                  extra: { a in
                      let message = a.condition("BGPEstablished")?.message ?? ""
                      #expect(message.contains("2/2 established; peer AS mismatch: 172.30.128.26 (peerAS 65200, spec.neighbors asn 65100)"), "\(message)")
                  }),
        Situation(name: "§3.6 NeighborsNotEstablished wins over PeerASMismatch, and the message names both",
                  snapshot: Snapshot(agent: peerAS(65200, state: "active")),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "False/NeighborsNotEstablished"],
                  extra: { a in
                      let message = a.condition("BGPEstablished")?.message ?? ""
                      #expect(message.contains("not established: 172.30.128.26 (active)"), "\(message)")
                      #expect(message.contains("peer AS mismatch: 172.30.128.26 (peerAS 65200, spec.neighbors asn 65100)"), "\(message)")
                  }),
        Situation(name: "§3.6 the peer AS the spec names → AllEstablished",
                  snapshot: Snapshot(agent: peerAS(65100)),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "True/AllEstablished"]),
        Situation(name: "§3.6 a neighbour not in spec.neighbors is not compared (no asn to compare with)",
                  snapshot: Snapshot(agent: withNeighbors(Fx.defaultNeighbors.merging(
                      ["172.30.128.40": Fx.neighbor(routerID: "172.30.1.3").setting(["peerAS"], 65999)]) { a, _ in a })),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "True/AllEstablished"]),
        Situation(name: "§1/§3.6 no Gateway object: the GatewayAgent's spec.gateway.neighbors[].asn is compared",
                  snapshot: Snapshot(gateway: nil, agent: withNeighbors(["172.30.128.12": Fx.neighbor().setting(["peerAS"], 64999)])),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "False/PeerASMismatch"]),
    ]

    static func versions(spec: JSONValue?, status: JSONValue?) -> JSONValue {
        Fx.agent().setting(["spec", "agentVersion"], spec).setting(["status", "agentVersion"], status)
    }

    static let agentVersionCases: [Situation] = [
        Situation(name: "§3.12 status.agentVersion equals spec.agentVersion → True VersionsMatch",
                  snapshot: Snapshot(agent: versions(spec: "v1.2.0", status: "v1.2.0")),
                  state: .up, reason: "Healthy", conditions: ["AgentVersionCurrent": "True/VersionsMatch"]),
        Situation(name: "§3.12 an upgrade that did not land → False AgentVersionMismatch, a finding: still UP",
                  snapshot: Snapshot(agent: versions(spec: "v1.3.0", status: "v1.2.0")),
                  state: .up, reason: "Healthy", conditions: ["AgentVersionCurrent": "False/AgentVersionMismatch", "Ready": "True"],
                  extra: { a in
                      let message = a.condition("AgentVersionCurrent")?.message ?? ""
                      #expect(message.contains("status.agentVersion v1.2.0 is not spec.agentVersion v1.3.0"), "\(message)")
                  }),
        Situation(name: "§3.12 no spec.agentVersion → True NoVersionExpected",
                  snapshot: Snapshot(agent: versions(spec: nil, status: "v1.2.0")),
                  state: .up, reason: "Healthy", conditions: ["AgentVersionCurrent": "True/NoVersionExpected"]),
        Situation(name: "§3.12 an empty spec.agentVersion → True NoVersionExpected, whatever runs",
                  snapshot: Snapshot(agent: versions(spec: "", status: "v0.1.0")),
                  state: .up, reason: "Healthy", conditions: ["AgentVersionCurrent": "True/NoVersionExpected"]),
        Situation(name: "§3.12 a version expected, none reported → Unknown AgentVersionNotReported",
                  snapshot: Snapshot(agent: versions(spec: "v1.2.0", status: nil)),
                  state: .up, reason: "Healthy", conditions: ["AgentVersionCurrent": "Unknown/AgentVersionNotReported"]),
        Situation(name: "§3.12 no GatewayAgent → Unknown AgentVersionNotReported",
                  snapshot: Snapshot(gateway: Fx.gateway(created: -301), agent: nil),
                  state: .down, reason: "NeverReported", conditions: ["AgentVersionCurrent": "Unknown/AgentVersionNotReported"]),
        Situation(name: "§3.12/§6 status.agentVersion not a string → Unknown AgentVersionInvalid, a problem recorded",
                  snapshot: Snapshot(agent: versions(spec: "v1.2.0", status: ["not", "a", "string"])),
                  state: .up, reason: "Healthy", conditions: ["AgentVersionCurrent": "Unknown/AgentVersionInvalid"],
                  extra: { a in #expect(a.evidence.problems.contains { $0.path == "status.agentVersion" }) }),
        Situation(name: "§3.12/§6 spec.agentVersion not a string → Unknown AgentVersionInvalid",
                  snapshot: Snapshot(agent: versions(spec: 12, status: "v1.2.0")),
                  state: .up, reason: "Healthy", conditions: ["AgentVersionCurrent": "Unknown/AgentVersionInvalid"]),
    ]

    /// One observation at `at`: a fresh heartbeat, the dataplane container with `restarts`.
    static func restarting(_ restarts: Int64, at: Double, suffix: String = "x7v9s") -> Snapshot {
        Snapshot(agent: Fx.agent(heartbeat: at - 5),
                 pods: [Fx.pod("dataplane", suffix: suffix, containers: [.init(name: "dataplane", started: at - 60, restarts: restarts)]),
                        Fx.pod("frr")])
    }

    static let restartCases: [Situation] = [
        Situation(name: "§3.5 first sight of a container with 9 restarts: a baseline, PodsReady True",
                  snapshot: restarting(9, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "True/PodsRunningReady"],
                  extra: { a in
                      #expect(a.memory.containerRestarts?["dataplane/dataplane"] == 9)
                      #expect(a.memory.restartRises.isEmpty)
                  }),
        Situation(name: "§3.5 boundary: restartCount +3 within 1 h → PodsReady True",
                  earlier: [(-1800, restarting(2, at: -1800))], snapshot: restarting(5, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "True/PodsRunningReady"],
                  extra: { a in #expect(a.memory.restartRises == [RestartRise(container: "dataplane/dataplane", at: Fx.t0, restarts: 3)]) }),
        Situation(name: "§3.5 restartCount +4 within 1 h, Ready between crashes → False ContainerRestarting, still UP",
                  earlier: [(-1800, restarting(2, at: -1800))], snapshot: restarting(6, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "False/ContainerRestarting", "Ready": "True/Up"],
                  extra: { a in
                      let message = a.condition("PodsReady")?.message ?? ""
                      #expect(message.contains("gw--gw-1--dataplane-x7v9s container dataplane restarted 4 times within 1h0m, more than 3 (restartCount 6, rising since 2026-04-17T17:00:00Z)"), "\(message)")
                  }),
        Situation(name: "§3.5 rises add up across observations: +2, then +2 → 4 within 1 h → False",
                  earlier: [(-3500, restarting(0, at: -3500)), (-3000, restarting(2, at: -3000))], snapshot: restarting(4, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "False/ContainerRestarting"],
                  extra: { a in #expect(a.condition("PodsReady")?.message.contains("rising since 2026-04-17T16:10:00Z") == true) }),
        Situation(name: "§3.5 boundary: a rise seen 3599 s ago is still inside the 1 h window → False",
                  earlier: [(-3700, restarting(0, at: -3700)), (-3599, restarting(3, at: -3599))], snapshot: restarting(4, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "False/ContainerRestarting"], nextCheck: 1),
        Situation(name: "§3.5 boundary: a rise seen 3600 s ago has left the window → True",
                  earlier: [(-3700, restarting(0, at: -3700)), (-3600, restarting(3, at: -3600))], snapshot: restarting(4, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "True/PodsRunningReady"],
                  extra: { a in #expect(a.memory.restartRises.map(\.restarts) == [1]) }),
        Situation(name: "§3.5 a replacement pod (restartCount back to 0) is a new baseline, not a negative rise: +2 since → True",
                  earlier: [(-1200, restarting(5, at: -1200)), (-600, restarting(0, at: -600, suffix: "b2c3d"))],
                  snapshot: restarting(2, at: 0, suffix: "b2c3d"),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "True/PodsRunningReady"],
                  extra: { a in
                      #expect(a.memory.containerRestarts?["dataplane/dataplane"] == 2)
                      #expect(a.memory.restartRises == [RestartRise(container: "dataplane/dataplane", at: Fx.t0, restarts: 2)])
                  }),
        Situation(name: "§3.5/§6 container statuses that cannot be read keep the counts: their return is not a rise from 0",
                  earlier: [(-1800, restarting(5, at: -1800)),
                            (-900, Snapshot(agent: Fx.agent(heartbeat: -905),
                                            pods: [Fx.pod("dataplane").setting(["status", "containerStatuses"], "garbled"), Fx.pod("frr")]))],
                  snapshot: restarting(6, at: 0),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "True/PodsRunningReady"],
                  extra: { a in #expect(a.memory.restartRises.map(\.restarts) == [1]) }),
    ]

    static let findings = peerASCases + agentVersionCases + restartCases
}
