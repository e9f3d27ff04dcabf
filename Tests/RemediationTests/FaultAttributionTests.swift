import Foundation
import HealthModel
import KubeAPI
import Testing
@testable import Remediation

/// docs/remediation.md §2.1: frr is restarted for "every BGP session down" only when the fault is
/// shown to be the gateway's. Each condition from both sides.
@Suite struct FaultAttributionTests {
    func plan(_ snap: GatewaySnapshot, others: [GatewaySnapshot] = [], policy: RemediationPolicy = enabled,
              now: Date = t0) -> RemediationPlan {
        RemediationPlanner.plan(gateway: snap.key, fleet: fleet([snap] + others), policy: policy, now: now)
    }

    func expectRestart(_ plan: RemediationPlan, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(plan.actions.first?.target.reason == "BGPSessionsDown", "\(plan.skips)", sourceLocation: sourceLocation)
        #expect(plan.actions.first?.target.role == .frr, sourceLocation: sourceLocation)
    }

    /// Held: no action, nothing proposed, no budget spent, one RemediationSkipped Event.
    func expectHeld(_ plan: RemediationPlan, _ reason: SkipReason, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(plan.actions.isEmpty && plan.proposed.isEmpty, "\(plan.actions)", sourceLocation: sourceLocation)
        #expect(plan.skips.map(\.reason) == [reason], "\(plan.skips)", sourceLocation: sourceLocation)
        #expect(plan.record.restartTimes.isEmpty && plan.record.inFlight == nil && plan.record.exhaustedAt == nil,
                sourceLocation: sourceLocation)
        #expect(plan.events.map(\.reason) == ["RemediationSkipped"], sourceLocation: sourceLocation)
        #expect(plan.events.first?.message.hasPrefix(reason.rawValue + ": ") == true, sourceLocation: sourceLocation)
    }

    func message(_ plan: RemediationPlan) -> String { plan.skips.first?.message ?? "" }

    // MARK: leaves at the other end

    @Test func healthyLeavesMakeItTheGatewaysFault() {
        expectRestart(plan(bgpDown("gw-1")))
    }

    /// `switchAgentStaleAfter` [45 s]: 45 s old is fresh, 46 s is stale.
    @Test func aStaleLeafIsTheFabricsFault() {
        expectRestart(plan(bgpDown("gw-1", leaves: [leaf("leaf-01", beat: -45), leaf("leaf-02")])))
        let held = plan(bgpDown("gw-1", leaves: [leaf("leaf-01", beat: -46), leaf("leaf-02")]))
        expectHeld(held, .fabricFault)
        #expect(message(held).contains("leaf-01 (stale since \(KubeTime.format(at(-46)))"), "\(message(held))")
        #expect(!message(held).contains("leaf-02"), "only the leaves that are down are named: \(message(held))")
        #expect(message(held).contains("since \(KubeTime.format(at(-500)))"), "when the sessions went down, as an instant")
    }

    /// Issue 19: the hold quotes the gateway's Forwarding verdict next to the sessions.
    @Test func theHoldCarriesTheForwardingEvidence() {
        let held = plan(bgpDown("gw-1", leaves: [leaf("leaf-01", beat: -46), leaf("leaf-02", beat: -90)]))
        expectHeld(held, .fabricFault)
        #expect(message(held).hasPrefix("every BGP session of gw-1 has been down since \(KubeTime.format(at(-500))), Forwarding False (NoEstablishedSession: 0 of 2 BGP sessions established); the leaves at the other end of gw-1 are down"), "\(message(held))")
        // Without a Forwarding condition (a status written before it existed) the message is as before.
        var old = bgpDown("gw-1", leaves: [leaf("leaf-01", beat: -46)])
        old.assessment.conditions.removeAll { $0.type == ConditionType.forwarding }
        #expect(message(plan(old)).hasPrefix("every BGP session of gw-1 has been down since \(KubeTime.format(at(-500))); the leaves"), "\(message(plan(old)))")
    }

    @Test func aLeafThatNeverReportedOrReportsFarInTheFutureIsNotFresh() {
        expectHeld(plan(bgpDown("gw-1", leaves: [leaf("leaf-01", beat: nil), leaf("leaf-02")])), .fabricFault)
        // heartbeatFutureTolerance [30 s]
        expectRestart(plan(bgpDown("gw-1", leaves: [leaf("leaf-01", beat: 30), leaf("leaf-02")])))
        expectHeld(plan(bgpDown("gw-1", leaves: [leaf("leaf-01", beat: 31), leaf("leaf-02")])), .fabricFault)
    }

    /// The stale threshold is the health policy's, as for liveness.
    @Test func theHealthPolicysStaleThresholdApplies() {
        let snap = bgpDown("gw-1", leaves: [leaf("leaf-01", beat: -60), leaf("leaf-02")])
        var view = fleet([snap])
        expectHeld(RemediationPlanner.plan(gateway: snap.key, fleet: view, policy: enabled, now: t0), .fabricFault)
        view.health.switchAgentStaleAfter = 90
        expectRestart(RemediationPlanner.plan(gateway: snap.key, fleet: view, policy: enabled, now: t0))
    }

    @Test func aFreshLeafWhoseSessionsWithOtherGatewaysAreDownIsTheFabricsFault() {
        let held = plan(bgpDown("gw-1", leaves: [leaf("leaf-01", others: (3, 0)), leaf("leaf-02")]))
        expectHeld(held, .fabricFault)
        #expect(message(held).contains("leaf-01 (heartbeat fresh, its sessions with other gateways are down too: 0 of 3 established)"),
                "\(message(held))")
        expectRestart(plan(bgpDown("gw-1", leaves: [leaf("leaf-01", others: (3, 1)), leaf("leaf-02")])))
    }

    /// Leaf maintenance: every leaf stale, their last reports show the other gateways down too.
    @Test func everyLeafDownNamesThemAll() {
        let held = plan(bgpDown("gw-1", leaves: [leaf("leaf-01", beat: -200, others: (3, 0)), leaf("leaf-02", beat: -190, others: (3, 0))]))
        expectHeld(held, .fabricFault)
        #expect(message(held).contains("leaf-01 (stale since \(KubeTime.format(at(-200))), last reported 0 of 3 sessions with other gateways established)"),
                "\(message(held))")
        #expect(message(held).contains("leaf-02 (stale since \(KubeTime.format(at(-190)))"))
    }

    /// A fresh leaf that holds no session with another gateway proves nothing either way.
    @Test func aLeafWithNoOtherGatewayLeavesTheFaultUnattributed() {
        let held = plan(bgpDown("gw-1", leaves: [leaf("leaf-01", others: (0, 0))]))
        expectHeld(held, .faultUnattributed)
        #expect(message(held).contains("leaf-01 holds no session with another gateway"), "\(message(held))")
        // Every leaf at the other end must be shown healthy, not just one.
        expectHeld(plan(bgpDown("gw-1", leaves: [leaf("leaf-01", others: (0, 0)), leaf("leaf-02")])), .faultUnattributed)
        // A leaf that is down wins: the fabric is at fault.
        expectHeld(plan(bgpDown("gw-1", leaves: [leaf("leaf-01", others: (0, 0)), leaf("leaf-02", beat: -100)])), .fabricFault)
    }

    // MARK: no leaf known: the other gateways' own BGP

    @Test func withNoLeafVisibleAnotherGatewayHoldingItsSessionsMakesItTheGatewaysFault() {
        let mine = bgpDown("gw-1", leaves: [], switchAgentsVisible: false)
        let healthy = snapshot("gw-2", assessment(.up, bgp: (1, 2)))
        expectRestart(plan(mine, others: [healthy, bgpDown("gw-3", leaves: [])]))
    }

    @Test func withNoLeafVisibleEveryOtherGatewayDownIsTheFabricsFault() {
        let mine = bgpDown("gw-1", leaves: [], switchAgentsVisible: false)
        let held = plan(mine, others: [bgpDown("gw-2", leaves: []), bgpDown("gw-3", leaves: [])])
        expectHeld(held, .fabricFault)
        #expect(message(held).contains("switch Agents are not readable"), "\(message(held))")
        #expect(message(held).contains("gw-2 (0 of 2 established), gw-3 (0 of 2 established)"), "\(message(held))")
    }

    /// Agents are visible but none reports a session with the gateway: the same fallback.
    @Test func withAgentsVisibleButNoneAtTheOtherEndTheOtherGatewaysDecide() {
        let mine = snapshot("gw-1", assessment(.up, bgp: (0, 2)), record: RemediationRecord(allBGPDownSince: at(-500)),
                            switchAgentCount: 4)
        let held = plan(mine, others: [bgpDown("gw-2", leaves: [])])
        expectHeld(held, .fabricFault)
        #expect(message(held).contains("no switch Agent reports a session with gw-1"), "\(message(held))")
        expectRestart(plan(mine, others: [snapshot("gw-2", assessment(.up, bgp: (2, 2)))]))
    }

    /// A lone gateway, or one whose only peers have a stale heartbeat or no BGP: hold.
    @Test func aLoneGatewayIsHeld() {
        let mine = bgpDown("gw-1", leaves: [], switchAgentsVisible: false)
        let held = plan(mine)
        expectHeld(held, .faultUnattributed)
        #expect(message(held).contains("no other gateway with a fresh heartbeat reports BGP sessions"), "\(message(held))")
        let stale = snapshot("gw-2", assessment(.keepaliveFail, heartbeatFresh: false, bgp: (2, 2), liveness: .switchAgentBGP))
        let noBGP = snapshot("gw-3", assessment(.up, bgp: (0, 0)))
        expectHeld(plan(mine, others: [stale, noBGP]), .faultUnattributed)
    }

    // MARK: what a hold does and does not do

    /// Before the rule's window is over nothing is said at all: a short leaf blip raises nothing.
    @Test func nothingIsHeldBeforeTheWindowIsOver() {
        let early = plan(bgpDown("gw-1", leaves: [leaf("leaf-01", beat: -100)], since: -60))
        #expect(early.skips.isEmpty && early.events.isEmpty && early.actions.isEmpty)
        #expect(early.nextCheck == at(60))
    }

    /// A hold comes before the budget: a spent budget is not exhausted by a fabric fault.
    @Test func aFabricFaultSpendsNoBudgetAndComesBeforeEveryGuard() {
        var snap = bgpDown("gw-1", leaves: [leaf("leaf-01", beat: -100)])
        snap.record.restartTimes = [at(-900), at(-600), at(-300)]
        snap.paused = true
        let held = plan(snap)
        #expect(held.skips.map(\.reason) == [.fabricFault])
        #expect(held.record.exhaustedAt == nil && held.record.restartTimes.count == 3)
        #expect(!held.events.contains { $0.reason == "RemediationExhausted" })
        // With restarts off the hold is still what is said (not "Disabled: would evict").
        let off = plan(bgpDown("gw-1", leaves: [leaf("leaf-01", beat: -100)]), policy: RemediationPolicy())
        #expect(off.skips.map(\.reason) == [.fabricFault] && off.proposed.isEmpty)
    }

    @Test func theHoldIsRaisedOncePerEpisode() {
        let first = plan(bgpDown("gw-1", leaves: [leaf("leaf-01", beat: -100)]))
        #expect(first.record.lastSkip == .fabricFault)
        var again = bgpDown("gw-1", leaves: [leaf("leaf-01", beat: -100)])
        again.record = first.record
        let second = plan(again, now: at(15))
        #expect(second.skips.map(\.reason) == [.fabricFault])
        #expect(second.events.isEmpty)
        #expect(second.record == first.record, "nothing to persist while the hold lasts")
    }

    /// The leaves come back while the gateway's sessions stay down: the sessions get the rule's
    /// whole window from then on before frr is blamed, not at once for the time already down.
    @Test func whenTheFabricRecoversTheWindowStartsAgain() {
        var recovered = bgpDown("gw-1")
        recovered.record.lastSkip = .fabricFault
        let first = plan(recovered)
        #expect(first.actions.isEmpty && first.skips.isEmpty)
        #expect(first.record.allBGPDownSince == t0)
        #expect(first.record.lastSkip == nil)
        #expect(first.nextCheck == at(120))
        recovered.record = first.record
        recovered.leaves = [leaf("leaf-01", beat: 110), leaf("leaf-02", beat: 110)]  // still heartbeating
        #expect(plan(recovered, now: at(119)).actions.isEmpty)
        expectRestart(plan(recovered, now: at(120)))
        // The same after an unattributed hold.
        var proven = bgpDown("gw-1")
        proven.record.lastSkip = .faultUnattributed
        #expect(plan(proven).record.allBGPDownSince == t0)
        // Any other earlier skip does not restart the window.
        var cooled = bgpDown("gw-1")
        cooled.record.lastSkip = .cooldown
        expectRestart(plan(cooled))
    }

    /// The other restart rules do not depend on the leaves.
    @Test func otherRulesIgnoreTheLeaves() {
        let snap = snapshot("gw-1", assessment(.down, reason: "CrashLoopBackOff", bgp: (0, 2)),
                            pods: [pod("gw-1", .dataplane, ready: false), pod("gw-1", .frr)], leaves: [leaf("leaf-01", beat: -300)])
        #expect(plan(snap).actions.first?.target.reason == "DataplaneNotReady")
    }
}
