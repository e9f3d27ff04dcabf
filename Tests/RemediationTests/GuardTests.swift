import Foundation
import HealthModel
import Testing
@testable import Remediation

@Suite struct GuardTests {
    func planOne(_ snap: GatewaySnapshot, policy: RemediationPolicy = enabled, now: Date = t0,
                 leader: Bool = true, dryRun: Bool = false) -> RemediationPlan {
        RemediationPlanner.plan(gateway: snap.key, fleet: fleet([snap], leader: leader, dryRun: dryRun), policy: policy, now: now)
    }

    func lastEvicted(_ secondsAgo: Double, restarts: [Date]? = nil) -> RemediationRecord {
        RemediationRecord(lastAction: .init(kind: "evict", pod: "gw--gw-1--dataplane-old", role: .dataplane,
                                            at: at(-secondsAgo), result: .evicted),
                          restartTimes: restarts ?? [at(-secondsAgo)])
    }

    @Test func disabledByDefaultProposesOnly() {
        let plan = planOne(crashingDataplane("gw-1"), policy: RemediationPolicy())
        #expect(plan.actions.isEmpty)
        #expect(plan.proposed.count == 1)
        #expect(plan.skips.map(\.reason) == [.disabled])
        #expect(plan.events.isEmpty)
        #expect(plan.record.restartTimes.isEmpty)
    }

    @Test func cooldownHoldsForTenMinutes() {
        let inCooldown = planOne(crashingDataplane("gw-1", record: lastEvicted(599)))
        #expect(inCooldown.actions.isEmpty)
        #expect(inCooldown.skips.map(\.reason) == [.cooldown])
        #expect(inCooldown.events.map(\.reason) == ["RemediationSkipped"])
        #expect(inCooldown.nextCheck == at(1))
        let after = planOne(crashingDataplane("gw-1", record: lastEvicted(600)))
        #expect(after.actions.count == 1)
        #expect(after.record.restartTimes.count == 2)
    }

    @Test func skipEventIsRaisedOnlyWhenTheReasonChanges() {
        let first = planOne(crashingDataplane("gw-1", record: lastEvicted(100)))
        #expect(first.events.count == 1)
        let again = planOne(crashingDataplane("gw-1", record: first.record), now: at(10))
        #expect(again.skips.map(\.reason) == [.cooldown])
        #expect(again.events.isEmpty)
    }

    @Test func budgetExhaustionRaisesRemediationExhaustedOnceAndOpensATicket() {
        let restarts = [at(-3000), at(-2000), at(-1000)]
        let plan = planOne(crashingDataplane("gw-1", record: lastEvicted(1000, restarts: restarts)))
        #expect(plan.actions.isEmpty)
        #expect(plan.skips.map(\.reason) == [.budgetExhausted])
        #expect(plan.events.map(\.reason).contains("RemediationExhausted"))
        #expect(plan.record.exhaustedAt == t0)

        // Later, with budget back in the window, it stays stopped and does not raise again.
        let later = planOne(crashingDataplane("gw-1", record: plan.record), now: at(4000))
        #expect(later.actions.isEmpty)
        #expect(later.skips.map(\.reason) == [.budgetExhausted])
        #expect(!later.events.map(\.reason).contains("RemediationExhausted"))

        let changes = TicketPlanner.update(existing: [], gateway: key("gw-1"), assessment: assessment(.down, reason: "CrashLoopBackOff", since: at(-60)),
                                           record: plan.record, lastEvents: [], policy: enabled, now: t0, version: "1.0.0").changes
        #expect(changes.count == 1)
        #expect(changes.first?.draft?.incident == .remediationExhausted)
        #expect(changes.first?.draft?.severity == .critical)

        // UP again (no need) clears the latch.
        let healthy = planOne(snapshot("gw-1", assessment(.up), record: plan.record), now: at(5000))
        #expect(healthy.record.exhaustedAt == nil)
    }

    @Test func restartsOlderThanTheWindowDoNotCount() {
        let old = [at(-7200), at(-5000), at(-3601)]
        let plan = planOne(crashingDataplane("gw-1", record: lastEvicted(3601, restarts: old)))
        #expect(plan.actions.count == 1)
        #expect(plan.record.restartTimes == [t0])
    }

    @Test func oneRestartInFlightFleetWide() {
        let busy = RemediationRecord(lastAction: .init(kind: "evict", pod: "gw--gw-2--dataplane-aaaaa", role: .dataplane, at: at(-60), result: .evicted),
                                     restartTimes: [at(-60)],
                                     inFlight: .init(pod: "gw--gw-2--dataplane-aaaaa", uid: "uid-1", role: .dataplane, since: at(-60)))
        let other = crashingDataplane("gw-2", record: busy)
        let mine = crashingDataplane("gw-1")
        let plan = RemediationPlanner.plan(gateway: mine.key, fleet: fleet([mine, other]), policy: enabled, now: t0)
        #expect(plan.actions.isEmpty)
        #expect(plan.skips.map(\.reason) == [.fleetInFlightLimit])
        #expect(plan.skips.first?.message.contains("default/gw-2") == true)
    }

    @Test func inFlightIsReleasedWhenTheNewPodIsReady() {
        let inFlight = RemediationRecord(restartTimes: [at(-60)],
                                         inFlight: .init(pod: "gw--gw-2--dataplane-aaaaa", uid: "uid-1", role: .dataplane, since: at(-60)))
        let replaced = snapshot("gw-2", assessment(.waiting, reason: "DataplaneInitializing"),
                                pods: [pod("gw-2", .dataplane, uid: "uid-2", suffix: "bbbbb"), pod("gw-2", .frr)], record: inFlight)
        let mine = crashingDataplane("gw-1")
        let plan = RemediationPlanner.plan(gateway: mine.key, fleet: fleet([mine, replaced]), policy: enabled, now: t0)
        #expect(plan.actions.count == 1)
        let own = RemediationPlanner.plan(gateway: replaced.key, fleet: fleet([mine, replaced]), policy: enabled, now: t0)
        #expect(own.record.inFlight == nil)
    }

    @Test func inFlightIsReleasedAfterFiveMinutes() {
        let inFlight = RemediationRecord(restartTimes: [at(-300)],
                                         inFlight: .init(pod: "gw--gw-2--dataplane-aaaaa", uid: "uid-1", role: .dataplane, since: at(-299)))
        // The replacement is not ready: still in flight at 299 s, released at 300 s.
        let stuck = snapshot("gw-2", assessment(.down, reason: "PodTerminating"),
                             pods: [pod("gw-2", .dataplane, ready: false, uid: "uid-2", suffix: "bbbbb")], record: inFlight)
        let mine = crashingDataplane("gw-1")
        #expect(RemediationPlanner.plan(gateway: mine.key, fleet: fleet([mine, stuck]), policy: enabled, now: t0).actions.isEmpty)
        #expect(RemediationPlanner.plan(gateway: mine.key, fleet: fleet([mine, stuck]), policy: enabled, now: at(1)).actions.count == 1)
    }

    @Test func planFleetStartsOnlyOneRestartPerPass() {
        let plans = RemediationPlanner.planFleet(fleet([crashingDataplane("gw-1"), crashingDataplane("gw-2"), crashingDataplane("gw-3")]),
                                                 policy: enabled, now: t0)
        #expect(plans.values.flatMap(\.actions).count == 1)
        #expect(plans[key("gw-1")]?.actions.count == 1)
        #expect(plans[key("gw-2")]?.skips.map(\.reason) == [.fleetInFlightLimit])
    }

    @Test func neverTakesDownTheLastForwardingMemberOfAPeeringGroup() {
        // gw-1 is DOWN for its dataplane container but BGP is still established: it forwards.
        let target = crashingDataplane("gw-1", groups: ["edge"], bgp: (2, 2))
        let otherDown = snapshot("gw-2", assessment(.down, reason: "HeartbeatLost", heartbeatFresh: false, liveness: .none), groups: ["edge"])
        let blocked = RemediationPlanner.plan(gateway: target.key, fleet: fleet([target, otherDown], peerings: ["edge"]), policy: enabled, now: t0)
        #expect(blocked.actions.isEmpty)
        #expect(blocked.skips.map(\.reason) == [.lastHealthyGroupMember])
        #expect(blocked.skips.first?.message.contains("edge") == true)

        // Another member UP: fail-over is possible.
        let otherUp = snapshot("gw-2", assessment(.up), groups: ["edge"])
        #expect(RemediationPlanner.plan(gateway: target.key, fleet: fleet([target, otherUp], peerings: ["edge"]), policy: enabled, now: t0).actions.count == 1)
        // The group carries no peering: nothing to blackhole.
        #expect(RemediationPlanner.plan(gateway: target.key, fleet: fleet([target, otherDown], peerings: ["other"]), policy: enabled, now: t0).actions.count == 1)
        // The target no longer forwards (BGP all down): restarting it takes nothing away.
        let dead = crashingDataplane("gw-1", groups: ["edge"], bgp: (0, 2))
        #expect(RemediationPlanner.plan(gateway: dead.key, fleet: fleet([dead, otherDown], peerings: ["edge"]), policy: enabled, now: t0).actions.count == 1)
    }

    /// Issue 19, tried against an independent API server: in a group carrying a peering, gw-b was
    /// UP with 0 of 2 BGP sessions established and gw-a's frr stuck; gw-a's frr pod was evicted,
    /// taking down the only gateway that forwarded the peering. A backup counts only when its
    /// Forwarding is True.
    @Test func aMemberThatIsUpButNotForwardingIsNoBackup() throws {
        let gwA = snapshot("gw-a", assessment(.configFail, reason: "RoutingApplyTimedOut", routingApplied: false), groups: ["edge"])
        let gwB = snapshot("gw-b", assessment(.up, bgp: (0, 2)), groups: ["edge"])
        #expect(gwB.assessment.condition(ConditionType.forwarding)?.status == "False")
        let held = RemediationPlanner.plan(gateway: gwA.key, fleet: fleet([gwA, gwB], peerings: ["edge"]), policy: enabled, now: t0)
        #expect(held.actions.isEmpty, "gw-a's frr must not be evicted: \(held.actions)")
        #expect(held.skips.map(\.reason) == [.lastHealthyGroupMember])
        let message = try #require(held.events.first { $0.reason == "RemediationSkipped" }?.message)
        #expect(message.hasPrefix("LastHealthyGroupMember: gw-a still forwards and no other member of group(s) edge, which carry peerings, is UP and Forwarding"), "\(message)")
        #expect(message.contains("gw-b (UP, Forwarding False NoEstablishedSession)"), "\(message)")

        // The planner reads the other members as the coordinator keeps them (FleetMember): the
        // Forwarding condition survives the reduction.
        let reduced = FleetView(snapshots: [gwA, FleetMember(gwB).snapshot], groupsWithPeerings: ["edge"], isLeader: true)
        #expect(RemediationPlanner.plan(gateway: gwA.key, fleet: reduced, policy: enabled, now: t0).skips.map(\.reason) == [.lastHealthyGroupMember])

        // Forwarding Unknown (say, its state not collected) does not make a backup either.
        let unknown = snapshot("gw-b", assessment(.up, forwarding: "Unknown"), groups: ["edge"])
        #expect(RemediationPlanner.plan(gateway: gwA.key, fleet: fleet([gwA, unknown], peerings: ["edge"]), policy: enabled, now: t0).actions.isEmpty)

        // An assessment without a Forwarding condition (made before it existed) is judged as then: UP.
        var older = snapshot("gw-b", assessment(.up, bgp: (0, 2)), groups: ["edge"])
        older.assessment.conditions.removeAll { $0.type == ConditionType.forwarding }
        #expect(RemediationPlanner.plan(gateway: gwA.key, fleet: fleet([gwA, older], peerings: ["edge"]), policy: enabled, now: t0).actions.count == 1)

        // gw-b forwarding again: the peering can fail over, and gw-a's frr is restarted.
        let forwarding = snapshot("gw-b", assessment(.up, bgp: (2, 2)), groups: ["edge"])
        let reducedForwarding = FleetView(snapshots: [gwA, FleetMember(forwarding).snapshot], groupsWithPeerings: ["edge"], isLeader: true)
        for view in [fleet([gwA, forwarding], peerings: ["edge"]), reducedForwarding] {
            let restart = RemediationPlanner.plan(gateway: gwA.key, fleet: view, policy: enabled, now: t0)
            #expect(restart.actions.first?.target.role == .frr, "\(restart.skips)")
            #expect(restart.actions.first?.target.reason == "FRRRoutingStuck")
        }
    }

    /// A member is packed (its record boxed and absent when empty, its Forwarding condition in
    /// parts): what the guards read of it reads back as the snapshot it was made from.
    @Test func aFleetMemberReadsBackWhatItKept() throws {
        let busy = snapshot("gw-b", assessment(.up, bgp: (1, 2)), groups: ["edge"], record: lastEvicted(120), paused: true)
        let quiet = snapshot("gw-c", assessment(.keepaliveFail, reason: "KeepaliveMissed", heartbeatFresh: false, liveness: .switchAgentBGP))
        for original in [busy, quiet] {
            var member = FleetMember(original)
            let read = member.snapshot
            #expect(read.key == original.key)
            #expect(read.record == original.record)
            #expect(read.paused == original.paused)
            #expect(read.inputs.pods == original.inputs.pods)
            #expect(read.inputs.gateway == original.inputs.gateway)
            #expect(read.assessment.state == original.assessment.state)
            #expect(read.assessment.since == original.assessment.since)
            #expect(read.assessment.reason == original.assessment.reason)
            #expect(read.assessment.agentGeneration == original.assessment.agentGeneration)
            #expect(read.assessment.evidence.liveness == original.assessment.evidence.liveness)
            #expect(read.assessment.evidence.bgpEstablished == original.assessment.evidence.bgpEstablished)
            #expect(read.assessment.evidence.bgpTotal == original.assessment.evidence.bgpTotal)
            var forwarding = try #require(original.assessment.condition(ConditionType.forwarding))
            forwarding.message = ""
            forwarding.observedGeneration = nil
            #expect(read.assessment.conditions == [forwarding])

            // The record changes alone, to empty and back.
            member.record = RemediationRecord()
            #expect(member.record == RemediationRecord())
            member.record = lastEvicted(30)
            #expect(member.record == lastEvicted(30))
            #expect(member.snapshot.assessment.conditions == [forwarding])
        }
        #expect(busy.record != RemediationRecord() && quiet.record == RemediationRecord())
    }

    @Test func everyGatewayIsInTheDefaultGroup() {
        let target = crashingDataplane("gw-1", bgp: (2, 2))
        let other = snapshot("gw-2", assessment(.keepaliveFail, reason: "KeepaliveMissed", heartbeatFresh: false, liveness: .switchAgentBGP))
        let plan = RemediationPlanner.plan(gateway: target.key, fleet: fleet([target, other], peerings: ["default"]), policy: enabled, now: t0)
        #expect(plan.skips.map(\.reason) == [.lastHealthyGroupMember])
    }

    @Test func pausedGatewayIsSkipped() {
        var snap = crashingDataplane("gw-1")
        snap.paused = true
        let plan = planOne(snap)
        #expect(plan.actions.isEmpty)
        #expect(plan.skips.map(\.reason) == [.paused])
        #expect(plan.events.first?.message.contains("Paused") == true)
        #expect(GatewayGroups.isPaused(annotations: ["gatewaymedic.io/paused": "True"]))
        #expect(!GatewayGroups.isPaused(annotations: ["gatewaymedic.io/paused": "no"]))
        #expect(GatewayGroups.isPaused(object: ["metadata": ["annotations": ["gatewaymedic.io/paused": "true"]]]))
    }

    @Test func onlyTheLeaderActsAndItDoesNotTouchTheRecord() {
        let record = lastEvicted(5000)
        let plan = planOne(crashingDataplane("gw-1", record: record), leader: false)
        #expect(plan.actions.isEmpty)
        #expect(plan.skips.map(\.reason) == [.notLeader])
        #expect(plan.events.isEmpty)
        #expect(plan.record == record)
    }

    @Test func dryRunProposesAndDoesNothing() {
        let plan = planOne(crashingDataplane("gw-1"), dryRun: true)
        #expect(plan.actions.isEmpty)
        #expect(plan.proposed.first?.target.role == .dataplane)
        #expect(plan.skips.map(\.reason) == [.dryRun])
        #expect(plan.record.restartTimes.isEmpty)
        #expect(plan.record.inFlight == nil)
    }

    @Test func refusedEvictionDeletesOnlyWithAllowDelete() {
        let planned = planOne(crashingDataplane("gw-1"))
        guard let action = planned.actions.first else { Issue.record("no action"); return }
        let refused = planned.record.recording(.refusedByDisruptionBudget("PDB says no"), for: action, at: at(1))
        #expect(refused.restartTimes.isEmpty)
        #expect(refused.inFlight == nil)
        #expect(refused.lastAction?.result == .refused)

        let noDelete = planOne(crashingDataplane("gw-1", record: refused), now: at(30))
        #expect(noDelete.actions.isEmpty)
        #expect(noDelete.skips.map(\.reason) == [.evictionRefused])

        let withDelete = planOne(crashingDataplane("gw-1", record: refused), policy: RemediationPolicy(enabled: true, allowDelete: true), now: at(30))
        guard case .delete(let t)? = withDelete.actions.first else { Issue.record("expected a delete"); return }
        #expect(t.uid == "uid-1")

        let evicted = planned.record.recording(.evicted, for: action, at: at(1))
        #expect(evicted.restartTimes == [t0])
        #expect(evicted.lastAction?.result == .evicted)
        #expect(RemediationEvent.forResult(.evicted, of: action).reason == "PodRestarted")
    }

    /// Issue 17: refusals are counted (a 429 was refunded and retried every cooldown for ever, unseen);
    /// after a 403 remediation holds until the gateway is UP instead of retrying every cooldown.
    @Test func refusalsAreCountedAndAForbiddenRestartHoldsUntilUp() {
        var record = RemediationRecord()
        var now = t0
        for attempt in 1...3 {
            let plan = planOne(crashingDataplane("gw-1", record: record), now: now)
            guard let action = plan.actions.first else { Issue.record("attempt \(attempt): no action, \(plan.skips)"); return }
            record = plan.record.recording(.refusedByDisruptionBudget("PDB says no"), for: action, at: now)
            #expect(record.refusals == .init(count: attempt, since: t0, message: "PDB says no"))
            #expect(record.restartTimes.isEmpty, "refunded")
            now = now.addingTimeInterval(enabled.cooldown)
        }
        // A restart that goes through clears them.
        let plan = planOne(crashingDataplane("gw-1", record: record), now: now)
        guard let action = plan.actions.first else { Issue.record("no action"); return }
        #expect(plan.record.recording(.evicted, for: action, at: now).refusals == nil)

        let forbidden = plan.record.recording(.forbidden("pods/eviction is forbidden"), for: action, at: now)
        #expect(forbidden.lastAction?.result == .forbidden)
        #expect(forbidden.refusals?.forbidden == true && forbidden.refusals?.count == 4)
        #expect(forbidden.restartTimes.count == plan.record.restartTimes.count - 1, "refunded")
        #expect(RemediationEvent.forResult(.forbidden("no"), of: action).reason == "EvictionForbidden")
        // Long after the cooldown: held, one RemediationSkipped Event, not a retry.
        let held = planOne(crashingDataplane("gw-1", record: forbidden), now: now.addingTimeInterval(3 * enabled.cooldown))
        #expect(held.actions.isEmpty)
        #expect(held.skips.map(\.reason) == [.evictionForbidden])
        #expect(held.events.map(\.message).first?.hasPrefix("EvictionForbidden: ") == true)
        let again = planOne(crashingDataplane("gw-1", record: held.record), now: now.addingTimeInterval(4 * enabled.cooldown))
        #expect(again.actions.isEmpty && again.events.isEmpty)
        // UP with nothing to restart: cleared, and the next need is acted on.
        let up = planOne(snapshot("gw-1", assessment(.up), record: held.record), now: now.addingTimeInterval(5 * enabled.cooldown))
        #expect(up.record.refusals == nil)
        #expect(planOne(crashingDataplane("gw-1", record: up.record), now: now.addingTimeInterval(6 * enabled.cooldown)).actions.count == 1)
    }
}
