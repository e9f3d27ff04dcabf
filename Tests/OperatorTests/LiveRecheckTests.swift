import ControllerKit
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

    static func recheckView(_ read: @escaping @Sendable (ObjectKey) async throws -> LiveRecheck.FreshView) -> LiveRecheck {
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

    // MARK: fault attribution (docs/remediation.md §2.1)

    /// gw-1 UP with every BGP session idle and a fresh heartbeat: the frr rule's case.
    static func bgpDownInputs() -> GatewayInputs {
        var inputs = RFx.inputs(beat: -5, bgp: "idle")
        inputs.switchAgentsVisible = true
        inputs.switchAgentTotal = 2
        return inputs
    }

    static func leaves(beat: Double) -> [LeafPeer] {
        ["leaf-01", "leaf-02"].map {
            LeafPeer(name: $0, lastHeartbeat: RFx.t0.addingTimeInterval(beat), otherGatewaySessions: 1, otherGatewaySessionsEstablished: 1)
        }
    }

    /// The cached plan's BGPSessionsDown restart, with healthy leaves.
    static func cachedBGPDown() throws -> (Assessment, RemediationAction, RemediationRecord) {
        let assessment = HealthEvaluator.evaluate(bgpDownInputs(), previous: nil, policy: .default, now: RFx.t0)
        let record = RemediationRecord(allBGPDownSince: RFx.t0.addingTimeInterval(-300))
        let key = GatewayKey(namespace: "default", name: "gw-1")
        let snapshot = GatewaySnapshot(key: key, assessment: assessment, inputs: bgpDownInputs(), record: record, leaves: leaves(beat: -5))
        let plan = RemediationPlanner.plan(gateway: key, fleet: FleetView(snapshots: [snapshot], groupsWithPeerings: [], isLeader: true),
                                           policy: remediation, now: RFx.t0)
        let action = try #require(plan.actions.first, "\(plan.skips)")
        #expect(action.target.reason == "BGPSessionsDown")
        return (assessment, action, record)
    }

    /// The fresh read carries the leaves too: healthy there, the restart is confirmed; stale there
    /// (the cache had not seen them go), it is not.
    @Test func theFreshReadAttributesTheFaultWithTheFreshLeaves() async throws {
        let (assessment, action, record) = try Self.cachedBGPDown()
        let healthy = await Self.recheckView { _ in LiveRecheck.FreshView(inputs: Self.bgpDownInputs(), leaves: Self.leaves(beat: -5)) }
            .confirm(action, key: RFx.key, assessment: assessment, record: record, now: RFx.t0)
        #expect(healthy == LiveRecheck.Verdict.confirmed)
        let stale = await Self.recheckView { _ in LiveRecheck.FreshView(inputs: Self.bgpDownInputs(), leaves: Self.leaves(beat: -60)) }
            .confirm(action, key: RFx.key, assessment: assessment, record: record, now: RFx.t0)
        #expect(stale != LiveRecheck.Verdict.confirmed)
    }

    /// With no leaf at the other end, the other gateways as the plan saw them decide, as in the plan.
    @Test func theFreshReadFallsBackOnThePlansOtherGateways() async throws {
        let (assessment, action, record) = try Self.cachedBGPDown()
        let other = GatewayKey(namespace: "default", name: "gw-2")
        func peer(_ bgp: String) -> GatewaySnapshot {
            let inputs = RFx.inputs(beat: -5, bgp: bgp)
            let judged = HealthEvaluator.evaluate(inputs, previous: nil, policy: .default, now: RFx.t0)
            return GatewaySnapshot(key: other, assessment: judged, inputs: inputs,
                                   record: RemediationRecord(inFlight: .init(pod: "gw--gw-2--frr-x", uid: nil, role: .frr, since: RFx.t0)))
        }
        let check = Self.recheckView { _ in LiveRecheck.FreshView(inputs: Self.bgpDownInputs(), leaves: []) }
        let held = await check.confirm(action, key: RFx.key, assessment: assessment, record: record, peers: [peer("established")], now: RFx.t0)
        #expect(held == LiveRecheck.Verdict.confirmed, "another gateway holds its sessions (its record, an in-flight restart, is not counted again)")
        let down = await check.confirm(action, key: RFx.key, assessment: assessment, record: record, peers: [peer("idle")], now: RFx.t0)
        #expect(down != LiveRecheck.Verdict.confirmed, "every other gateway is down too")
        let alone = await check.confirm(action, key: RFx.key, assessment: assessment, record: record, now: RFx.t0)
        #expect(alone != LiveRecheck.Verdict.confirmed, "alone")
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
