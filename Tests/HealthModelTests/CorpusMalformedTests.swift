import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// §6 of docs/health-model.md: malformed input gives an Unknown condition with a reason, never a crash.
enum MalformedCorpus {
    static func agent(_ path: [String], _ value: JSONValue?) -> Snapshot { Snapshot(agent: Fx.agent().setting(path, value)) }

    static let all: [Situation] = [
        Situation(name: "§6 lastHeartbeat that does not parse, first sight → Unknown, not DOWN",
                  snapshot: agent(["status", "lastHeartbeat"], "yesterday"),
                  state: .up, reason: "Healthy", conditions: ["Heartbeat": "Unknown/HeartbeatUnparseable"],
                  extra: { a in #expect(a.evidence.problems.contains { $0.path == "status.lastHeartbeat" }) }),
        Situation(name: "§6 lastHeartbeat that does not parse and has not changed for 50 s → stale",
                  earlier: [(-50, agent(["status", "lastHeartbeat"], "yesterday"))],
                  snapshot: agent(["status", "lastHeartbeat"], "yesterday"),
                  state: .keepaliveFail, reason: "KeepaliveMissed", conditions: ["Heartbeat": "Unknown/HeartbeatUnparseable"]),
        Situation(name: "§6 negative metadata.generation → ConfigApplied Unknown",
                  snapshot: agent(["metadata", "generation"], -3),
                  state: .up, reason: "Healthy", conditions: ["ConfigApplied": "Unknown/GenerationInvalid"],
                  extra: { a in
                      #expect(a.evidence.problems.contains { $0.path == "metadata.generation" })
                      #expect(a.agentGeneration == 3, "the Gateway's, as the GatewayAgent's is unusable")
                  }),
        Situation(name: "§6 lastAppliedGen of the wrong JSON type → Unknown",
                  snapshot: agent(["status", "lastAppliedGen"], "ten"),
                  state: .up, reason: "Healthy",
                  conditions: ["ConfigApplied": "Unknown/AppliedGenerationInvalid", "RoutingApplied": "Unknown/AppliedGenerationInvalid"]),
        Situation(name: "§6 negative state.frr.lastAppliedGen → RoutingApplied Unknown",
                  snapshot: agent(["status", "state", "frr", "lastAppliedGen"], -1),
                  state: .up, reason: "Healthy", conditions: ["RoutingApplied": "Unknown/FRRGenerationInvalid"]),
        Situation(name: "§6 session state outside the enum → BGPEstablished Unknown",
                  snapshot: agent(["status", "state", "bgp", "vrfs", "default", "neighbors", "172.30.128.26", "sessionState"], "bogus"),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "Unknown/SessionStateInvalid"],
                  extra: { a in
                      #expect(a.evidence.problems.contains { $0.path.hasSuffix("[172.30.128.26].sessionState") })
                      #expect(a.evidence.neighbors.contains { $0.state == "invalid" })
                  }),
        Situation(name: "§6 an invalid session state does not hide a definite one: False wins",
                  snapshot: Snapshot(agent: Fx.agent(neighbors: ["172.30.128.12": Fx.neighbor("connect"), "172.30.128.26": Fx.neighbor("Established!")])),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "False/NeighborsNotEstablished"]),
        Situation(name: "§6 a drop counter of the wrong JSON type → TrafficHealthy Unknown",
                  earlier: [(-15, ConditionCorpus.traffic(10_000, 5, at: -15))],
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -2, vpcs: ["vpc-01": ["p": 11_000, "b": 1, "d": "many"]], peerings: [:])),
                  state: .up, reason: "Healthy", conditions: ["TrafficHealthy": "Unknown/CounterInvalid"]),
        Situation(name: "§6 a flap counter of the wrong JSON type → BGPStable Unknown",
                  earlier: [(-15, ConditionCorpus.flaps(1, heartbeat: -16))],
                  snapshot: agent(["status", "state", "bgp", "vrfs", "default", "neighbors", "172.30.128.12", "connectionsDropped"], "x"),
                  state: .up, reason: "Healthy", conditions: ["BGPStable": "Unknown/CounterInvalid"]),
        Situation(name: "§6 status of the wrong JSON type → Unknown conditions, no crash",
                  snapshot: agent(["status"], "broken"),
                  state: .up, reason: "Healthy",
                  conditions: ["Heartbeat": "Unknown/HeartbeatUnparseable", "ConfigApplied": "Unknown/NotReported"]),
        Situation(name: "§6 pod containerStatuses of the wrong JSON type → PodsReady Unknown, not DOWN",
                  snapshot: Snapshot(pods: [Fx.pod("dataplane").setting(["status", "containerStatuses"], ["dataplane": true]), Fx.pod("frr")]),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "Unknown/PodStatusInvalid"]),
        Situation(name: "§6 unparseable creationTimestamp, no GatewayAgent: first sight counts as creation → WAITING",
                  snapshot: Snapshot(gateway: Fx.gateway().setting(["metadata", "creationTimestamp"], "soon"), agent: nil),
                  state: .waiting, reason: "AwaitingFirstHeartbeat", nextCheck: 300),
        Situation(name: "§6 unparseable lastAppliedTime while FRR lags: the lag starts now",
                  snapshot: Snapshot(agent: Fx.agent(frrGen: 9).setting(["status", "lastAppliedTime"], 42)),
                  state: .up, reason: "Healthy", conditions: ["RoutingApplied": "False/FRRApplyPending"]),
        Situation(name: "§6 a GatewayAgent that is not an object at all",
                  snapshot: Snapshot(agent: ["not", "an", "object"]),
                  state: .up, reason: "Healthy", conditions: ["Heartbeat": "Unknown/HeartbeatUnparseable"]),
    ]
}

@Suite("Corpus §6: malformed input")
struct CorpusMalformedTests {
    @Test(arguments: MalformedCorpus.all)
    func situation(_ s: Situation) {
        s.check(s.run())
    }

    @Test func corpusIsLargeEnough() {
        #expect(StateCorpus.all.count + ConditionCorpus.all.count + MalformedCorpus.all.count >= 40)
    }
}
