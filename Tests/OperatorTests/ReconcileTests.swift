import ControllerKit
import Foundation
import HealthModel
import KubeAPI
import Locking
@testable import OperatorRuntime
import Testing
import TestSupport

@Suite struct ReconcileStatusTests {
    @Test func newerHeartbeatAloneChangesNothingWorthWriting() {
        let runs = RFx.evaluations(5)
        let (a, b) = (GatewayHealthStatus.desired(runs[3]), GatewayHealthStatus.desired(runs[4]))
        #expect(runs[4].state == .up)
        #expect(a != b, "the raw statuses differ (counters, the heartbeat memory)")
        #expect(!GatewayHealthStatus.differs(b, from: a))
        // What moves with every heartbeat while nothing is wrong is not written as if current.
        #expect(runs[4].evidence.heartbeat == KubeTime.format(RFx.t0.addingTimeInterval(60)))
        for key in ["lastHeartbeat", "heartbeat", "nextCheck"] { #expect(b[key] == nil, "status.\(key)") }
        #expect(b[path: "evidence", "heartbeat"] == nil && b[path: "evidence", "heartbeatAgeSeconds"] == nil)
    }

    /// The status is written with the GatewayHealth's own generation as observedGeneration, on
    /// the status and every condition; a new generation of the object is worth a write.
    @Test func observedGenerationIsTheGatewayHealthsOwn() throws {
        let run = try #require(RFx.evaluations(2).last)
        let status = GatewayHealthStatus.desired(run, generation: 2)
        #expect(status["observedGeneration"] == 2)
        #expect(status["agentGeneration"] == run.agentGeneration.map { .int($0) })
        #expect(status["conditions"]?.arrayValue?.allSatisfy { $0["observedGeneration"] == 2 } == true)
        #expect(GatewayHealthStatus.differs(GatewayHealthStatus.desired(run, generation: 3), from: status))
    }

    @Test func verdictAndConditionChangesAreWorthWriting() {
        let runs = RFx.evaluations(4)
        let bgpDown = HealthEvaluator.evaluate(RFx.inputs(beat: 60, bgp: "idle"), previous: runs[3], policy: .default,
                                               now: RFx.t0.addingTimeInterval(62))
        #expect(GatewayHealthStatus.differs(GatewayHealthStatus.desired(bgpDown), from: GatewayHealthStatus.desired(runs[3])))
        let stale = HealthEvaluator.evaluate(RFx.inputs(beat: 45), previous: runs[3], policy: .default,
                                             now: RFx.t0.addingTimeInterval(200))
        #expect(stale.state != .up)
        #expect(GatewayHealthStatus.differs(GatewayHealthStatus.desired(stale), from: GatewayHealthStatus.desired(runs[3])))
        #expect(GatewayHealthStatus.differs(GatewayHealthStatus.desired(stale), from: nil))
    }

    @Test func mergePatchDiffRemovesAndReplaces() {
        let old: JSONValue = ["a": 1, "b": ["x": 1, "y": 2], "c": [1, 2], "gone": "yes"]
        let new: JSONValue = ["a": 1, "b": ["x": 1, "y": 3, "z": 4], "c": [1], "added": true]
        let patch = MergePatch.diff(from: old, to: new)
        #expect(patch == ["b": ["y": 3, "z": 4], "c": [1], "gone": .null, "added": true])
        #expect(patch.map { MergePatch.apply($0, to: old) } == new)
        #expect(MergePatch.diff(from: new, to: new) == nil)
    }
}

@Suite struct ReconcileEventPlanTests {
    @Test func firstSightAndStateChangesRaiseOneEventEach() {
        let runs = RFx.evaluations(3)
        let first = TransitionEvents.plan(persisted: nil, assessment: runs[0], gateway: "gw-1")
        #expect(first.map(\.reason) == [TransitionEvents.reason(for: runs[0].state)])
        let same = TransitionEvents.plan(persisted: GatewayHealthStatus.desired(runs[1]), assessment: runs[2], gateway: "gw-1")
        #expect(same.isEmpty)
        let stale = HealthEvaluator.evaluate(RFx.inputs(beat: 30), previous: runs[2], policy: .default,
                                             now: RFx.t0.addingTimeInterval(200))
        let down = TransitionEvents.plan(persisted: GatewayHealthStatus.desired(runs[2]), assessment: stale, gateway: "gw-1")
        // No switch Agent exists, so Running pods show the data plane alive: KEEPALIVE_FAIL.
        #expect(stale.state == .keepaliveFail)
        #expect(down.first?.reason == "KeepaliveFail" && down.first?.type == .warning)
        #expect(down.first?.message.contains("was UP") == true && down.first?.message.contains("KeepaliveMissed") == true)
    }

    @Test func aRecreatedStatusContinuesTheDeletedOnesStory() {
        let runs = RFx.evaluations(3)
        #expect(runs[2].state == .up)
        #expect(TransitionEvents.plan(persisted: nil, assessment: runs[2], gateway: "gw-1", stateBeforeDeletion: .up).isEmpty)
        let changed = TransitionEvents.plan(persisted: nil, assessment: runs[2], gateway: "gw-1", stateBeforeDeletion: .down)
        #expect(changed.map(\.reason) == ["GatewayUp"])
        #expect(changed.first?.message.contains("was DOWN") == true)
    }

    /// Issue 19: GatewayNotForwarding when Forwarding turns False, GatewayForwarding when it turns
    /// True from False — once each, and never for a gateway seen for the first time.
    @Test func forwardingEventsOnTheLossAndTheRecoveryOnly() {
        let runs = RFx.evaluations(3)
        #expect(runs[0].condition(ConditionType.forwarding)?.status == "True")
        #expect(!TransitionEvents.plan(persisted: nil, assessment: runs[0], gateway: "gw-1").map(\.reason).contains("GatewayForwarding"),
                "a first sight is no recovery")
        let down = HealthEvaluator.evaluate(RFx.inputs(beat: 45, bgp: "idle"), previous: runs[2], policy: .default, now: RFx.t0.addingTimeInterval(46))
        let lost = TransitionEvents.plan(persisted: GatewayHealthStatus.desired(runs[2]), assessment: down, gateway: "gw-1")
        #expect(lost.filter { $0.reason == "GatewayNotForwarding" }.map(\.type) == [.warning])
        let still = HealthEvaluator.evaluate(RFx.inputs(beat: 60, bgp: "idle"), previous: down, policy: .default, now: RFx.t0.addingTimeInterval(61))
        #expect(TransitionEvents.plan(persisted: GatewayHealthStatus.desired(down), assessment: still, gateway: "gw-1").isEmpty)
        let back = HealthEvaluator.evaluate(RFx.inputs(beat: 75), previous: still, policy: .default, now: RFx.t0.addingTimeInterval(76))
        let recovered = TransitionEvents.plan(persisted: GatewayHealthStatus.desired(still), assessment: back, gateway: "gw-1")
        #expect(recovered.filter { $0.reason == "GatewayForwarding" }.map(\.type) == [.normal])
    }

    @Test func bgpFindingRaisedWhenItTurnsFalseOnly() {
        let runs = RFx.evaluations(3)
        let idle = HealthEvaluator.evaluate(RFx.inputs(beat: 45, bgp: "idle"), previous: runs[2], policy: .default,
                                            now: RFx.t0.addingTimeInterval(47))
        let planned = TransitionEvents.plan(persisted: GatewayHealthStatus.desired(runs[2]), assessment: idle, gateway: "gw-1")
        #expect(planned.map(\.reason) == ["BGPSessionDown", "GatewayNotForwarding"])
        #expect(planned.first?.message.contains("172.30.128.12") == true)
        let again = HealthEvaluator.evaluate(RFx.inputs(beat: 60, bgp: "idle"), previous: idle, policy: .default,
                                             now: RFx.t0.addingTimeInterval(62))
        #expect(TransitionEvents.plan(persisted: GatewayHealthStatus.desired(idle), assessment: again, gateway: "gw-1").isEmpty)
    }
}

@Suite struct ReconcileReconcilerTests {
    struct Rig {
        let clock = ManualClock(start: RFx.t0)
        let fleet = FleetState()
        let healths = Store<GatewayHealthRecord>(projection: { GatewayHealthRecord(json: $0) })
        let writer = RecordingHealthWriter()
        let sink = MemoryEventSink()
        let leader = Locked(true)
        let gauges = GatewayHealthGauges()
        let reconciler: GatewayReconciler

        init() {
            let recorder = EventRecorder(sink: sink, component: "gateway-medic", clock: clock)
            let leader = self.leader
            reconciler = GatewayReconciler(fleet: fleet, healths: healths, writer: writer, recorder: recorder,
                                           policy: .default, clock: clock, canWrite: { leader.current },
                                           metrics: OperatorMetrics(gauges: gauges))
        }

        func feed(beat: Double, bgp: String = "established") async {
            _ = fleet.apply(ObjectChange.added(RFx.key, GatewayView(json: RFx.gateway())))
            _ = fleet.apply(ObjectChange.added(RFx.key, GatewayAgentView(json: RFx.agent(beat: beat, bgp: bgp, rv: "\(Int(beat) + 10)"))))
            for role in ["dataplane", "frr"] {
                let pod = PodView(json: RFx.pod(role))
                _ = fleet.apply(ObjectChange.added(ObjectKey(namespace: "fab", name: pod.name), pod))
            }
        }
    }

    @Test func createsOnceWritesOnChangeAndRequeuesAtNextCheck() async throws {
        let rig = Rig()
        await rig.feed(beat: 0)
        rig.clock.set(RFx.t0.addingTimeInterval(2))
        let result = await rig.reconciler.reconcile(RFx.key)
        guard case .requeueAt(let next) = result else { Issue.record("expected a requeue, got \(result)"); return }
        #expect(next == RFx.t0.addingTimeInterval(46), "when the heartbeat turns stale")
        #expect(await rig.writer.created.count == 1)
        let created = await rig.writer.created.first
        #expect(created?[path: "metadata", "ownerReferences"]?.arrayValue?.first?["uid"]?.stringValue == "agent-uid-1")
        #expect(await rig.writer.patches.count == 1)

        // Heartbeats with nothing else new: the cache never caught up (no watch here), and still
        // nothing is written twice once the verdict settles.
        for beat in stride(from: 15.0, through: 90, by: 15) {
            await rig.feed(beat: beat)
            rig.clock.set(RFx.t0.addingTimeInterval(beat + 2))
            _ = await rig.reconciler.reconcile(RFx.key)
        }
        let settled = await rig.writer.patches.count
        for beat in stride(from: 105.0, through: 300, by: 15) {
            await rig.feed(beat: beat)
            rig.clock.set(RFx.t0.addingTimeInterval(beat + 2))
            _ = await rig.reconciler.reconcile(RFx.key)
        }
        #expect(await rig.writer.patches.count == settled)
        #expect(await rig.sink.creates == 1, "one Event: the first verdict")

        // The heartbeat goes stale: one write, one KeepaliveFail, not repeated on the next look.
        rig.clock.set(RFx.t0.addingTimeInterval(400))
        _ = await rig.reconciler.reconcile(RFx.key)
        _ = await rig.reconciler.reconcile(RFx.key)
        #expect(await rig.writer.patches.count == settled + 1)
        let reasons = await rig.sink.events.values.map { $0.reason ?? "" }.sorted()
        #expect(reasons == ["GatewayUp", "KeepaliveFail"])
        let patch = await rig.writer.patches.last
        #expect(patch?[path: "metadata", "resourceVersion"] != nil, "status writes carry a resourceVersion precondition")
    }

    /// The kept assessment keeps its pods and neighbours evidence as a digest only: a change of
    /// that evidence alone (a pod replaced by another, Running and Ready as well: the same
    /// conditions) is still written, once, and unchanged heartbeats after it write nothing.
    @Test func aChangedEvidenceWithTheSameConditionsIsWritten() async throws {
        let rig = Rig()
        await rig.feed(beat: 0)
        rig.clock.set(RFx.t0.addingTimeInterval(2))
        _ = await rig.reconciler.reconcile(RFx.key)
        for beat in stride(from: 15.0, through: 60, by: 15) {
            await rig.feed(beat: beat)
            rig.clock.set(RFx.t0.addingTimeInterval(beat + 2))
            _ = await rig.reconciler.reconcile(RFx.key)
        }
        let settled = await rig.writer.patches.count
        // The verdicts: a message may name the pods.
        func verdicts(_ status: JSONValue?) -> [String] {
            (status?["conditions"]?.arrayValue ?? []).map { c in
                ["type", "status", "reason", "lastTransitionTime"].map { c[$0]?.stringValue ?? "" }.joined(separator: " ")
            }
        }
        let conditionsBefore = verdicts(await rig.writer.patches.last?["status"])
        #expect(conditionsBefore.count > 1)
        #expect(await rig.reconciler.assessments()[RFx.key]?.evidence.pods.isEmpty == true, "kept as a digest")

        let old = PodView(json: RFx.pod("frr"))
        _ = rig.fleet.apply(ObjectChange.deleted(ObjectKey(namespace: "fab", name: old.name), old))
        var replacement = RFx.pod("frr")
        replacement["metadata"]?["name"] = "gw--gw-1--frr-fghij"
        let pod = PodView(json: replacement)
        _ = rig.fleet.apply(ObjectChange.added(ObjectKey(namespace: "fab", name: pod.name), pod))
        for beat in stride(from: 75.0, through: 120, by: 15) {
            _ = rig.fleet.apply(ObjectChange.added(RFx.key, GatewayAgentView(json: RFx.agent(beat: beat, rv: "\(Int(beat) + 10)"))))
            rig.clock.set(RFx.t0.addingTimeInterval(beat + 2))
            _ = await rig.reconciler.reconcile(RFx.key)
        }
        #expect(await rig.writer.patches.count == settled + 1)
        let written = try #require(await rig.writer.patches.last)
        let pods = written[path: "status", "evidence", "pods"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(pods?.contains("gw--gw-1--frr-fghij") == true)
        #expect(verdicts(written["status"]) == conditionsBefore, "the same conditions")
    }

    @Test func theKeptDigestTellsEvidenceApart() throws {
        let runs = RFx.evaluations(3)
        let kept = GatewayReconciler.Kept(runs[2])
        #expect(kept.assessment.evidence.neighbors.isEmpty && kept.assessment.evidence.podsSummary.isEmpty)
        #expect(kept.sameOutsideVolatile(runs[2]))
        #expect(GatewayReconciler.Kept(runs[1]).sameOutsideVolatile(runs[2]) == GatewayHealthStatus.sameOutsideVolatile(runs[1], runs[2]))
        var changed = runs[2]
        changed.evidence.neighbors[0].state = "active"
        #expect(!kept.sameOutsideVolatile(changed))
        changed = runs[2]
        changed.evidence.pods[0].restarts += 1
        #expect(!kept.sameOutsideVolatile(changed))
        changed = runs[2]
        changed.evidence.podsSummary += " "
        #expect(!kept.sameOutsideVolatile(changed))

        // Read back from a persisted status (another writer's, or after a restart): the kept
        // assessment takes the digested evidence from it only when it is the same evidence.
        let stored = try #require(Assessment(status: GatewayHealthStatus.desired(runs[2])))
        let restored = try #require(kept.assessment(evidenceOf: stored))
        #expect(restored.evidence.pods == runs[2].evidence.pods && restored.evidence.neighbors == runs[2].evidence.neighbors)
        #expect(restored.evidence.podsSummary == runs[2].evidence.podsSummary)
        var other = stored
        other.evidence.neighbors[0].established = false
        #expect(kept.assessment(evidenceOf: other) == nil)
    }

    /// The compact conditions keep no type: the registry's list stands for it. Conditions in
    /// another order (or of a type it lacks) read back as they came.
    @Test func keptConditionsReadBackWhateverTheirOrder() {
        let a = RFx.evaluations(3)[2]
        let blank: (Assessment) -> [Condition] = { a in
            a.conditions.map { c in
                var c = c
                if c.type != ConditionType.trafficHealthy && c.type != ConditionType.peeringsHealthy { c.message = "" }
                return c
            }
        }
        #expect(GatewayReconciler.Kept(a).assessment.conditions == blank(a))
        #expect(GatewayReconciler.Kept(a).assessment.conditions.map(\.type) == HealthRules.standard.conditions)
        var reordered = a
        reordered.conditions.reverse()
        #expect(GatewayReconciler.Kept(reordered).assessment.conditions == blank(reordered))
        var renamed = a
        renamed.conditions[3].type = "SomethingElse"
        #expect(GatewayReconciler.Kept(renamed).assessment.conditions == blank(renamed))
        #expect(GatewayReconciler.Kept(a).quietConditions().allTrueAndFresh == QuietConditions(a.conditions, rules: .standard).allTrueAndFresh)
    }

    /// A kept condition keeps its `lastTransitionTime` as whole seconds and renders it again:
    /// the text read back (and so the status written from it) is byte for byte the one kept,
    /// whether the evaluator wrote it or a foreign writer did (fractions, an offset, a leap
    /// second, a date that does not exist, no time at all: those keep the conditions whole).
    @Test func keptTransitionTimesReadBackByteForByte() {
        let a = RFx.evaluations(3)[2]
        let compact = ["2026-04-17T16:29:04Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z",
                       "2000-02-29T12:00:00Z"]
        let foreign = ["2026-04-17T16:29:04.5Z", "2026-04-17T16:29:04.000000Z", "2026-04-17T18:29:04+02:00",
                       "2026-04-17t16:29:04z", "2026-04-17 16:29:04Z", "2026-06-30T23:59:60Z", "2026-02-31T00:00:00Z",
                       "yesterday", "", "2026-04-17T16:29:04Z\u{301}"]
        for (i, text) in (compact + foreign).enumerated() {
            var changed = a
            // One condition of its own, the others sharing one time (as an evaluation stamps them).
            for j in changed.conditions.indices { changed.conditions[j].lastTransitionTime = j == 4 ? text : compact[0] }
            let kept = GatewayReconciler.Kept(changed)
            #expect(kept.keepsConditionsCompact == (i < compact.count), "\(text)")
            let times = kept.assessment.conditions.map { Array($0.lastTransitionTime.utf8) }
            #expect(times == changed.conditions.map { Array($0.lastTransitionTime.utf8) }, "\(text)")
            let written = GatewayHealthStatus.desired(kept.assessment)["conditions"]?.arrayValue?.map { $0["lastTransitionTime"]?.stringValue.map { Array($0.utf8) } }
            #expect(written == changed.conditions.map { Array($0.lastTransitionTime.utf8) }, "\(text)")
            #expect(kept.quietConditions() == QuietConditions(kept.assessment.conditions, rules: .standard), "\(text)")
        }
        // The evaluator's own times, read back from a written status, stay compact.
        #expect(GatewayReconciler.Kept(a).keepsConditionsCompact)
    }

    /// Twelve kept conditions per gateway: the time in 8 bytes (its text took 16 inline and an
    /// allocation of its own), the one-byte fields last.
    @Test func keptConditionsArePacked() {
        #expect(MemoryLayout<GatewayReconciler.KeptCondition>.stride == 32)
    }

    /// API conventions: the status says which generation of the GatewayHealth it was written
    /// for; a new generation (someone edited the spec) is written although the verdict stands.
    @Test func aNewGatewayHealthGenerationIsObserved() async throws {
        let rig = Rig()
        await rig.feed(beat: 0)
        rig.clock.set(RFx.t0.addingTimeInterval(2))
        _ = await rig.reconciler.reconcile(RFx.key)
        let first = try #require(await rig.writer.patches.last)
        #expect(first[path: "status", "observedGeneration"] == 1)
        #expect(first[path: "status", "agentGeneration"] != nil)
        let status = try #require(first["status"])
        let edited: JSONValue = ["metadata": ["name": "gw-1", "namespace": "default", "resourceVersion": "500", "generation": 2],
                                 "status": status]
        rig.healths.apply(WatchEvent(type: .modified, object: edited))
        rig.clock.set(RFx.t0.addingTimeInterval(3))
        _ = await rig.reconciler.reconcile(RFx.key)
        #expect(await rig.writer.patches.count == 2)
        let second = try #require(await rig.writer.patches.last)
        #expect(second[path: "status", "observedGeneration"] == 2)
        #expect(second[path: "status", "conditions"]?.arrayValue?.allSatisfy { $0["observedGeneration"] == 2 } == true)
        _ = await rig.reconciler.reconcile(RFx.key)
        #expect(await rig.writer.patches.count == 2, "written once")
    }

    @Test func followerEvaluatesButWritesNothingAndFailuresRetry() async {
        let rig = Rig()
        rig.leader.withLock { $0 = false }
        await rig.feed(beat: 0)
        _ = await rig.reconciler.reconcile(RFx.key)
        #expect(await rig.writer.created.isEmpty)
        #expect(await rig.writer.patches.isEmpty)
        #expect(await rig.reconciler.assessments()[RFx.key] != nil)

        rig.leader.withLock { $0 = true }
        await rig.writer.setFailNext(true)
        let failed = await rig.reconciler.reconcile(RFx.key)
        guard case .retry = failed else { Issue.record("expected retry, got \(failed)"); return }
        #expect(await rig.sink.creates == 0, "no Event for a status that was not written")
        _ = await rig.reconciler.reconcile(RFx.key)
        #expect(await rig.writer.patches.count == 1)
        #expect(await rig.sink.creates == 1)
    }

    @Test func deletedGatewayIsForgotten() async {
        let rig = Rig()
        await rig.feed(beat: 0)
        _ = await rig.reconciler.reconcile(RFx.key)
        _ = rig.fleet.apply(ObjectChange<GatewayView>.deleted(RFx.key, GatewayView(json: RFx.gateway())))
        _ = rig.fleet.apply(ObjectChange<GatewayAgentView>.deleted(RFx.key, GatewayAgentView(json: RFx.agent(beat: 0))))
        let result = await rig.reconciler.reconcile(RFx.key)
        guard case .done = result else { Issue.record("expected done, got \(result)"); return }
        #expect(await rig.reconciler.assessments().isEmpty)
    }

    /// A follower saw the leader's status; someone deletes the GatewayHealth; the follower, now
    /// leader, recreates it: the gateway never changed state, so no second transition Event.
    @Test func aDeletedGatewayHealthIsRecreatedWithoutASecondTransitionEvent() async throws {
        let rig = Rig()
        await rig.feed(beat: 45)
        let runs = RFx.evaluations(3)
        let status = GatewayHealthStatus.desired(runs[2])
        let persisted: JSONValue = ["metadata": ["name": "gw-1", "namespace": "default", "resourceVersion": "50"], "status": status]
        rig.healths.apply(WatchEvent(type: .added, object: persisted))
        rig.leader.withLock { $0 = false }
        rig.clock.set(RFx.t0.addingTimeInterval(47))
        _ = await rig.reconciler.reconcile(RFx.key)
        let deleted = try #require(rig.healths.apply(WatchEvent(type: .deleted, object: persisted)))
        await rig.reconciler.noteHealthChange(deleted)

        rig.leader.withLock { $0 = true }
        await rig.feed(beat: 60)
        rig.clock.set(RFx.t0.addingTimeInterval(62))
        _ = await rig.reconciler.reconcile(RFx.key)
        #expect(await rig.writer.created.count == 1, "recreated")
        #expect(await rig.writer.patches.last?[path: "status", "state"]?.stringValue == "UP")
        #expect(await rig.sink.creates == 0, "UP before the deletion, UP after it: no transition")
    }

    /// The cache's echo of our own write needs no reconcile, and the reconciler lets go of its
    /// copy of the write then (after a sync, not at each gateway's next heartbeat); anyone
    /// else's write does need one.
    @Test func theEchoOfOurOwnWriteReleasesItsCopyAndNeedsNoReconcile() async throws {
        let rig = Rig()
        await rig.feed(beat: 0)
        _ = await rig.reconciler.reconcile(RFx.key)
        #expect(await rig.reconciler.memorySizes.written == 1)
        let patch = try #require(await rig.writer.patches.last)
        let ownVersion = "102"  // RecordingHealthWriter counts from 101: the create, then the status patch
        let echo = try #require(rig.healths.apply(WatchEvent(type: .added, object: [
            "metadata": ["name": "gw-1", "namespace": "default", "resourceVersion": .string(ownVersion)], "status": patch["status"] ?? [:],
        ])))
        #expect(await rig.reconciler.noteHealthChange(echo) == false)
        #expect(await rig.reconciler.memorySizes.written == 0)

        let foreign = try #require(rig.healths.apply(WatchEvent(type: .modified, object: [
            "metadata": ["name": "gw-1", "namespace": "default", "resourceVersion": "77"], "status": patch["status"] ?? [:],
        ])))
        #expect(await rig.reconciler.noteHealthChange(foreign) == true)
        // What was written stays the previous verdict: no second transition Event.
        _ = await rig.reconciler.reconcile(RFx.key)
        #expect(await rig.sink.creates == 1)
    }

    @Test func eventsOfAWriteWhoseAnswerWasLostAreRaisedOnceItShowsUp() async throws {
        let rig = Rig()
        await rig.feed(beat: 0)
        await rig.writer.setLoseNextAnswer(true)
        let first = await rig.reconciler.reconcile(RFx.key)
        guard case .retry = first else { Issue.record("expected retry, got \(first)"); return }
        #expect(await rig.sink.creates == 0)
        // The write had landed: the watch shows it.
        let patch = try #require(await rig.writer.patches.last)
        rig.healths.apply(WatchEvent(type: .modified, object: [
            "metadata": ["name": "gw-1", "namespace": "default", "resourceVersion": "999"], "status": patch["status"] ?? [:],
        ]))
        _ = await rig.reconciler.reconcile(RFx.key)
        // A second look may refine a condition (BGPStable's baseline), never the landed verdict.
        #expect(await rig.writer.patches.dropFirst().allSatisfy { $0[path: "status", "state"] == nil })
        #expect(await rig.sink.creates == 1, "the first verdict's Event, exactly once")
        _ = await rig.reconciler.reconcile(RFx.key)
        #expect(await rig.sink.creates == 1)
    }
}
