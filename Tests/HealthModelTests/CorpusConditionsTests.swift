import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// §2.4 and §3 of docs/health-model.md: configuration lag, heartbeat skew, BGP and traffic.
enum ConditionCorpus {
    static func lagging(heartbeat: Double = -5, appliedTime: Double? = -3_600, specChanged: Double? = nil) -> JSONValue {
        Fx.agent(generation: 11, heartbeat: heartbeat, appliedTime: appliedTime, specChanged: specChanged)
    }

    static let config: [Situation] = [
        Situation(name: "§2.4 boundary: generation lag for exactly the apply timeout (120 s) → UP, ApplyPending",
                  snapshot: Snapshot(agent: lagging(specChanged: -120)),
                  state: .up, reason: "Healthy", conditions: ["ConfigApplied": "False/ApplyPending"], nextCheck: 1),
        Situation(name: "§2.4 boundary: generation lag for 121 s → CONFIG_FAIL",
                  snapshot: Snapshot(agent: lagging(specChanged: -121)),
                  state: .configFail, reason: "ApplyTimedOut", conditions: ["Ready": "False/ApplyTimedOut", "Heartbeat": "True"]),
        Situation(name: "§5 no managedFields: the lag is seeded from lastAppliedTime → CONFIG_FAIL",
                  snapshot: Snapshot(agent: lagging(appliedTime: -200)),
                  state: .configFail, reason: "ApplyTimedOut", extra: { a in #expect(a.evidence.configLagSince == Fx.ts(-200).stringValue) }),
        Situation(name: "§5 no managedFields and no lastAppliedTime: the lag starts now",
                  snapshot: Snapshot(agent: lagging(appliedTime: nil)),
                  state: .up, reason: "Healthy", conditions: ["ConfigApplied": "False/ApplyPending"],
                  extra: { a in #expect(a.memory.configLagSince == Fx.t0) }),
        Situation(name: "§5 the remembered lag start survives persistence → CONFIG_FAIL after 130 s",
                  earlier: [(-130, Snapshot(agent: lagging(heartbeat: -135, appliedTime: nil))),
                            (-60, Snapshot(agent: lagging(heartbeat: -62, appliedTime: nil)))],
                  snapshot: Snapshot(agent: lagging(appliedTime: nil)),
                  state: .configFail, reason: "ApplyTimedOut", extra: { a in #expect(a.memory.configLagSince == Fx.at(-130)) }),
        Situation(name: "§5 a lag never starts before an evaluation that saw none",
                  earlier: [(-30, Snapshot(agent: Fx.agent(heartbeat: -32)))],
                  snapshot: Snapshot(agent: lagging()),
                  state: .up, reason: "Healthy", conditions: ["ConfigApplied": "False/ApplyPending"],
                  extra: { a in #expect(a.memory.configLagSince == Fx.at(-30)) }),
        Situation(name: "§2.4 managedFields: the status subresource entry is ignored, the spec entry gives the lag start",
                  snapshot: Snapshot(agent: lagging(specChanged: -200)),
                  state: .configFail, reason: "ApplyTimedOut",
                  messageHas: ["lastAppliedGen 10 is behind metadata.generation 11 since 2026-04-17T16:56:40Z, longer than the apply timeout 2m0s"],
                  extra: { a in #expect(a.evidence.configLagSince == Fx.ts(-200).stringValue) }),
        Situation(name: "§2.4 boundary: FRR behind lastAppliedGen for 121 s → CONFIG_FAIL",
                  snapshot: Snapshot(agent: Fx.agent(appliedTime: -121, frrGen: 9)),
                  state: .configFail, reason: "RoutingApplyTimedOut", conditions: ["RoutingApplied": "False/FRRApplyTimedOut", "ConfigApplied": "True"]),
        Situation(name: "§2.4 boundary: FRR behind for exactly 120 s → UP, FRRApplyPending",
                  snapshot: Snapshot(agent: Fx.agent(appliedTime: -120, frrGen: 9)),
                  state: .up, reason: "Healthy", conditions: ["RoutingApplied": "False/FRRApplyPending"], nextCheck: 1),
        Situation(name: "§3.2 partial status: heartbeat and generations but no state",
                  snapshot: Snapshot(agent: Fx.agent().setting(["status", "state"], nil)),
                  state: .up, reason: "Healthy",
                  conditions: ["RoutingApplied": "Unknown/FRRStateMissing", "BGPEstablished": "Unknown/BGPStateMissing",
                               "TrafficHealthy": "Unknown/CountersMissing", "ConfigApplied": "True/GenerationApplied"]),
    ]

    static let skew: [Situation] = [
        Situation(name: "§3.2 heartbeat 20 s in the future (within the skew tolerance) is fresh",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: 20)),
                  state: .up, reason: "Healthy", conditions: ["Heartbeat": "True/HeartbeatFresh"]),
        Situation(name: "§3.2 heartbeat 10 min in the future, first sight: Unknown, not a false DOWN",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: 600)),
                  state: .up, reason: "Healthy", conditions: ["Heartbeat": "Unknown/HeartbeatInFuture"]),
        Situation(name: "§3.2 future heartbeat unchanged for 50 s on the operator's clock is stale → KEEPALIVE_FAIL",
                  earlier: [(-50, Snapshot(agent: Fx.agent(heartbeat: 600)))],
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: 600)),
                  state: .keepaliveFail, reason: "KeepaliveMissed", conditions: ["Heartbeat": "Unknown/HeartbeatInFuture"]),
        Situation(name: "§3.2 boundary: future heartbeat unchanged for exactly 45 s is still fresh",
                  earlier: [(-45, Snapshot(agent: Fx.agent(heartbeat: 600)))],
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: 600)),
                  state: .up, reason: "Healthy", nextCheck: 1),
        // A clock behind: each heartbeat is written on schedule but stamped 60 s in the past.
        Situation(name: "§3.2 gateway clock 60 s behind, heartbeats arriving every 15 s → fresh, HeartbeatClockSkew",
                  earlier: [(-30, Snapshot(agent: Fx.agent(heartbeat: -90))), (-15, Snapshot(agent: Fx.agent(heartbeat: -75)))],
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -60)),
                  state: .up, reason: "Healthy", conditions: ["Heartbeat": "True/HeartbeatClockSkew"], liveness: .notNeeded,
                  nextCheck: 46,
                  extra: { a in
                      #expect(a.condition("Heartbeat")?.message.contains("the gateway's clock is about 1m0s behind the operator's") == true,
                              "\(a.condition("Heartbeat")?.message ?? "")")
                      #expect(a.memory.heartbeatClockOffset == 60)
                  }),
        Situation(name: "§3.2 first sight of a heartbeat 60 s old: judged by its stamp, stale (a clock behind shows with the next one)",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -60)),
                  state: .keepaliveFail, reason: "KeepaliveMissed", conditions: ["Heartbeat": "False/HeartbeatStale"],
                  messageHas: ["no heartbeat since 2026-04-17T16:59:00Z", "no heartbeat has been seen arriving yet"]),
        Situation(name: "§3.2 boundary: gateway clock 60 s behind, last heartbeat arrived exactly 45 s ago → still fresh",
                  earlier: [(-75, Snapshot(agent: Fx.agent(heartbeat: -135))), (-60, Snapshot(agent: Fx.agent(heartbeat: -120)))],
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -120)), now: -15,
                  state: .up, reason: "Healthy", conditions: ["Heartbeat": "True/HeartbeatClockSkew"], nextCheck: -14),
        Situation(name: "§3.2 gateway clock 60 s behind stops: stale 46 s after its last heartbeat arrived → KEEPALIVE_FAIL",
                  earlier: [(-75, Snapshot(agent: Fx.agent(heartbeat: -135))), (-60, Snapshot(agent: Fx.agent(heartbeat: -120)))],
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -120)), now: -14,
                  state: .keepaliveFail, reason: "KeepaliveMissed", conditions: ["Heartbeat": "False/HeartbeatStale"],
                  messageHas: ["no heartbeat since 2026-04-17T16:59:00Z on the operator's clock",
                               "stamped 2026-04-17T16:58:00Z by a gateway clock about 1m0s behind it"]),
        Situation(name: "§3.2 a known clock offset carries over a gap in observation (an operator restart): no false stale",
                  earlier: [(-120, Snapshot(agent: Fx.agent(heartbeat: -180))), (-105, Snapshot(agent: Fx.agent(heartbeat: -165)))],
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -60)),
                  state: .up, reason: "Healthy", conditions: ["Heartbeat": "True/HeartbeatClockSkew"], nextCheck: 46),
        Situation(name: "§3.2 a clock 20 s behind is within the tolerance: HeartbeatFresh, stale 45 s after the later of stamp and arrival",
                  earlier: [(-15, Snapshot(agent: Fx.agent(heartbeat: -35)))],
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -20)),
                  state: .up, reason: "Healthy", conditions: ["Heartbeat": "True/HeartbeatFresh"], nextCheck: 46),
        // A clock ahead: the same tracking, once a heartbeat has been seen arriving.
        Situation(name: "§3.2 gateway clock 10 min ahead, heartbeats arriving every 15 s → fresh, HeartbeatClockSkew",
                  earlier: [(-15, Snapshot(agent: Fx.agent(heartbeat: 585)))],
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: 600)),
                  state: .up, reason: "Healthy", conditions: ["Heartbeat": "True/HeartbeatClockSkew"], nextCheck: 46,
                  extra: { a in
                      #expect(a.condition("Heartbeat")?.message.contains("about 10m0s ahead of the operator's") == true,
                              "\(a.condition("Heartbeat")?.message ?? "")")
                  }),
        Situation(name: "§3.2 gateway clock 10 min ahead stops: stale 46 s after its last heartbeat arrived → KEEPALIVE_FAIL",
                  earlier: [(-75, Snapshot(agent: Fx.agent(heartbeat: 525))), (-60, Snapshot(agent: Fx.agent(heartbeat: 540)))],
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: 540)),
                  state: .keepaliveFail, reason: "KeepaliveMissed", conditions: ["Heartbeat": "False/HeartbeatStale"],
                  messageHas: ["no heartbeat since 2026-04-17T16:59:00Z on the operator's clock", "about 10m0s ahead of it"]),
    ]

    static func withNeighbors(_ neighbors: [String: JSONValue]) -> JSONValue { Fx.agent(neighbors: neighbors) }

    static let bgp: [Situation] = [
        Situation(name: "§3.6 a neighbour in spec.neighbors absent from the status is not established",
                  snapshot: Snapshot(gateway: Fx.gateway(neighbors: ["172.30.128.12", "172.30.128.26", "10.99.0.1"])),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "False/NeighborsNotEstablished"],
                  extra: { a in
                      #expect(a.condition("BGPEstablished")?.message.contains("10.99.0.1 (absent") == true)
                      #expect(a.evidence.bgpEstablished == 2 && a.evidence.bgpTotal == 3)
                  }),
        Situation(name: "§3.6 one neighbour active: listed with its session state",
                  snapshot: Snapshot(agent: withNeighbors(["172.30.128.12": Fx.neighbor(), "172.30.128.26": Fx.neighbor("active")])),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "False/NeighborsNotEstablished"],
                  extra: { a in #expect(a.condition("BGPEstablished")?.message.contains("172.30.128.26 (active)") == true) }),
        Situation(name: "§3.6 a disabled neighbour not in spec.neighbors is ignored",
                  snapshot: Snapshot(agent: withNeighbors(Fx.defaultNeighbors.merging(["172.30.128.40": Fx.neighbor("idle", enabled: false)]) { a, _ in a })),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "True/AllEstablished"]),
        Situation(name: "§3.6 a disabled neighbour that spec.neighbors expects is not established",
                  snapshot: Snapshot(agent: withNeighbors(["172.30.128.12": Fx.neighbor(), "172.30.128.26": Fx.neighbor("idle", enabled: false)])),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "False/NeighborsNotEstablished"]),
        Situation(name: "§1 no Gateway object: the GatewayAgent's spec.gateway supplies protocol IP and neighbours",
                  snapshot: Snapshot(gateway: nil, agent: Fx.agent(heartbeat: -60)),
                  state: .keepaliveFail, reason: "KeepaliveMissed", conditions: ["BGPEstablished": "True/AllEstablished"], liveness: .switchAgentBGP),
        Situation(name: "§1 a gateway in several groups is judged on its own",
                  snapshot: Snapshot(gateway: Fx.gateway(groups: [("default", 0), ("edge", 10), ("backup", 5)])),
                  state: .up, reason: "Healthy",
                  extra: { a in #expect(a.evidence.groups == ["default:0", "edge:10", "backup:5"]) }),
        Situation(name: "§3.6 no neighbours expected or reported → Unknown",
                  snapshot: Snapshot(gateway: Fx.gateway(neighbors: []), agent: withNeighbors([:]).setting(["spec", "gateway", "neighbors"], nil)),
                  state: .up, reason: "Healthy", conditions: ["BGPEstablished": "Unknown/NoNeighbors"]),
    ]

    static func flaps(_ t: Int64, dropped: Int64 = 0, heartbeat: Double) -> Snapshot {
        Snapshot(agent: withNeighbors(["172.30.128.12": Fx.neighbor(transitions: t, dropped: dropped), "172.30.128.26": Fx.neighbor()])
            .setting(["status", "lastHeartbeat"], Fx.ts(heartbeat)).setting(["status", "state", "lastCollectedTime"], Fx.ts(heartbeat)))
    }

    static let stability: [Situation] = [
        Situation(name: "§3.7 first sight: flap counters only give a baseline",
                  state: .up, reason: "Healthy", conditions: ["BGPStable": "Unknown/BaselineRecorded", "BGPEstablished": "True"]),
        Situation(name: "§3.7 boundary: +2 established transitions in 5 min is stable",
                  earlier: [(-300, flaps(1, heartbeat: -305))], snapshot: flaps(3, heartbeat: -5),
                  state: .up, reason: "Healthy", conditions: ["BGPStable": "True/Stable"]),
        Situation(name: "§3.7 +3 established transitions in 5 min is flapping",
                  earlier: [(-300, flaps(1, heartbeat: -305))], snapshot: flaps(4, heartbeat: -5),
                  state: .up, reason: "Healthy", conditions: ["BGPStable": "False/BGPFlapping"],
                  extra: { a in #expect(a.memory.flaps.map(\.at) == [Fx.t0]) }),
        Situation(name: "§3.7 +3 dropped connections in 5 min is flapping",
                  earlier: [(-300, flaps(1, heartbeat: -305))], snapshot: flaps(1, dropped: 3, heartbeat: -5),
                  state: .up, reason: "Healthy", conditions: ["BGPStable": "False/BGPFlapping"]),
        Situation(name: "§3.7 boundary: a flap 599 s ago is still inside the 10 min window",
                  earlier: [(-700, flaps(1, heartbeat: -705)), (-599, flaps(4, heartbeat: -600))], snapshot: flaps(4, heartbeat: -5),
                  state: .up, reason: "Healthy", conditions: ["BGPStable": "False/BGPFlapping"], nextCheck: 1),
        Situation(name: "§3.7 boundary: a flap 600 s ago has left the window",
                  earlier: [(-700, flaps(1, heartbeat: -705)), (-600, flaps(4, heartbeat: -601))], snapshot: flaps(4, heartbeat: -5),
                  state: .up, reason: "Healthy", conditions: ["BGPStable": "True/Stable"]),
        Situation(name: "§3.7 counter reset (FRR restart): a new baseline, no negative flap",
                  earlier: [(-60, flaps(7, dropped: 3, heartbeat: -62))], snapshot: flaps(1, heartbeat: -5),
                  state: .up, reason: "Healthy", conditions: ["BGPStable": "True/Stable"],
                  extra: { a in
                      #expect(a.memory.bgpCounters["default/172.30.128.12"] == BGPCounterSample(transitions: 1, dropped: 0))
                      #expect(a.memory.flaps.isEmpty)
                  }),
    ]

    static func traffic(_ p: Int64, _ d: Int64, at: Double) -> Snapshot {
        Snapshot(agent: Fx.agent(heartbeat: at - 2, vpcs: ["vpc-01": Fx.counters(p, d)], peerings: [:]))
    }

    static let trafficCases: [Situation] = [
        Situation(name: "§3.8 first sight: counters only give a baseline",
                  state: .up, reason: "Healthy", conditions: ["TrafficHealthy": "Unknown/BaselineRecorded"]),
        Situation(name: "§3.8 boundary: +9 drops per +1000 packets (0.9 %) is healthy",
                  earlier: [(-15, traffic(10_000, 5, at: -15))], snapshot: traffic(11_000, 14, at: 0),
                  state: .up, reason: "Healthy", conditions: ["TrafficHealthy": "True/DropsBelowThreshold"]),
        Situation(name: "§3.8 boundary: +10 drops per +1000 packets (exactly 1 %) is not",
                  earlier: [(-15, traffic(10_000, 5, at: -15))], snapshot: traffic(11_000, 15, at: 0),
                  state: .up, reason: "Healthy", conditions: ["TrafficHealthy": "False/DropsAboveThreshold"],
                  extra: { a in #expect(a.evidence.counters.first?.deltaDrops == 10) }),
        Situation(name: "§3.8 drops with no new packets are unhealthy",
                  earlier: [(-15, traffic(10_000, 5, at: -15))], snapshot: traffic(10_000, 10, at: 0),
                  state: .up, reason: "Healthy", conditions: ["TrafficHealthy": "False/DropsAboveThreshold"]),
        Situation(name: "§3.8 counter reset (dataplane restart) re-baselines instead of a negative rate",
                  earlier: [(-15, traffic(50_000, 400, at: -15))], snapshot: traffic(100, 0, at: 0),
                  state: .up, reason: "Healthy", conditions: ["TrafficHealthy": "Unknown/BaselineRecorded"],
                  extra: { a in
                      #expect(a.memory.traffic["vpc:vpc-01"] == TrafficSample(packets: 100, drops: 0))
                      #expect(a.evidence.counters.first?.note == "reset")
                  }),
        Situation(name: "§3.8 the same collection seen again keeps the previous verdict",
                  earlier: [(-30, traffic(10_000, 5, at: -30)), (-15, traffic(11_000, 50, at: -15))], snapshot: traffic(11_000, 50, at: -15),
                  state: .up, reason: "Healthy", conditions: ["TrafficHealthy": "False/DropsAboveThreshold"]),
        Situation(name: "§2.1/§3.8 restart: UP, init status, then the first apply with reset counters",
                  earlier: [(-60, traffic(50_000, 10, at: -60)),
                            (-30, Snapshot(agent: Fx.initAgent(heartbeat: -31), pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", started: -35)]), Fx.pod("frr")]))],
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -2, appliedTime: -10, vpcs: ["vpc-01": Fx.counters(20, 0)], peerings: [:]),
                                     pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", started: -35)]), Fx.pod("frr")]),
                  state: .up, reason: "Healthy", conditions: ["TrafficHealthy": "Unknown/BaselineRecorded", "ConfigApplied": "True"]),
    ]

    static let all = config + skew + bgp + stability + trafficCases + findings + fabric
}

@Suite("Corpus §2.4, §3: conditions")
struct CorpusConditionsTests {
    @Test(arguments: ConditionCorpus.all)
    func situation(_ s: Situation) {
        s.check(s.run())
    }
}
