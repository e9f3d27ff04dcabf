import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import Remediation
import Testing

/// A restart is executed only when a fresh read of the API calls for the same one.
struct LiveRecheckTests {
    /// gw-1 with its heartbeat at `beat` (seconds from t0), its dataplane container not ready for
    /// 10 s (within the pod grace), no switch Agent visible: with a stale heartbeat nothing shows
    /// the data plane alive.
    static func inputs(beat: Double) -> GatewayInputs {
        var dataplane = RFx.pod("dataplane")
        dataplane["status"]?["conditions"] = [["type": "Ready", "status": "False", "lastTransitionTime": RFx.ts(-10)]]
        dataplane["status"]?["containerStatuses"] = [["name": "dataplane", "ready": false, "restartCount": 0,
                                                       "state": ["running": ["startedAt": RFx.ts(-3500)]]]]
        return GatewayInputs(gateway: GatewayView(json: RFx.gateway()), agent: GatewayAgentView(json: RFx.agent(beat: beat)),
                             pods: [PodView(json: dataplane), PodView(json: RFx.pod("frr"))], switchAgents: [],
                             switchAgentsVisible: false)
    }

    static let remediation: RemediationPolicy = {
        var policy = RemediationPolicy()
        policy.enabled = true
        return policy
    }()

    /// The cached judgment (heartbeat 2 min old) and the restart it plans.
    static func cached() throws -> (Assessment, RemediationAction) {
        let assessment = HealthEvaluator.evaluate(inputs(beat: -120), previous: nil, policy: .default, now: RFx.t0)
        let key = GatewayKey(namespace: "default", name: "gw-1")
        let fleet = FleetView(snapshots: [GatewaySnapshot(key: key, assessment: assessment, inputs: inputs(beat: -120))],
                              groupsWithPeerings: [], isLeader: true)
        let plan = RemediationPlanner.plan(gateway: key, fleet: fleet, policy: remediation, now: RFx.t0)
        return (assessment, try #require(plan.actions.first))
    }

    static func recheck(_ read: @escaping @Sendable (ObjectKey) async throws -> GatewayInputs) -> LiveRecheck {
        LiveRecheck(health: .default, remediation: remediation, read: read)
    }

    @Test func theSameNeedInAFreshReadConfirmsTheRestart() async throws {
        let (assessment, action) = try Self.cached()
        #expect(assessment.state == .down && assessment.reason == "HeartbeatLost", "\(assessment.reason): \(assessment.message)")
        #expect(action.target.reason == "HeartbeatLost" && action.target.role == .dataplane)
        let verdict = await Self.recheck { _ in Self.inputs(beat: -120) }
            .confirm(action, key: RFx.key, assessment: assessment, record: RemediationRecord(), now: RFx.t0)
        #expect(verdict == .confirmed)
    }

    /// The cache was behind: the API already holds a heartbeat 5 s old.
    @Test func aFresherHeartbeatInTheAPIStopsTheRestart() async throws {
        let (assessment, action) = try Self.cached()
        let verdict = await Self.recheck { _ in Self.inputs(beat: -5) }
            .confirm(action, key: RFx.key, assessment: assessment, record: RemediationRecord(), now: RFx.t0)
        guard case .notConfirmed(let why) = verdict else {
            Issue.record("expected notConfirmed, got \(verdict)")
            return
        }
        #expect(!why.contains("HeartbeatLost"), "\(why)")
    }

    @Test func aFailedReadStopsTheRestart() async throws {
        let (assessment, action) = try Self.cached()
        struct Down: Error {}
        let verdict = await Self.recheck { _ in throw Down() }
            .confirm(action, key: RFx.key, assessment: assessment, record: RemediationRecord(), now: RFx.t0)
        guard case .unreadable = verdict else {
            Issue.record("expected unreadable, got \(verdict)")
            return
        }
    }
}
