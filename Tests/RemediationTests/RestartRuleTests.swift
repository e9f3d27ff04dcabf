import Foundation
import HealthModel
import Testing
@testable import Remediation

@Suite struct RestartRuleTests {
    func planOne(_ snap: GatewaySnapshot, policy: RemediationPolicy = enabled, now: Date = t0) -> RemediationPlan {
        RemediationPlanner.plan(gateway: snap.key, fleet: fleet([snap]), policy: policy, now: now)
    }

    @Test func dataplaneNotReadyPastGraceEvictsTheDataplanePod() {
        let plan = planOne(crashingDataplane("gw-1"))
        #expect(plan.actions.count == 1)
        guard case .evict(let t)? = plan.actions.first else { Issue.record("expected an eviction"); return }
        #expect(t.pod == "gw--gw-1--dataplane-aaaaa")
        #expect(t.namespace == "fab")
        #expect(t.role == .dataplane)
        #expect(t.reason == "DataplaneNotReady")
        #expect(plan.record.restartTimes == [t0])
        #expect(plan.record.inFlight?.pod == t.pod)
        #expect(plan.record.lastAction?.result == .requested)
    }

    @Test func frrNotReadyEvictsTheFRRPod() {
        let snap = snapshot("gw-1", assessment(.down, reason: "ContainerNotReady"),
                            pods: [pod("gw-1", .dataplane), pod("gw-1", .frr, ready: false)])
        #expect(planOne(snap).actions.first?.target.reason == "FRRNotReady")
        #expect(planOne(snap).actions.first?.target.role == .frr)
    }

    @Test func staleHeartbeatWithNoLiveDataPlaneEvictsTheDataplane() {
        let snap = snapshot("gw-1", assessment(.down, reason: "HeartbeatLost", heartbeatFresh: false, bgp: (0, 2), liveness: .none))
        let target = planOne(snap).actions.first?.target
        #expect(target?.role == .dataplane)
        #expect(target?.reason == "HeartbeatLost")
    }

    @Test func frrLaggingWhileTheDataplaneAppliedRestartsFRR() {
        let snap = snapshot("gw-1", assessment(.configFail, reason: "RoutingApplyTimedOut", routingApplied: false))
        let target = planOne(snap).actions.first?.target
        #expect(target?.role == .frr)
        #expect(target?.reason == "FRRRoutingStuck")
    }

    @Test func allBGPDownRestartsFRROnlyAfterTwoMinutes() {
        var snap = snapshot("gw-1", assessment(.up, bgp: (0, 3)), leaves: healthyLeaves)
        let first = planOne(snap, now: t0)
        #expect(first.actions.isEmpty)
        #expect(first.record.allBGPDownSince == t0)
        #expect(first.nextCheck == at(120))
        snap.record = first.record
        snap.leaves = [leaf("leaf-01", beat: 110), leaf("leaf-02", beat: 110)]  // the leaves keep heartbeating
        #expect(planOne(snap, now: at(119)).actions.isEmpty)
        let due = planOne(snap, now: at(120))
        #expect(due.actions.first?.target.reason == "BGPSessionsDown")
        #expect(due.actions.first?.target.role == .frr)
    }

    @Test func bgpTimerResetsWhenASessionComesBack() {
        var snap = snapshot("gw-1", assessment(.up, bgp: (0, 3)), record: RemediationRecord(allBGPDownSince: at(-500)))
        snap.assessment = assessment(.up, bgp: (1, 3))
        let plan = planOne(snap)
        #expect(plan.actions.isEmpty)
        #expect(plan.record.allBGPDownSince == nil)
    }

    @Test func bgpDownWithStaleHeartbeatIsNotTheFRRRule() {
        let snap = snapshot("gw-1", assessment(.up, heartbeatFresh: false, bgp: (0, 3)), record: RemediationRecord(allBGPDownSince: at(-500)))
        #expect(planOne(snap).actions.isEmpty)
    }

    @Test func keepaliveFailIsNeverRestarted() {
        let snap = snapshot("gw-1", assessment(.keepaliveFail, reason: "KeepaliveMissed", heartbeatFresh: false,
                                               bgp: (0, 2), liveness: .switchAgentBGP),
                            pods: [pod("gw-1", .dataplane, ready: false), pod("gw-1", .frr, ready: false)])
        let plan = planOne(snap, policy: RemediationPolicy(enabled: true, maxRestartsPerWindow: 100))
        #expect(plan.actions.isEmpty)
        #expect(plan.proposed.isEmpty)
        #expect(plan.skips.map(\.reason) == [.stateNotRemediable])
        #expect(plan.events.map(\.reason) == ["RemediationSkipped"])
    }

    @Test func configFailFromARejectedConfigIsNeverRestarted() {
        let snap = snapshot("gw-1", assessment(.configFail, reason: "ApplyTimedOut", bgp: (0, 2), configApplied: false),
                            record: RemediationRecord(allBGPDownSince: at(-900)))
        let plan = planOne(snap)
        #expect(plan.actions.isEmpty)
        #expect(plan.skips.map(\.reason) == [.stateNotRemediable])
    }

    @Test func podsBeingReplacedAndWaitingAreLeftAlone() {
        for reason in ["PodMissing", "PodTerminating", "PodNotRunning", "NeverReported"] {
            let snap = snapshot("gw-1", assessment(.down, reason: reason), pods: [pod("gw-1", .dataplane, ready: false)])
            #expect(planOne(snap).actions.isEmpty, "\(reason)")
            #expect(planOne(snap).skips.isEmpty, "\(reason)")
        }
        #expect(planOne(snapshot("gw-1", assessment(.waiting, reason: "DataplaneInitializing"))).actions.isEmpty)
    }

    /// health-model.md §2.6: a container the kubelet restarted after the failure that made the
    /// gateway DOWN gets its pod grace before its pod is deleted; past it, ContainerNotReady is.
    @Test func aRestartedContainerWithinItsGraceIsLeftAlone() {
        for reason in ["ContainerRestarted", "DataplaneRestarting"] {
            let snap = snapshot("gw-1", assessment(.down, reason: reason), pods: [pod("gw-1", .dataplane, ready: false)])
            #expect(planOne(snap).actions.isEmpty, "\(reason)")
            #expect(planOne(snap).skips.isEmpty, "\(reason)")
        }
        let pastGrace = snapshot("gw-1", assessment(.down, reason: "ContainerNotReady"), pods: [pod("gw-1", .dataplane, ready: false)])
        #expect(planOne(pastGrace).actions.first?.target.reason == "DataplaneNotReady")
    }

    @Test func aTerminatingTargetIsUnavailable() {
        let snap = snapshot("gw-1", assessment(.down, reason: "HeartbeatLost", heartbeatFresh: false, liveness: .none),
                            pods: [pod("gw-1", .dataplane, deleting: true), pod("gw-1", .frr)])
        let plan = planOne(snap)
        #expect(plan.actions.isEmpty)
        #expect(plan.skips.map(\.reason) == [.targetUnavailable])
    }
}
