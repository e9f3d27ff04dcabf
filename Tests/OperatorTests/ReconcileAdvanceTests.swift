import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import Testing

/// The reconciler's side of "a rule runs when its inputs change": a heartbeat of a settled
/// gateway is advanced without an evaluation, and only then.
extension ReconcileReconcilerTests {
    static func agentView(beat: Double) -> GatewayAgentView {
        GatewayAgentView(json: RFx.agent(beat: beat, rv: "\(Int(beat) + 10)"))
    }

    /// Two reconciles (the second compares the first counters): the gateway is UP and settled.
    static func settledRig() async -> Rig {
        let rig = Rig()
        for beat in [0.0, 15] {
            await rig.feed(beat: beat)
            rig.clock.set(RFx.t0.addingTimeInterval(beat + 2))
            _ = await rig.reconciler.reconcile(RFx.key)
        }
        return rig
    }

    @Test func aSettledGatewaysHeartbeatIsAdvancedAndMovesItsDeadline() async throws {
        let rig = await Self.settledRig()
        let evaluations = await rig.reconciler.evaluationCount
        let patches = await rig.writer.patches.count
        await rig.feed(beat: 30)
        rig.clock.set(RFx.t0.addingTimeInterval(32))
        let moved = try #require(await rig.reconciler.advance(RFx.key, from: Self.agentView(beat: 15), to: Self.agentView(beat: 30), now: rig.clock.now(), groupPeers: nil))
        // Each heartbeat arrives 2 s after its stamp: stale 45 s after arrival, checked a second later.
        #expect(moved.from == RFx.t0.addingTimeInterval(63) && moved.to == RFx.t0.addingTimeInterval(78))
        #expect(await rig.reconciler.evaluationCount == evaluations, "not evaluated")
        #expect(await rig.reconciler.advanceCount == 1)
        let kept = try #require(await rig.reconciler.assessments()[RFx.key])
        #expect(kept.evidence.heartbeat == RFx.ts(30).stringValue && kept.nextCheck == moved.to)
        var rendered: [UInt8] = []
        rig.gauges.render(into: &rendered, now: rig.clock.now())
        #expect(String(decoding: rendered, as: UTF8.self).contains("\(Int(RFx.t0.addingTimeInterval(30).timeIntervalSince1970))"),
                "the heartbeat gauge follows the advanced heartbeat")
        // The next evaluation starts from the advanced memory and still writes nothing.
        await rig.feed(beat: 45)
        rig.clock.set(RFx.t0.addingTimeInterval(47))
        let result = await rig.reconciler.reconcile(RFx.key)
        guard case .requeueAt(let next) = result else { Issue.record("expected a requeue, got \(result)"); return }
        #expect(next == RFx.t0.addingTimeInterval(93))
        #expect(await rig.writer.patches.count == patches)
    }

    /// Only a gateway whose last reconcile left nothing pending is advanced: not one never
    /// judged, not one whose status write failed (it must be retried), not a stale one.
    @Test func aGatewayNotSettledIsEvaluated() async throws {
        let fresh = Rig()
        await fresh.feed(beat: 0)
        #expect(await fresh.reconciler.advance(RFx.key, from: Self.agentView(beat: 0), to: Self.agentView(beat: 15), now: fresh.clock.now(), groupPeers: nil) == nil)

        // The second reconcile turns TrafficHealthy True (a write, which fails): all True, but
        // the write must be retried, not skipped.
        let rig = Rig()
        await rig.feed(beat: 0)
        rig.clock.set(RFx.t0.addingTimeInterval(2))
        _ = await rig.reconciler.reconcile(RFx.key)
        await rig.writer.setFailNext(true)
        await rig.feed(beat: 15)
        rig.clock.set(RFx.t0.addingTimeInterval(17))
        guard case .retry = await rig.reconciler.reconcile(RFx.key) else { Issue.record("the write was to fail"); return }
        #expect(await rig.reconciler.assessments()[RFx.key]?.conditions.allSatisfy { $0.status == "True" } == true)
        rig.clock.set(RFx.t0.addingTimeInterval(32))
        #expect(await rig.reconciler.advance(RFx.key, from: Self.agentView(beat: 15), to: Self.agentView(beat: 30), now: rig.clock.now(), groupPeers: nil) == nil)

        let stale = await Self.settledRig()
        stale.clock.set(RFx.t0.addingTimeInterval(100))
        _ = await stale.reconciler.reconcile(RFx.key)
        #expect(await stale.reconciler.advance(RFx.key, from: Self.agentView(beat: 15), to: Self.agentView(beat: 100), now: stale.clock.now(), groupPeers: nil) == nil)
    }
}

/// The reconciler's write is a pure plan and a writer at the edge.
@Suite struct StatusPlanTests {
    @Test func aPlanIsAFunctionOfTheAssessmentAndThePersistedStatus() throws {
        let runs = RFx.evaluations(4)
        let first = try #require(GatewayReconciler.planStatus(runs[0], gateway: "gw-1", persistedStatus: nil, persistedVersion: nil,
                                                               generation: 1, remediation: nil, stateBeforeDeletion: nil))
        #expect(first.events.map(\.reason) == [TransitionEvents.reason(for: runs[0].state)] && first.patch["metadata"] == nil)
        #expect(first.desired == GatewayHealthStatus.desired(runs[0], generation: 1))
        // The persisted status says what the next heartbeats say: nothing to write.
        #expect(GatewayReconciler.planStatus(runs[3], gateway: "gw-1", persistedStatus: GatewayHealthStatus.desired(runs[2], generation: 1),
                                             persistedVersion: "7", generation: 1, remediation: nil, stateBeforeDeletion: nil) == nil)
        // A verdict change: a merge patch guarded by the persisted version, and its Event.
        let idle = HealthEvaluator.evaluate(RFx.inputs(beat: 60, bgp: "idle"), previous: runs[3], policy: .default,
                                            now: RFx.t0.addingTimeInterval(62))
        let plan = try #require(GatewayReconciler.planStatus(idle, gateway: "gw-1", persistedStatus: GatewayHealthStatus.desired(runs[3], generation: 1),
                                                              persistedVersion: "7", generation: 1, remediation: nil, stateBeforeDeletion: nil))
        #expect(plan.events.map(\.reason) == ["BGPSessionDown", "GatewayNotForwarding"], "its one session idle: not forwarding either")
        #expect(plan.patch[path: "metadata", "resourceVersion"] == "7")
        #expect(plan.patch["status"] != plan.desired, "a merge patch, not the whole status")
        #expect(plan == GatewayReconciler.planStatus(idle, gateway: "gw-1", persistedStatus: GatewayHealthStatus.desired(runs[3], generation: 1),
                                                     persistedVersion: "7", generation: 1, remediation: nil, stateBeforeDeletion: nil))
    }
}
