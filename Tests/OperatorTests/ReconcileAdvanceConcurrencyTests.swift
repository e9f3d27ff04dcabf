import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import Testing

/// The heartbeat advance runs off the reconciler's actor (on the informer's thread), its kept
/// assessment behind the reconciler's lock: a reconcile of the same key never loses to an
/// advance computed from the assessment it replaced.
extension ReconcileReconcilerTests {
    static func sessionsDown(_ assessment: Assessment) -> Bool {
        assessment.conditions.first { $0.type == ConditionType.bgpEstablished }?.status == "False"
    }

    /// An advance read before a reconcile and taken after it would put back the older
    /// assessment with the new heartbeat: it must be refused, and the reconcile's verdict kept.
    @Test func anAdvanceOvertakenByAReconcileIsRefused() async throws {
        let rig = await Self.settledRig()
        // The sessions go down with the heartbeat at 30; the advance (given only the views'
        // heartbeat change) would keep BGPEstablished True.
        await rig.feed(beat: 30, bgp: "idle")
        rig.clock.set(RFx.t0.addingTimeInterval(32))
        let proposed = try #require(rig.reconciler.proposeAdvance(
            RFx.key, from: Self.agentView(beat: 15), to: Self.agentView(beat: 30), now: rig.clock.now(), groupPeers: nil))
        _ = await rig.reconciler.reconcile(RFx.key)
        let judged = try #require(await rig.reconciler.assessments()[RFx.key])
        #expect(Self.sessionsDown(judged))
        #expect(rig.reconciler.commit(proposed) == nil, "the reconcile's assessment is newer")
        #expect(await rig.reconciler.assessments()[RFx.key] == judged)
        #expect(await rig.reconciler.advanceCount == 0)

        // Nothing in between: the same two steps take the advance.
        let quiet = await Self.settledRig()
        await quiet.feed(beat: 30)
        quiet.clock.set(RFx.t0.addingTimeInterval(32))
        let taken = try #require(quiet.reconciler.proposeAdvance(
            RFx.key, from: Self.agentView(beat: 15), to: Self.agentView(beat: 30), now: quiet.clock.now(), groupPeers: nil))
        #expect(quiet.reconciler.commit(taken) != nil)
        #expect(await quiet.reconciler.assessments()[RFx.key]?.evidence.heartbeat == RFx.ts(30).stringValue)
        #expect(quiet.reconciler.commit(taken) == nil, "taken once: the kept assessment is the advanced one now")
        #expect(await quiet.reconciler.advanceCount == 1)
    }

    /// Advances and full reconciles of one key at the same time, round after round: whichever
    /// comes last, the kept assessment has the newest heartbeat, and the sessions going down
    /// (seen only by the reconcile) are never undone by an advance.
    @Test func concurrentAdvancesAndReconcilesNeverLoseTheNewerAssessment() async throws {
        let rig = await Self.settledRig()
        var advanced = 0
        for round in 1...60 {
            let beat = 15.0 * Double(round + 1)
            let down = round % 3 == 0
            await rig.feed(beat: beat, bgp: down ? "idle" : "established")
            rig.clock.set(RFx.t0.addingTimeInterval(beat + 2))
            let reconciler = rig.reconciler, now = rig.clock.now()
            async let advance = Task.detached {
                reconciler.advance(RFx.key, from: Self.agentView(beat: beat - 15), to: Self.agentView(beat: beat),
                                   now: now, groupPeers: nil) != nil
            }.value
            async let reconcile: Void = { _ = await reconciler.reconcile(RFx.key) }()
            let (took, _) = await (advance, reconcile)
            if took { advanced += 1 }
            let kept = try #require(await rig.reconciler.assessments()[RFx.key])
            #expect(kept.evidence.heartbeat == RFx.ts(beat).stringValue, "round \(round)")
            if down { #expect(Self.sessionsDown(kept), "round \(round): the reconcile's verdict stands") }
        }
        #expect(await rig.reconciler.advanceCount == advanced)
        #expect(await rig.reconciler.evaluationCount == 2 + 60, "every reconcile evaluated")
    }
}
