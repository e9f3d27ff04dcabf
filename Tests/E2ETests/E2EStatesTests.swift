import ControllerKit
import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
import KubeClient
@testable import OperatorRuntime
import Testing
import TestSupport

/// The e2e tests share one suite so they run one after another (each runs an emulator, a
/// simulated fabric and one or two operators; the machine has two cores).
@Suite(.serialized) struct E2ETests {
    static let timing = FabricTiming(heartbeatInterval: 15, leafHeartbeatInterval: 15, startupDelay: 5, startupSpread: 0,
                                     applyDelay: 1, podRecreateDelay: 2, crashLoopBackoff: 10, podSweepInterval: 5)

    /// A world with one operator; nil (and a printed note) when openssl is missing.
    static func withOperator(gateways: Int = 2, config: OperatorConfig = e2eConfig(),
                             output: (@Sendable (String) -> Void)? = nil,
                             _ body: (E2EWorld, RunningOperator) async throws -> Void) async throws {
        try await E2EWorld.with(gateways: gateways) { world in
            try await body(world, try RunningOperator.start(world, config: config, identity: "medic-a", output: output))
        }
    }

    /// Waits for the GatewayHealth of `gateway` to show `state`, stepping nothing.
    static func expectState(_ world: E2EWorld, _ gateway: String, _ state: GatewayState,
                            sourceLocation: SourceLocation = #_sourceLocation) async {
        let reached = await eventually(10) { world.state(gateway) == state.rawValue }
        #expect(reached, "\(gateway) should be \(state.rawValue) at t+\(world.elapsed)s, is \(world.state(gateway) ?? "none")",
                sourceLocation: sourceLocation)
    }

    @Test func everyStateIsReachedFromUpAndBack() async throws {
        try await Self.withOperator { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle: () async -> Void = { _ = await eventually(5) { await running.caughtUp(world, gateways: gateways) } }
            let sim = world.simulator

            // Bootstrap: no dataplane has reported yet.
            await Self.expectState(world, "gateway-1", .waiting)
            #expect(world.health("gateway-1")?[path: "status", "reason"]?.stringValue == "AwaitingFirstHeartbeat")
            let owner = world.health("gateway-1")?[path: "metadata", "ownerReferences"]?.arrayValue?.first
            #expect(owner?["kind"]?.stringValue == "GatewayAgent" && owner?["controller"]?.boolValue == true)
            #expect(world.health("gateway-1")?[path: "spec", "gatewayAgent", "name"]?.stringValue == "gateway-1")

            try await world.advance(to: 10, settle: settle)
            await Self.expectState(world, "gateway-1", .up)
            await Self.expectState(world, "gateway-2", .up)

            // KEEPALIVE_FAIL: the status writes stop, BGP on the leaves shows the dataplane alive.
            try await sim.stopHeartbeats(gateway: "gateway-1")
            try await world.advance(to: 70, settle: settle)
            await Self.expectState(world, "gateway-1", .keepaliveFail)
            let heartbeat = world.health("gateway-1")?[path: "status", "conditions"]?.arrayValue?
                .first { $0["type"]?.stringValue == "Heartbeat" }
            #expect(heartbeat?["status"]?.stringValue == "False")
            #expect(world.health("gateway-1")?[path: "status", "evidence", "liveness"]?.stringValue == "SwitchAgentBGP")
            try await sim.resumeHeartbeats(gateway: "gateway-1")
            try await world.advance(to: 90, settle: settle)
            await Self.expectState(world, "gateway-1", .up)

            // CONFIG_FAIL: a new generation the dataplane refuses, past the apply timeout.
            try await sim.rejectConfig(gateway: "gateway-1")
            let generation = try await sim.bumpGeneration(gateway: "gateway-1")
            let key = ObjectKey(namespace: "default", name: "gateway-1")
            _ = await eventually(5) { await running.instance.assessments()[key]?.agentGeneration == generation }
            try await world.advance(to: 150, step: 5, settle: settle)
            #expect(world.state("gateway-1") == "UP", "an apply within the timeout is pending, not failed")
            try await world.advance(to: 220, step: 5, settle: settle)
            await Self.expectState(world, "gateway-1", .configFail)
            #expect(world.health("gateway-1")?[path: "status", "reason"]?.stringValue == "ApplyTimedOut")
            try await sim.acceptConfig(gateway: "gateway-1")
            try await world.advance(to: 225, settle: settle)
            await Self.expectState(world, "gateway-1", .up)

            // DOWN by a crash loop; the healed dataplane starts with its init status: still DOWN
            // (one incident, one DOWN: health-model.md §2.6) until it applies its configuration.
            try await sim.crashLoop(gateway: "gateway-1", container: .dataplane)
            try await world.advance(to: 226, settle: settle)
            await Self.expectState(world, "gateway-1", .down)
            #expect(world.health("gateway-1")?[path: "status", "reason"]?.stringValue == "CrashLoopBackOff")
            try await sim.heal(gateway: "gateway-1")
            let reason = { world.health("gateway-1")?[path: "status", "reason"]?.stringValue }
            #expect(await eventually(10) { reason() == "DataplaneRestarting" }, "\(reason() ?? "none")")
            #expect(world.state("gateway-1") == "DOWN")
            try await world.advance(to: 230, settle: settle)
            await Self.expectState(world, "gateway-1", .up)

            // DOWN by a lost node; back, its restarted dataplane keeps it DOWN until it has applied its configuration.
            try await sim.nodeGone(gateway: "gateway-1")
            try await world.advance(to: 231, settle: settle)
            await Self.expectState(world, "gateway-1", .down)
            try await sim.nodeBack(gateway: "gateway-1")
            #expect(await eventually(10) { reason() == "DataplaneRestarting" }, "\(reason() ?? "none")")
            try await world.advance(to: 235, settle: settle)
            await Self.expectState(world, "gateway-1", .up)

            // Findings that do not change the state: BGP down, then drops on the gateway carrying traffic.
            try await sim.bgpDown(gateway: "gateway-2")
            try await world.advance(to: 255, settle: settle)
            let bgp = world.health("gateway-2")?[path: "status", "conditions"]?.arrayValue?
                .first { $0["type"]?.stringValue == "BGPEstablished" }
            #expect(bgp?["status"]?.stringValue == "False")
            try await sim.bgpUp(gateway: "gateway-2")
            let carrier = await sim.activeGateway(group: sim.group(gateway: "gateway-1") ?? "") ?? "gateway-1"
            try await sim.dropPackets(gateway: carrier, ratio: 0.5)
            try await world.advance(to: 295, settle: settle)

            var counts1 = try await world.eventCounts(about: "gateway-1", client: running.client)
            counts1["TrafficDrops"] = nil
            counts1["PeeringDown"] = nil  // the same drops on the peering, when gateway-1 carries it (docs/health-model.md §3.10)
            // gw-group's redundancy went twice (§3.11): while gateway-1's own heartbeat was stale
            // (it counts as not forwarding), and when gateway-2's BGP down took its Forwarding.
            #expect(counts1 == ["GatewayWaiting": 1, "GatewayUp": 5, "KeepaliveFail": 1, "ConfigFail": 1, "GatewayDown": 2,
                                "RedundancyLost": 2, "RedundancyRestored": 2],
                    "\(counts1)")
            let events2 = try await world.events(about: "gateway-2", client: running.client)
            #expect(events2.contains { $0.reason == "BGPSessionDown" && $0.type == "Warning" && ($0.message ?? "").contains("BGPEstablished") })
            let drops = try await world.events(about: carrier, client: running.client)
            #expect(drops.contains { $0.reason == "TrafficDrops" && $0.type == "Warning" && ($0.message ?? "").contains("drops") },
                    "\(drops.map(\.reason))")
            let down = try await world.events(about: "gateway-1", client: running.client).first { $0.reason == "GatewayDown" }
            #expect(down?.involvedObject.kind == "GatewayAgent" && down?.involvedObject.uid != nil)
            #expect(down?.source?.component == "gateway-medic")

            try await Self.kubectlShows(world)
        }
    }

    /// `kubectl describe gatewayagent` lists the Events; `kubectl get gatewayhealths` the columns.
    static func kubectlShows(_ world: E2EWorld) async throws {
        guard let describe = try await world.kubectl(["--request-timeout=10s", "describe", "gatewayagent", "gateway-1"]) else {
            missingTool("kubectl not installed: the kubectl part of the e2e test is skipped")
            return
        }
        #expect(describe.status == 0, "\(describe.output)")
        for reason in ["GatewayUp", "KeepaliveFail", "ConfigFail", "GatewayDown", "GatewayWaiting"] {
            #expect(describe.output.contains(reason), "describe should list \(reason):\n\(describe.output)")
        }
        let get = try #require(try await world.kubectl(["--request-timeout=10s", "get", "gatewayhealths"]))
        #expect(get.status == 0, "\(get.output)")
        #expect(get.output.contains("STATE") && get.output.contains("REASON") && get.output.contains("SINCE") && get.output.contains("BGP"),
                "\(get.output)")
        #expect(!get.output.contains("HEARTBEAT"), "no frozen heartbeat column:\n\(get.output)")
        #expect(get.output.contains("gateway-1") && get.output.contains("UP"), "\(get.output)")
    }
}
