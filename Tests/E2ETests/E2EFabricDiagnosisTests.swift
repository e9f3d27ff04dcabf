import ControllerKit
import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import Remediation
import Testing
import TestSupport

/// Issue 19, acceptance 2: fabric-aware diagnosis end to end on the simulated fabric (two
/// gateways in `gw-group-1`, gateway-1 at priority 20 and gateway-2 at 10, carrying the peering
/// `vpc-01--vpc-02`; both hold a session with leaf-01 and leaf-02). Evictions are counted in the
/// emulator's request log.
extension E2ETests {
    /// The incident of the issue: the backup is UP with 0 of 2 sessions established, the active
    /// member's frr is stuck. Restarting the active member would take down the only gateway that
    /// forwards the group's peering, so the restart is held and the Event names the group.
    /// (The BGP-down restart of the backup itself is set an hour away: only the guard is tested.)
    @Test func aBackupUpButNotForwardingHoldsTheRestartOfTheOtherMember() async throws {
        let config = remediationConfig { $0.bgpDownRestartAfter = 3600 }
        try await Self.withOperator(config: config) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            let sim = world.simulator
            #expect(sim.members(group: "gw-group-1") == gateways && sim.peerings(group: "gw-group-1") == ["vpc-01--vpc-02"])
            try await world.advance(to: 10, settle: settle)
            await Self.expectState(world, "gateway-1", .up)
            await Self.expectState(world, "gateway-2", .up)

            try await sim.bgpDown(gateway: "gateway-2")
            try await sim.stickFRR(gateway: "gateway-1")
            _ = try await sim.bumpGeneration(gateway: "gateway-1")
            // Past the apply timeout (120 s) and well into the restart's window.
            try await world.advance(to: 400, step: 5, settle: settle)
            await Self.expectState(world, "gateway-1", .configFail)
            await Self.expectState(world, "gateway-2", .up)
            #expect(Self.condition(world, "gateway-2", "Forwarding") == "False/NoEstablishedSession")
            #expect(Self.condition(world, "gateway-1", "Forwarding")?.hasPrefix("True/") == true)
            #expect(world.evictions.isEmpty, "the only forwarding member is not restarted: \(world.evictions)")
            let skipped = try await world.events(about: "gateway-1").filter { $0.reason == "RemediationSkipped" }
            #expect(skipped.contains { ($0.message ?? "").contains("gw-group-1") },
                    "a RemediationSkipped Event names the group: \(skipped.map { $0.message ?? "" })")
            #expect(world.remediationRecord("gateway-1")?.restartTimes.isEmpty != false)
        }
    }

    /// Leaf maintenance: every leaf down, every gateway's sessions idle while its heartbeat stays
    /// fresh. Every gateway is UP but not Forwarding, and nothing is restarted; when the leaves
    /// come back, both forward again.
    @Test func leafMaintenanceMakesEveryGatewayNotForwardingAndRestartsNothing() async throws {
        try await Self.withOperator(config: remediationConfig()) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            let sim = world.simulator
            try await world.advance(to: 10, settle: settle)
            for gateway in gateways {
                #expect(Self.condition(world, gateway, "Forwarding")?.hasPrefix("True/") == true, "\(gateway) forwards before")
            }

            try await sim.startLeafMaintenance(leaves: sim.leafNames)
            // Past the BGP-down restart window (120 s), twice over.
            try await world.advance(to: 300, step: 5, settle: settle)
            for gateway in gateways {
                await Self.expectState(world, gateway, .up)
                #expect(Self.condition(world, gateway, "Forwarding") == "False/NoEstablishedSession", "\(gateway)")
            }
            #expect(world.evictions.isEmpty, "no restart during a leaf maintenance: \(world.evictions)")

            try await sim.endLeafMaintenance(leaves: sim.leafNames)
            try await world.advance(to: 340, step: 5, settle: settle)
            for gateway in gateways {
                #expect(Self.condition(world, gateway, "Forwarding")?.hasPrefix("True/") == true, "\(gateway) forwards again")
            }
            #expect(world.evictions.isEmpty, "\(world.evictions)")
        }
    }

    /// A peering whose traffic stops: the active member (gateway-1) carried it, and after ten
    /// minutes without a new packet its PeeringsHealthy is False `PeeringTrafficStopped`; not
    /// before. The backup, which never carried it, is not blamed. When traffic resumes, it clears.
    @Test func aPeeringWhoseTrafficStopsIsReportedOnTheActiveMemberOnly() async throws {
        try await Self.withOperator(config: e2eConfig()) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            let sim = world.simulator
            try await world.advance(to: 60, step: 5, settle: settle)
            #expect(await sim.activeGateway(group: "gw-group-1") == "gateway-1")
            for gateway in gateways {
                #expect(Self.condition(world, gateway, "PeeringsHealthy")?.hasPrefix("True/") == true, "\(gateway)")
            }

            try await sim.stopPeeringTraffic(peering: "vpc-01--vpc-02")
            let stopped = world.elapsed
            // Nine minutes on: quiet, but not for ten minutes yet.
            try await world.advance(to: stopped + 540, step: 15, settle: settle)
            #expect(Self.condition(world, "gateway-1", "PeeringsHealthy")?.hasPrefix("True/") == true,
                    "not before ten minutes: \(Self.condition(world, "gateway-1", "PeeringsHealthy") ?? "none")")
            try await world.advance(to: stopped + 690, step: 15, settle: settle)
            #expect(Self.condition(world, "gateway-1", "PeeringsHealthy") == "False/PeeringTrafficStopped")
            let backup = Self.condition(world, "gateway-2", "PeeringsHealthy")
            #expect(backup != nil && backup?.hasSuffix("/PeeringTrafficStopped") == false, "the backup is not blamed: \(backup ?? "none")")
            for gateway in gateways { await Self.expectState(world, gateway, .up) }

            try await sim.resumePeeringTraffic(peering: "vpc-01--vpc-02")
            try await world.advance(to: stopped + 750, step: 15, settle: settle)
            #expect(Self.condition(world, "gateway-1", "PeeringsHealthy")?.hasPrefix("True/") == true)
        }
    }

    /// The leaves drop gateway-1's routes (their import policy rejects them) while its sessions
    /// stay established and its own heartbeats carry on, quiet. What changed is on the leaves'
    /// side alone, so their next heartbeats must get gateway-1 judged again: Forwarding False
    /// `LeavesHaveNoRoutes` within a leaf heartbeat or two, not at some later evaluation. When
    /// the routes come back, it forwards again.
    @Test func leavesThatDropAQuietGatewaysRoutesMakeItNotForwarding() async throws {
        try await Self.withOperator(config: e2eConfig()) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            let sim = world.simulator
            try await world.advance(to: 60, step: 5, settle: settle)
            #expect(Self.condition(world, "gateway-1", "Forwarding")?.hasPrefix("True/") == true)

            try await sim.setRouteFault(.leavesRejectRoutes, gateway: "gateway-1")
            let faulted = world.elapsed
            try await world.advance(to: faulted + 35, step: 5, settle: settle)
            #expect(Self.condition(world, "gateway-1", "Forwarding") == "False/LeavesHaveNoRoutes",
                    "\(Self.condition(world, "gateway-1", "Forwarding") ?? "none")")
            await Self.expectState(world, "gateway-1", .up)
            #expect(world.evictions.isEmpty)

            try await sim.setRouteFault(.none, gateway: "gateway-1")
            try await world.advance(to: faulted + 70, step: 5, settle: settle)
            #expect(Self.condition(world, "gateway-1", "Forwarding")?.hasPrefix("True/") == true)
        }
    }

    /// Issue 19's known gap (§3.11): gateway-2 falls silent (its status writes stop; nothing else
    /// changes, so no object says so). When its heartbeat goes stale, gateway-1 counts it as not
    /// forwarding and loses its group's redundancy at that instant, re-judged at its `nextCheck`
    /// with no new object of its own (both heartbeat on the same ticks, every 15 s: gateway-1's
    /// last came a second before). When gateway-2 heartbeats again, the redundancy is back.
    @Test func aSilentMemberCostsTheOtherItsGroupsRedundancyWhenItsHeartbeatGoesStale() async throws {
        try await Self.withOperator(config: e2eConfig()) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            let sim = world.simulator
            try await world.advance(to: 30, settle: settle)
            #expect(Self.condition(world, "gateway-1", "GroupRedundancy") == "True/Redundant")

            try await sim.stopHeartbeats(gateway: "gateway-2")
            let last = try #require(world.agentHeartbeat("gateway-2").flatMap(KubeTime.parse))
            // Stale 45 s after its stamp: fresh up to then.
            let staleAt = last.timeIntervalSince(world.t0) + 45
            try await world.advance(to: staleAt, settle: settle)
            #expect(Self.condition(world, "gateway-1", "GroupRedundancy") == "True/Redundant", "not stale yet")
            let beat = world.agentHeartbeat("gateway-1")
            try await world.advance(to: staleAt + 1, settle: settle)
            #expect(world.agentHeartbeat("gateway-1") == beat, "no new object of gateway-1's own")
            #expect(Self.condition(world, "gateway-1", "GroupRedundancy") == "False/RedundancyLost")
            let message = world.health("gateway-1")?[path: "status", "conditions"]?.arrayValue?
                .first { $0["type"]?.stringValue == "GroupRedundancy" }?["message"]?.stringValue ?? ""
            #expect(message.contains("gateway-2 Unknown (HeartbeatStale)"), "\(message)")
            let lost = try await world.events(about: "gateway-1").filter { $0.reason == "RedundancyLost" }
            #expect(lost.count == 1, "one RedundancyLost Event: \(lost.map { $0.message ?? "" })")

            try await sim.resumeHeartbeats(gateway: "gateway-2")
            try await world.advance(to: staleAt + 20, settle: settle)
            #expect(Self.condition(world, "gateway-1", "GroupRedundancy") == "True/Redundant")
            #expect(world.evictions.isEmpty, "\(world.evictions)")
        }
    }
}
