import ControllerKit
import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
import KubeClient
@testable import OperatorRuntime
import Testing
import TestSupport

extension E2ETests {
    /// Acceptance 2: a steady fleet costs no API writes, however many heartbeats arrive.
    @Test func unchangedHeartbeatsCauseNoWrites() async throws {
        let gateways = (1...10).map { "gateway-\($0)" }
        try await Self.withOperator(gateways: 10) { world, running in
            let settle: () async -> Void = { _ = await eventually(5) { await running.caughtUp(world, gateways: gateways) } }
            try await world.advance(to: 60, settle: settle)
            for gateway in gateways { await Self.expectState(world, gateway, .up) }
            await settle()
            let writesBefore = world.server.writeCount
            let countsBefore = await running.instance.writeCounts()

            // 100 heartbeats of every gateway (one every 15 s), with the leaves' heartbeats and pod sweeps.
            try await world.advance(to: 60 + 100 * 15, step: 15, settle: settle)
            await settle()
            #expect(world.server.writeCount - writesBefore == 0,
                    "writes: \(world.server.requestLog.filter(\.isWrite).suffix(5).map { "\($0.verb) \($0.path)" })")
            let counts = await running.instance.writeCounts()
            let evaluations = counts.evaluations - countsBefore.evaluations
            let advanced = counts.advanced - countsBefore.advanced
            #expect(evaluations + advanced >= 1000, "every heartbeat was judged (\(evaluations) evaluations, \(advanced) advanced)")
            // A heartbeat that moves no verdict runs only the heartbeat and traffic rules; the
            // staleness deadline moves with it, so no timer evaluates a gateway that keeps reporting.
            #expect(advanced >= 900, "heartbeats of a quiet fleet are advanced, not evaluated (\(advanced) of \(evaluations + advanced))")
            let assessment = await running.instance.assessments()[ObjectKey(namespace: "default", name: "gateway-3")]
            #expect(assessment?.evidence.heartbeat == world.agentHeartbeat("gateway-3"))
            for gateway in gateways { #expect(world.state(gateway) == "UP") }
        }
    }

    /// Acceptance 3: cut watches and a 410 relist in the middle of a transition lose nothing and
    /// double nothing.
    @Test func cutWatchesAndGoneRelistKeepTransitionsExact() async throws {
        try await Self.withOperator { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle: () async -> Void = { _ = await eventually(5) { await running.caughtUp(world, gateways: gateways) } }
            try await world.advance(to: 10, settle: settle)
            await Self.expectState(world, "gateway-1", .up)

            try await world.simulator.stopHeartbeats(gateway: "gateway-1")
            try await world.advance(to: 40, step: 5, settle: settle)
            let listsBefore = world.server.requestLog.filter { $0.isList && $0.resource == "gatewayagents" }.count
            #expect(world.server.cutAllWatches() >= 5)
            try await world.advance(to: 55, step: 5, settle: settle)
            #expect(world.server.requestLog.filter { $0.isList && $0.resource == "gatewayagents" }.count == listsBefore,
                    "a cut watch resumes from its last resourceVersion: no LIST")
            // Every watch cut while the history moves on and is compacted: resuming gets 410 Gone and relists.
            try world.cutWatchesAndForgetHistory()
            try await world.advance(to: 75, settle: settle)
            await Self.expectState(world, "gateway-1", .keepaliveFail)
            let relisted = await eventually(10) {
                world.server.requestLog.filter { $0.isList && $0.resource == "gatewayagents" }.count > listsBefore
            }
            #expect(relisted, "the 410 forced a relist")

            try await world.simulator.resumeHeartbeats(gateway: "gateway-1")
            try world.cutWatchesAndForgetHistory()
            try await world.advance(to: 95, settle: settle)
            await Self.expectState(world, "gateway-1", .up)
            try await world.advance(to: 110, step: 5, settle: settle)

            let counts = try await world.eventCounts(about: "gateway-1", client: running.client)
            // gateway-1's stale heartbeat cost gw-group-1 its redundancy, on both members (§3.11).
            #expect(counts == ["GatewayWaiting": 1, "GatewayUp": 2, "KeepaliveFail": 1, "RedundancyLost": 1, "RedundancyRestored": 1], "\(counts)")
            let other = try await world.eventCounts(about: "gateway-2", client: running.client)
            #expect(other == ["GatewayWaiting": 1, "GatewayUp": 1, "RedundancyLost": 1, "RedundancyRestored": 1], "\(other)")
        }
    }
}
