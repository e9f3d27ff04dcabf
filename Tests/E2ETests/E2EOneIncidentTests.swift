import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import TestSupport
import Testing

extension E2ETests {
    /// Issue 23 acceptance 2 (health-model.md §2.6 "One incident, one DOWN"): a dataplane that
    /// crash-loops and recovers, 20 times over, gives exactly one `GatewayDown` and one
    /// `GatewayUp` each time, read from the emulator's Events — no `GatewayWaiting`, no second
    /// `GatewayDown` in between.
    ///
    /// Each round drives the sequence that gave DOWN → WAITING → DOWN: the kubelet restarts the
    /// crashed container (running, not ready, the pod's Ready condition still dated from the
    /// crash), the new process writes its init status at once and applies its configuration a
    /// second later, and the readiness probe passes only after the pod grace counted from the
    /// crash has run out. The restart comes 40–60 s after the crash and readiness 25–40 s after
    /// that, so every round crosses the old code's boundaries (WAITING at the restart, DOWN again
    /// at crash + 61 s); the flake was a race of those instants, here they are stepped exactly.
    @Test func crashLoopThatRecoversIsOneDownAndOneUpTwentyTimes() async throws {
        var config = e2eConfig()
        // 40 transition Events about one GatewayAgent: the spam filter's default burst (25 new
        // Events) would hide the last rounds' Events, which is not what this test is about.
        config.events.burst = 1_000
        try await Self.withOperator(gateways: 2, config: config) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle: () async -> Void = { _ = await eventually(5) { await running.caughtUp(world, gateways: gateways) } }
            let sim = world.simulator
            try await world.advance(to: 10, settle: settle)
            await Self.expectState(world, "gateway-1", .up)

            let transitions: Set = ["GatewayWaiting", "GatewayUp", "GatewayDown", "KeepaliveFail", "ConfigFail"]
            func transitionCounts() async throws -> [String: Int] {
                try await world.eventCounts(about: "gateway-1", client: running.client).filter { transitions.contains($0.key) }
            }
            var before = try await transitionCounts()
            for round in 0..<20 {
                let crashAt = world.elapsed
                let restartAfter = 40 + Double(round % 5) * 5
                let readyAfter = 25 + Double(round % 4) * 5
                try await sim.crashLoop(gateway: "gateway-1", container: .dataplane)
                try await world.advance(to: crashAt + restartAfter, settle: settle)
                #expect(world.state("gateway-1") == "DOWN", "round \(round): crash-looping")
                try await sim.heal(gateway: "gateway-1", readyAfter: readyAfter)
                try await world.advance(to: crashAt + restartAfter + readyAfter - 1, settle: settle)
                #expect(world.state("gateway-1") == "DOWN", "round \(round): restarted, not Ready yet")
                try await world.advance(to: crashAt + restartAfter + readyAfter + 1, settle: settle)
                await Self.expectState(world, "gateway-1", .up)
                // A quiet minute before the next crash: the incident is over.
                try await world.advance(to: world.elapsed + 60, step: 5, settle: settle)

                let after = try await transitionCounts()
                let delta = after.merging(before.mapValues { -$0 }) { $0 + $1 }.filter { $0.value != 0 }
                #expect(delta == ["GatewayDown": 1, "GatewayUp": 1], "round \(round) (restart +\(restartAfter) s, Ready +\(readyAfter) s): \(delta)")
                before = after
            }
            #expect(world.state("gateway-2") == "UP", "the other gateway of the group stayed UP")
        }
    }
}
