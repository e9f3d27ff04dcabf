import FabricSimulator
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import Locking
@testable import OperatorRuntime
import Remediation
import Testing
import TestSupport

/// The guards, proven by the emulator's request log (`create` on `pods/eviction`).
extension E2ETests {
    /// Two gateways broken at once: one eviction until the first is Ready or inFlightTimeout passes.
    @Test func fleetWideInFlightLimitAllowsOneRestartAtATime() async throws {
        try await Self.withOperator(config: remediationConfig()) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            try await world.advance(to: 10, settle: settle)
            try await world.simulator.crashLoop(gateway: "gateway-1", container: .dataplane)
            try await world.simulator.crashLoop(gateway: "gateway-2", container: .dataplane)
            while world.evictions.isEmpty, world.elapsed < 300 {
                try await world.advance(to: world.elapsed + 5, step: 5, settle: settle)
            }
            let firstAt = world.elapsed
            // The replacement crash-loops too (never Ready): the slot frees after 5 min, not before.
            try await world.advance(to: firstAt + 290, step: 5, settle: settle)
            #expect(world.evictions.count == 1, "one restart in flight fleet-wide: \(world.evictions)")
            let first = world.evictions.first ?? ""
            try await world.advance(to: firstAt + 340, step: 5, settle: settle)
            // The requeue at the slot's timeout runs on the queue's own timer: wait for it.
            #expect(await eventually(5) { world.evictions.count == 2 }, "the second after the in-flight timeout: \(world.evictions)")
            #expect(world.evictions.last.map { !$0.hasPrefix(String(first.prefix(13))) } == true)
            let skipped = try await world.events(about: "gateway-1", client: running.client)
                + world.events(about: "gateway-2", client: running.client)
            #expect(skipped.contains { $0.reason == "RemediationSkipped" && ($0.message ?? "").hasPrefix("FleetInFlightLimit") })
        }
    }

    /// A paused gateway is never restarted, and a group member that still forwards is not taken
    /// down while the only other member of its peering group is not UP.
    @Test func pauseAnnotationAndGroupSafetyHoldRestarts() async throws {
        try await Self.withOperator(config: remediationConfig()) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            try await world.advance(to: 10, settle: settle)
            // The user pauses the gateway (with a client of their own, not the operator's).
            let user = try world.client(userAgent: "kubectl-e2e")
            defer { user.shutdown() }
            _ = try await user.patch(.gateways, namespace: "default", name: "gateway-2",
                                               patch: .merge(["metadata": ["annotations": ["gatewaymedic.io/paused": "true"]]]))
            // A pause holds from the moment the operator has seen it: only then does the gateway break.
            await settle()
            try await world.simulator.crashLoop(gateway: "gateway-2", container: .dataplane)
            try await world.simulator.stickFRR(gateway: "gateway-1")
            _ = try await world.simulator.bumpGeneration(gateway: "gateway-1")
            try await world.advance(to: 400, step: 5, settle: settle)
            await Self.expectState(world, "gateway-2", .down)
            await Self.expectState(world, "gateway-1", .configFail)
            let two = try await world.events(about: "gateway-2", client: running.client)
            let annotation = (try? world.server.store.get(.gateways, namespace: "default", name: "gateway-2"))?[path: "metadata", "annotations", "gatewaymedic.io/paused"]
            #expect(world.evictions.isEmpty, "\(world.evictions); pause annotation now: \(String(describing: annotation)); gateway-2's Events: \(two.map { "\($0.reason ?? ""): \($0.message ?? "")" })")
            #expect(two.contains { $0.reason == "RemediationSkipped" && ($0.message ?? "").hasPrefix("Paused") })
            let one = try await world.events(about: "gateway-1", client: running.client)
            #expect(one.contains { $0.reason == "RemediationSkipped" && ($0.message ?? "").hasPrefix("LastHealthyGroupMember") },
                    "\(one.map { "\($0.reason ?? ""): \($0.message ?? "")" })")
        }
    }

    /// A dry run plans, prints the plan, and writes nothing at all.
    @Test func dryRunPrintsThePlanAndDoesNothing() async throws {
        let lines = Locked<[String]>([])
        try await Self.withOperator(config: remediationConfig(leaderElection: true, dryRun: true),
                                    output: { line in lines.withLock { $0.append(line) } }) { world, running in
            let settle = Self.settler(world, running, ["gateway-1", "gateway-2"])
            try await world.advance(to: 10, settle: settle)
            try await world.simulator.crashLoop(gateway: "gateway-1", container: .dataplane)
            try await world.advance(to: 200, step: 5, settle: settle)
            #expect(world.server.writeCount == 0)
            #expect(world.evictions.isEmpty)
            #expect(lines.current.contains { $0.contains("[dry-run] remediation of default/gateway-1: would evict pod fab/gw--gateway-1--dataplane") },
                    "\(lines.current.suffix(10))")
        }
    }

    /// UP ↔ KEEPALIVE_FAIL every minute for an hour: no episode lasts 2 min, so no draft; KEEPALIVE_FAIL
    /// is never restarted.
    @Test func flappingGatewayYieldsNoDraftAndNoRestart() async throws {
        try await Self.withOperator(config: remediationConfig()) { world, running in
            let settle = Self.settler(world, running, ["gateway-1", "gateway-2"])
            let sim = world.simulator
            try await world.advance(to: 10, settle: settle)
            var states = Set<String>()
            for minute in 0..<60 {
                if minute % 2 == 0 { try await sim.stopHeartbeats(gateway: "gateway-1") } else { try await sim.resumeHeartbeats(gateway: "gateway-1") }
                try await world.advance(to: world.elapsed + 60, step: 10, settle: settle)
                world.state("gateway-1").map { _ = states.insert($0) }
            }
            #expect(states.contains("KEEPALIVE_FAIL") && states.contains("UP"), "it flapped: \(states)")
            #expect(world.ticketDrafts().isEmpty, "\(world.ticketDrafts().map(\.id))")
            #expect(world.evictions.isEmpty)
        }
    }
}
