import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// Condition semantics (§3), `since` and `nextCheck` (§7) across evaluations.
@Suite("Evaluator behaviour")
struct EvaluatorBehaviourTests {
    func evaluate(_ s: Snapshot, _ at: Double, _ previous: Assessment?) -> Assessment {
        HealthEvaluator.evaluate(s.inputs, previous: previous, policy: .default, now: Fx.at(at))
    }

    @Test func everyConditionIsPresentAndValid() {
        let a = evaluate(Snapshot(), 0, nil)
        #expect(a.conditions.map(\.type) == ConditionType.all)
        let pattern = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/
        for c in a.conditions {
            #expect(["True", "False", "Unknown"].contains(c.status))
            #expect(c.reason.wholeMatch(of: pattern) != nil, "\(c.type) reason \(c.reason)")
            #expect(!c.message.isEmpty, "\(c.type) message")
            #expect(c.observedGeneration == nil, "the GatewayHealth's generation is set when the status is written")
        }
        #expect(a.agentGeneration == 10)
    }

    @Test func lastTransitionTimeMovesOnlyWhenStatusChanges() throws {
        let first = evaluate(Snapshot(agent: Fx.agent(heartbeat: -105)), -100, nil)
        let second = evaluate(Snapshot(agent: Fx.agent(heartbeat: -40)), -20, first)
        let hb1 = try #require(first.condition("Heartbeat"))
        let hb2 = try #require(second.condition("Heartbeat"))
        #expect(hb2.status == "True" && hb2.lastTransitionTime == hb1.lastTransitionTime)
        #expect(hb2.message == hb1.message, "no age in the message: it does not change while the heartbeat is fresh")
        let third = evaluate(Snapshot(agent: Fx.agent(heartbeat: -40)), 10, second)
        let hb3 = try #require(third.condition("Heartbeat"))
        #expect(hb3.status == "False" && hb3.lastTransitionTime == KubeTime.format(Fx.at(10)))
    }

    /// §2.2: a GatewayAgent that existed and is gone is DOWN `AgentMissing` at once, and stays so;
    /// one never seen is WAITING, then `NeverReported` (only the previous assessment tells them apart).
    @Test func aGatewayAgentThatWentAwayIsAgentMissing() {
        let up = evaluate(Snapshot(), 0, nil)
        #expect(up.state == .up)
        let young = Snapshot(gateway: Fx.gateway(created: -60), agent: nil)
        let gone = evaluate(young, 15, up)
        #expect(gone.state == .down && gone.reason == "AgentMissing", "\(gone.reason): \(gone.message)")
        #expect(gone.condition("Heartbeat")?.reason == "AgentMissing")
        let still = evaluate(young, 30, gone)
        #expect(still.state == .down && still.reason == "AgentMissing" && still.since == gone.since)
        #expect(evaluate(young, 30, nil).reason == "AwaitingFirstHeartbeat", "never seen: still within the startup grace")
        #expect(evaluate(Snapshot(agent: nil), 30, nil).reason == "NeverReported")
        // Back: judged as any gateway again.
        #expect(evaluate(Snapshot(agent: Fx.agent(heartbeat: 40)), 45, still).state == .up)
    }

    @Test func sinceIsKeptWhileTheStateHolds() {
        let a = evaluate(Snapshot(agent: Fx.agent(heartbeat: -105)), -100, nil)
        let b = evaluate(Snapshot(agent: Fx.agent(heartbeat: -55)), -50, a)
        #expect(a.state == .up && b.state == .up)
        #expect(b.since == Fx.at(-100))
        let c = evaluate(Snapshot(pods: [Fx.pod("frr")]), 0, b)
        #expect(c.state == .down && c.since == Fx.t0)
    }

    @Test func nextCheckIsWhenTheHeartbeatGoesStale() throws {
        let a = evaluate(Snapshot(agent: Fx.agent(heartbeat: -10)), 0, nil)
        let next = try #require(a.nextCheck)
        #expect(next == Fx.at(36))
        // Nothing changes, the clock reaches nextCheck: the verdict does change there.
        let before = evaluate(Snapshot(agent: Fx.agent(heartbeat: -10)), 35, a)
        #expect(before.condition("Heartbeat")?.status == "True")
        // (The leaf's own heartbeat must still be fresh at +36 s for it to count as evidence.)
        let at = evaluate(Snapshot(agent: Fx.agent(heartbeat: -10), leaves: [Fx.leaf(heartbeat: 30)]), 36, a)
        #expect(at.state == .keepaliveFail)
        let leafStaleToo = evaluate(Snapshot(agent: Fx.agent(heartbeat: -10)), 36, a)
        #expect(leafStaleToo.state == .down && leafStaleToo.reason == "HeartbeatLost")
    }

    @Test func wholeSecondsMakeSubSecondClocksHarmless() {
        let a = HealthEvaluator.evaluate(Snapshot(agent: Fx.agent(heartbeat: -45)).inputs, previous: nil, policy: .default,
                                         now: Fx.t0.addingTimeInterval(0.9))
        #expect(a.state == .up)
    }

    @Test func customPolicyIsHonoured() {
        var policy = HealthPolicy.default
        policy.keepaliveInterval = 5
        policy.missedKeepalives = 2
        let a = HealthEvaluator.evaluate(Snapshot(agent: Fx.agent(heartbeat: -11)).inputs, previous: nil, policy: policy, now: Fx.t0)
        #expect(a.state == .keepaliveFail)
        policy.immediateFailureReasons = ["CrashLoopBackOff", "ImagePullBackOff"]
        let pods = [Fx.pod("dataplane", containers: [.init(name: "dataplane", ready: false, waiting: "ImagePullBackOff")], readySince: -1), Fx.pod("frr")]
        let b = HealthEvaluator.evaluate(Snapshot(pods: pods).inputs, previous: nil, policy: policy, now: Fx.t0)
        #expect(b.state == .down && b.reason == "ImagePullBackOff")
    }

    @Test func notReadyWithoutTimestampsUsesMemory() {
        var pod = Fx.pod("dataplane", containers: [.init(name: "dataplane", ready: false, waiting: "ContainerCreating")])
        pod = pod.setting(["status", "conditions"], nil)
        let snapshot = Snapshot(pods: [pod, Fx.pod("frr")])
        let a = evaluate(Snapshot(agent: Fx.agent(heartbeat: -63), pods: snapshot.pods), -61, nil)
        #expect(a.state == .up && a.memory.podIssueSince["dataplane"] == Fx.at(-61))
        let b = evaluate(snapshot, 0, Assessment(status: a.statusJSON()))
        #expect(b.state == .down && b.reason == "ContainerNotReady")
    }
}
