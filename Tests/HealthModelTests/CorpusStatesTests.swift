import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// §2 of docs/health-model.md: the five states, first match wins, at and one second past every boundary.
enum StateCorpus {
    static let frrNotReady = Fx.pod("frr", containers: [.init(name: "frr", ready: false), .init(name: "frr-exporter")], readySince: -10)

    static let waiting: [Situation] = [
        Situation(name: "§2.1 no GatewayAgent, gateway created 60 s ago → WAITING",
                  snapshot: Snapshot(gateway: Fx.gateway(created: -60), agent: nil, pods: []),
                  state: .waiting, reason: "AwaitingFirstHeartbeat",
                  conditions: ["Heartbeat": "False/AgentMissing", "Ready": "False/AwaitingFirstHeartbeat"], nextCheck: 240),
        Situation(name: "§2.1 GatewayAgent without status, gateway 299 s old → WAITING",
                  snapshot: Snapshot(gateway: Fx.gateway(created: -299), agent: Fx.agent().setting(["status"], nil)),
                  state: .waiting, reason: "AwaitingFirstHeartbeat", conditions: ["Heartbeat": "False/NeverReported"], nextCheck: 1),
        Situation(name: "§2.1/§2.2 boundary: never reported, gateway exactly 300 s old → DOWN NeverReported",
                  snapshot: Snapshot(gateway: Fx.gateway(created: -300), agent: Fx.agent().setting(["status"], nil)),
                  state: .down, reason: "NeverReported", conditions: ["ConfigApplied": "Unknown/NotReported"]),
        Situation(name: "§2.2 no GatewayAgent, gateway 301 s old → DOWN NeverReported",
                  snapshot: Snapshot(gateway: Fx.gateway(created: -301), agent: nil),
                  state: .down, reason: "NeverReported", messageHas: ["startup grace"]),
        Situation(name: "§2.1 init status, dataplane container started 60 s ago → WAITING",
                  snapshot: Snapshot(agent: Fx.initAgent(), pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", started: -60, restarts: 1)]), Fx.pod("frr")]),
                  state: .waiting, reason: "DataplaneInitializing",
                  conditions: ["ConfigApplied": "False/ApplyPending", "RoutingApplied": "Unknown/DataplaneInitializing",
                               "BGPEstablished": "Unknown/BGPStateMissing", "TrafficHealthy": "Unknown/CountersMissing"],
                  nextCheck: 43),
        Situation(name: "§2.1 boundary: init status, container started exactly 300 s ago, spec changed an hour ago → CONFIG_FAIL",
                  snapshot: Snapshot(agent: Fx.initAgent(specChanged: -3_600), pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", started: -300)]), Fx.pod("frr")]),
                  state: .configFail, reason: "ApplyTimedOut", conditions: ["ConfigApplied": "False/ApplyTimedOut"]),
        Situation(name: "§2.1 init status with lastAppliedGen omitted (Go omitempty) → WAITING",
                  snapshot: Snapshot(agent: Fx.initAgent(omitZero: true), pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", started: -10)]), Fx.pod("frr")]),
                  state: .waiting, reason: "DataplaneInitializing"),
        Situation(name: "§2.1 init status right after a dataplane restart seen by the operator → WAITING",
                  earlier: [(-60, Snapshot(agent: Fx.agent(heartbeat: -62)))],
                  snapshot: Snapshot(agent: Fx.initAgent(heartbeat: -2), pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", started: -20, restarts: 1)]), Fx.pod("frr")]),
                  state: .waiting, reason: "DataplaneInitializing", conditions: ["Ready": "False/DataplaneInitializing"]),
        Situation(name: "§2.1 dataplane container restarted after the last heartbeat (the old process's status) → WAITING, not UP",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -10), pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", started: -3, restarts: 1)]), Fx.pod("frr")]),
                  state: .waiting, reason: "DataplaneStarting", messageHas: ["before the restart"]),
        Situation(name: "§2.1 the restarted dataplane has reported since its start → UP",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -2), pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", started: -3, restarts: 1)]), Fx.pod("frr")]),
                  state: .up, reason: "Healthy"),
    ]

    static let downPods: [Situation] = [
        Situation(name: "§2.2 dataplane pod missing → DOWN at once", snapshot: Snapshot(pods: [Fx.pod("frr")]),
                  state: .down, reason: "PodMissing", conditions: ["PodsReady": "False/PodMissing"], messageHas: ["gw--gw-1--dataplane"]),
        Situation(name: "§2.2 frr pod Pending → DOWN at once",
                  snapshot: Snapshot(pods: [Fx.pod("dataplane"), Fx.pod("frr", phase: "Pending", containers: [.init(name: "frr", ready: false, waiting: "ContainerCreating"), .init(name: "frr-exporter", ready: false, waiting: "ContainerCreating")], created: -5)]),
                  state: .down, reason: "PodNotRunning", messageHas: ["Pending"]),
        Situation(name: "§2.2 dataplane pod being deleted → DOWN at once",
                  snapshot: Snapshot(pods: [Fx.pod("dataplane", deleting: true), Fx.pod("frr")]),
                  state: .down, reason: "PodTerminating"),
        Situation(name: "§2.2 CrashLoopBackOff counts at once, without the pod grace",
                  snapshot: Snapshot(pods: [Fx.pod("dataplane"), Fx.pod("frr", containers: [.init(name: "frr", ready: false, waiting: "CrashLoopBackOff", restarts: 4), .init(name: "frr-exporter")], readySince: -5)]),
                  state: .down, reason: "CrashLoopBackOff", conditions: ["PodsReady": "False/CrashLoopBackOff"]),
        Situation(name: "§2.2 boundary: container not ready for exactly the pod grace (60 s) → still UP",
                  snapshot: Snapshot(pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", ready: false)], readySince: -60), Fx.pod("frr")]),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "False/ContainerNotReady", "Ready": "True/Up"], nextCheck: 1),
        Situation(name: "§2.2 boundary: container not ready for 61 s → DOWN",
                  snapshot: Snapshot(pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", ready: false)], readySince: -61), Fx.pod("frr")]),
                  state: .down, reason: "ContainerNotReady", messageHas: ["not ready", "since 2026-04-17T16:58:59Z, longer than the pod grace 1m0s"]),
        Situation(name: "§2.2 a pod of another gateway does not stand in for this one",
                  snapshot: Snapshot(pods: [Fx.pod("dataplane", gateway: "gw-2"), Fx.pod("frr")]),
                  state: .down, reason: "PodMissing", extra: { a in #expect(a.evidence.pods.allSatisfy { !$0.name.contains("gw-2") }) }),
        Situation(name: "§2.2 DaemonSet roll-out: old pod terminating, replacement Running and Ready → UP",
                  snapshot: Snapshot(pods: [Fx.pod("dataplane", suffix: "old00", deleting: true), Fx.pod("dataplane", suffix: "new00", created: -30), Fx.pod("frr")]),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "True/PodsRunningReady"]),
        Situation(name: "§1 pods without ownerReferences are matched by their name",
                  snapshot: Snapshot(pods: [Fx.pod("dataplane", owner: false), Fx.pod("frr", owner: false)]),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "True"]),
    ]

    static let heartbeat: [Situation] = [
        Situation(name: "§2.2 boundary: heartbeat exactly 45 s old is fresh → UP",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -45)),
                  state: .up, reason: "Healthy", conditions: ["Heartbeat": "True/HeartbeatFresh"], liveness: .notNeeded, nextCheck: 1),
        Situation(name: "§2.2 heartbeat 46 s old, the only leaf has no session to this gateway → DOWN",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -46), leaves: [Fx.leaf(sessions: [("10.0.0.1", "established", "172.30.9.9")])]),
                  state: .down, reason: "HeartbeatLost", conditions: ["Heartbeat": "False/HeartbeatStale"], liveness: LivenessEvidence.none),
        Situation(name: "§2.3 a leaf's session to a different gateway does not count → DOWN",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -90), leaves: [Fx.leaf(sessions: [("172.30.128.13", "established", "172.30.8.1")])]),
                  state: .down, reason: "HeartbeatLost", liveness: LivenessEvidence.none, messageHas: ["172.30.8.0"]),
        Situation(name: "§2.3 a leaf whose own heartbeat is stale is not evidence → DOWN",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -90), leaves: [Fx.leaf(heartbeat: -60)]),
                  state: .down, reason: "HeartbeatLost", messageHas: ["their own heartbeat is stale: leaf-1"]),
        Situation(name: "§2.3 a leaf session to the gateway that is not established is not evidence → DOWN",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -90), leaves: [Fx.leaf(sessions: [("172.30.128.13", "active", "172.30.8.0")])]),
                  state: .down, reason: "HeartbeatLost"),
    ]

    static let keepalive: [Situation] = [
        Situation(name: "§2.3 heartbeat stale, a fresh leaf reports BGP established with the protocol IP → KEEPALIVE_FAIL",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -46)),
                  state: .keepaliveFail, reason: "KeepaliveMissed", liveness: .switchAgentBGP, messageHas: ["leaf-1", "172.30.8.0"]),
        Situation(name: "§2.3 no switch Agents at all: Running and Ready pods are weaker evidence → KEEPALIVE_FAIL",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -300), leaves: []),
                  state: .keepaliveFail, reason: "KeepaliveMissed", liveness: .podsRunningReady, messageHas: ["weaker evidence", "no switch Agents exist"]),
        Situation(name: "§2.3 Agent CRD unreadable: pods are the evidence and the message says so",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -300), leaves: [], leavesVisible: false),
                  state: .keepaliveFail, reason: "KeepaliveMissed", liveness: .podsRunningReady, messageHas: ["not readable"]),
        Situation(name: "§2.3 no switch Agents and a container not ready (within grace) → DOWN",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -300), pods: [Fx.pod("dataplane"), frrNotReady], leaves: []),
                  state: .down, reason: "HeartbeatLost", liveness: LivenessEvidence.none),
        Situation(name: "§2.3 a leaf heartbeat 10 s in the future (skew within tolerance) is fresh → KEEPALIVE_FAIL",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -100), leaves: [Fx.leaf(heartbeat: 10)]),
                  state: .keepaliveFail, reason: "KeepaliveMissed", liveness: .switchAgentBGP),
        Situation(name: "§2.3 several leaves: only fresh witnesses are named",
                  snapshot: Snapshot(agent: Fx.agent(heartbeat: -100),
                                     leaves: [Fx.leaf("leaf-1", heartbeat: -400), Fx.leaf("leaf-2", sessions: []),
                                              Fx.leaf("leaf-3", sessions: [("172.30.128.27", "established", "172.30.8.0")])]),
                  state: .keepaliveFail, reason: "KeepaliveMissed", messageHas: ["leaf-3"],
                  extra: { a in #expect(!a.message.contains("leaf-1 (")) }),
        Situation(name: "§2.2 stale heartbeat and a generation lag: KEEPALIVE_FAIL wins over CONFIG_FAIL",
                  snapshot: Snapshot(agent: Fx.agent(generation: 11, heartbeat: -100, specChanged: -3_600)),
                  state: .keepaliveFail, reason: "KeepaliveMissed", conditions: ["ConfigApplied": "False/ApplyTimedOut"]),
    ]

    /// The dataplane container crash-looping at `at` (its last heartbeat 2 s before).
    static func dataplaneCrashed(at: Double) -> Snapshot {
        Snapshot(agent: Fx.agent(heartbeat: at - 2),
                 pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", ready: false, waiting: "CrashLoopBackOff", restarts: 1)], readySince: at),
                        Fx.pod("frr")])
    }

    /// The kubelet restarted the dataplane container at `started`; Ready or not yet.
    static func dataplaneRestarted(started: Double, ready: Bool, readySince: Double, agent: JSONValue) -> Snapshot {
        Snapshot(agent: agent,
                 pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", ready: ready, started: started, restarts: 2)], readySince: readySince),
                        Fx.pod("frr")])
    }

    static let frrCrashed = Snapshot(pods: [Fx.pod("dataplane"), Fx.pod("frr", containers: [.init(name: "frr", ready: false, waiting: "CrashLoopBackOff", restarts: 1), .init(name: "frr-exporter")], readySince: -50)])

    /// §2.6: a crash that recovers is one DOWN, never WAITING or a second DOWN in between; and
    /// the other side: WAITING for a clean restart, a fresh judgement for a replaced pod.
    static let oneIncident: [Situation] = [
        Situation(name: "§2.6 crash, restarted by the kubelet, not Ready yet, init status → still DOWN ContainerRestarted, not WAITING",
                  earlier: [(-50, dataplaneCrashed(at: -50))],
                  snapshot: dataplaneRestarted(started: -2, ready: false, readySince: -50, agent: Fx.initAgent(heartbeat: -1)),
                  state: .down, reason: "ContainerRestarted",
                  conditions: ["PodsReady": "False/ContainerRestarted", "Ready": "False/ContainerRestarted"],
                  messageHas: ["since 2026-04-17T16:59:58Z", "has not been Ready since", "ContainerNotReady after the pod grace 1m0s, at 2026-04-17T17:00:58Z"],
                  extra: { a in
                      #expect(a.since == Fx.at(-50), "DOWN since the crash")
                      #expect(a.memory.failedContainers["dataplane"] == FailedContainers(pod: "uid-dataplane-x7v9s", containers: ["dataplane"]))
                  }),
        Situation(name: "§2.6 the restarted container still not Ready 61 s after its restart → DOWN ContainerNotReady",
                  earlier: [(-70, dataplaneCrashed(at: -70)), (-61, dataplaneRestarted(started: -61, ready: false, readySince: -70, agent: Fx.agent(heartbeat: -72)))],
                  snapshot: dataplaneRestarted(started: -61, ready: false, readySince: -70, agent: Fx.agent(heartbeat: -5)),
                  state: .down, reason: "ContainerNotReady",
                  messageHas: ["since 2026-04-17T16:58:59Z, longer than the pod grace 1m0s", "has not been Ready since"],
                  extra: { a in #expect(a.since == Fx.at(-70)) }),
        Situation(name: "§2.6 Ready again, the new process still in its init status → DOWN DataplaneRestarting, not WAITING",
                  earlier: [(-50, dataplaneCrashed(at: -50)), (-2, dataplaneRestarted(started: -2, ready: false, readySince: -50, agent: Fx.initAgent(heartbeat: -2)))],
                  snapshot: dataplaneRestarted(started: -2, ready: true, readySince: -1, agent: Fx.initAgent(heartbeat: -1)),
                  state: .down, reason: "DataplaneRestarting",
                  conditions: ["PodsReady": "True/PodsRunningReady", "Ready": "False/DataplaneRestarting"],
                  messageHas: ["restarted at 2026-04-17T16:59:58Z", "init status", "DOWN until it applies its configuration"],
                  extra: { a in
                      #expect(a.since == Fx.at(-50))
                      #expect(a.memory.failedContainers.isEmpty, "Ready again: the container's failure is over")
                  }),
        Situation(name: "§2.6 Ready again, the status still the crashed process's → DOWN DataplaneRestarting, not UP on its word",
                  earlier: [(-10, dataplaneCrashed(at: -10))],
                  snapshot: dataplaneRestarted(started: -2, ready: true, readySince: -1, agent: Fx.agent(heartbeat: -12)),
                  state: .down, reason: "DataplaneRestarting", messageHas: ["from before the restart"]),
        Situation(name: "§2.6 Ready again and the configuration applied since the restart → UP: the incident is over",
                  earlier: [(-50, dataplaneCrashed(at: -50)), (-2, dataplaneRestarted(started: -2, ready: false, readySince: -50, agent: Fx.initAgent(heartbeat: -2)))],
                  snapshot: dataplaneRestarted(started: -2, ready: true, readySince: -1, agent: Fx.agent(heartbeat: -1)),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "True/PodsRunningReady"]),
        Situation(name: "§2.6 the restarted dataplane wrote its init status and crashed again → DOWN CrashLoopBackOff, not WAITING",
                  earlier: [(-50, dataplaneCrashed(at: -50)), (-20, dataplaneRestarted(started: -20, ready: false, readySince: -50, agent: Fx.initAgent(heartbeat: -20)))],
                  snapshot: Snapshot(agent: Fx.initAgent(heartbeat: -19),
                                     pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", ready: false, waiting: "CrashLoopBackOff", restarts: 3)], readySince: -50, created: -60),
                                            Fx.pod("frr")]),
                  state: .down, reason: "CrashLoopBackOff"),
        Situation(name: "§2.6 the crashed frr container restarted in the same pod, not Ready yet → DOWN ContainerRestarted",
                  earlier: [(-50, frrCrashed)],
                  snapshot: Snapshot(pods: [Fx.pod("dataplane"), Fx.pod("frr", containers: [.init(name: "frr", ready: false, started: -3, restarts: 2), .init(name: "frr-exporter")], readySince: -50)]),
                  state: .down, reason: "ContainerRestarted", messageHas: ["the failure of frr made the gateway DOWN"]),
        Situation(name: "§2.6 the crashed frr pod was replaced (a new uid): its containers get the pod grace from their start → UP",
                  earlier: [(-50, frrCrashed)],
                  snapshot: Snapshot(pods: [Fx.pod("dataplane"), Fx.pod("frr", suffix: "new00", containers: [.init(name: "frr", ready: false, started: -3), .init(name: "frr-exporter", started: -3)], readySince: -5, created: -5)]),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "False/ContainerNotReady"],
                  extra: { a in #expect(a.memory.failedContainers.isEmpty) }),
        Situation(name: "§2.6 a container DOWN past the pod grace, then restarted by its liveness probe → still DOWN ContainerRestarted",
                  earlier: [(-10, Snapshot(pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", ready: false)], readySince: -80), Fx.pod("frr")]))],
                  snapshot: Snapshot(pods: [Fx.pod("dataplane", containers: [.init(name: "dataplane", ready: false, started: -3, restarts: 1)], readySince: -80), Fx.pod("frr")]),
                  state: .down, reason: "ContainerRestarted", extra: { a in #expect(a.since == Fx.at(-10)) }),
        Situation(name: "§2.6 WAITING is for a gateway that was not DOWN: UP, then a clean dataplane restart (init status) → WAITING",
                  earlier: [(-60, Snapshot(agent: Fx.agent(heartbeat: -62)))],
                  snapshot: dataplaneRestarted(started: -20, ready: true, readySince: -18, agent: Fx.initAgent(heartbeat: -2)),
                  state: .waiting, reason: "DataplaneInitializing"),
        Situation(name: "§2.2 a container restarted 10 s ago counts from its restart, not from the Ready condition's older transition → UP",
                  snapshot: Snapshot(pods: [Fx.pod("dataplane"), Fx.pod("frr", containers: [.init(name: "frr", ready: false, started: -10, restarts: 1), .init(name: "frr-exporter")], readySince: -70)]),
                  state: .up, reason: "Healthy", conditions: ["PodsReady": "False/ContainerNotReady"],
                  extra: { a in
                      #expect(a.condition(ConditionType.podsReady)?.message.contains("since 2026-04-17T16:59:50Z") == true, "\(a.evidence.podsSummary)")
                      #expect(a.nextCheck == Fx.at(41), "the heartbeat turning stale comes first; the pod grace ends at +51")
                  }),
    ]

    static let all = waiting + downPods + heartbeat + keepalive + oneIncident
}

@Suite("Corpus §2: states")
struct CorpusStatesTests {
    @Test(arguments: StateCorpus.all)
    func situation(_ s: Situation) {
        s.check(s.run())
    }
}
