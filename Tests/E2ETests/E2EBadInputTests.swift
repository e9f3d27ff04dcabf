import FabricSimulator
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import KubeEmulator
@testable import OperatorRuntime
import Testing
import TestSupport

/// Bad objects end to end (docs/reliability.md, Bad input): the operator against the emulator
/// and a simulated fabric of three gateways, gateway-2 made bad. Each test checks that the
/// operator keeps running, that gateway-1 and gateway-3 stay exactly right (every heartbeat
/// seen, one GatewayUp Event each, nothing lost or doubled), that gateway-2 gets a GatewayHealth
/// with a reason, and that gateway-2 recovers once its dataplane writes a sane status again
/// (the watch was not wedged by the bad event).
extension E2ETests {
    static let good = ["gateway-1", "gateway-3"]
    static let all = ["gateway-1", "gateway-2", "gateway-3"]

    /// Runs the scenario: UP at t=10, gateway-2's heartbeats stop and `inject` makes it bad,
    /// `check` at t=30, heartbeats resume, UP again by t=60.
    static func withBadGateway(inject: (E2EWorld) async throws -> Void,
                               check: (E2EWorld, RunningOperator) async throws -> Void) async throws {
        try await withOperator(gateways: 3) { world, running in
            let settle: () async -> Void = { _ = await eventually(5) { await running.caughtUp(world, gateways: good) } }
            try await world.advance(to: 10, settle: settle)
            for gateway in all { await expectState(world, gateway, .up) }

            try await world.simulator.stopHeartbeats(gateway: "gateway-2")
            try await inject(world)
            try await world.advance(to: 30, step: 5, settle: settle)
            try await check(world, running)
            if ProcessInfo.processInfo.environment["E2E_DEBUG"] != nil, let health = world.health("gateway-2") {
                let conditions = (health[path: "status", "conditions"]?.arrayValue ?? []).map {
                    "\($0["type"]?.stringValue ?? "")=\($0["status"]?.stringValue ?? "")/\($0["reason"]?.stringValue ?? "")"
                }
                print("gateway-2 at t+30: \(world.state("gateway-2") ?? "-") \(health[path: "status", "reason"]?.stringValue ?? "") "
                      + "\(conditions) problems=\(problems(health) ?? []) size=\(health.serialized().count)")
            }
            #expect(await eventually(10) { await running.caughtUp(world, gateways: good) }, "the other gateways' heartbeats all arrived")
            for gateway in good { await expectState(world, gateway, .up) }

            try await world.simulator.resumeHeartbeats(gateway: "gateway-2")
            try await world.advance(to: 60, step: 5, settle: settle)
            await expectState(world, "gateway-2", .up)
            #expect(await eventually(10) { await running.caughtUp(world, gateways: all) }, "gateway-2's later updates arrived")
            #expect(world.health("gateway-2").flatMap(problems)?.isEmpty == true, "no problem left after recovery")
            for gateway in good {
                let counts = try await world.eventCounts(about: gateway, client: running.client)
                #expect(counts == ["GatewayWaiting": 1, "GatewayUp": 1], "\(gateway): \(counts)")
            }
            #expect(!running.task.isCancelled)
        }
    }

    static func problems(_ health: JSONValue) -> [String]? {
        health[path: "status", "evidence", "problems"]?.arrayValue?.map { "\($0["path"]?.stringValue ?? ""): \($0["issue"]?.stringValue ?? "")" }
    }

    static func condition(_ world: E2EWorld, _ gateway: String, _ type: String) -> String? {
        let conditions = world.health(gateway)?[path: "status", "conditions"]?.arrayValue ?? []
        guard let c = conditions.first(where: { $0["type"]?.stringValue == type }) else { return nil }
        return "\(c["status"]?.stringValue ?? "")/\(c["reason"]?.stringValue ?? "")"
    }

    /// Replaces gateway-2's GatewayAgent status in the emulator (as a broken dataplane would).
    static func editStatus(_ world: E2EWorld, _ edit: (inout JSONValue) -> Void) throws {
        var object = try world.server.store.get(.gatewayAgents, namespace: "default", name: "gateway-2")
        var status = object["status"] ?? [:]
        edit(&status)
        object["status"] = status
        try world.server.store.updateStatus(.gatewayAgents, object, namespace: "default")
    }

    /// Forgets the emulator's history and cuts every watch: the operator must relist, and the
    /// list carries the bad object too.
    static func forceRelist(_ world: E2EWorld) async {
        let lists = world.server.requestLog.filter { $0.isList && $0.resource == "gatewayagents" }.count
        #expect(throws: Never.self) { try world.cutWatchesAndForgetHistory() }
        let relisted = await eventually(10) {
            world.server.requestLog.filter { $0.isList && $0.resource == "gatewayagents" && $0.code == 200 }.count > lists
        }
        #expect(relisted, "the operator relisted the GatewayAgents")
    }

    @Test func badInputWrongTypesInStatus() async throws {
        try await Self.withBadGateway(inject: { world in
            try Self.editStatus(world) { status in
                status["lastHeartbeat"] = 1_776_445_200
                status["lastAppliedGen"] = "ten"
                status["agentVersion"] = ["not", "a", "string"]
                status["state"] = ["frr": "stuck", "bgp": ["vrfs": ["default": ["neighbors": ["172.30.128.12": "up"]]]], "vpcs": [1, 2]]
            }
        }, check: { world, _ in
            let reached = await eventually(10) { Self.condition(world, "gateway-2", "Heartbeat") == "Unknown/HeartbeatUnparseable" }
            #expect(reached, "Heartbeat: \(Self.condition(world, "gateway-2", "Heartbeat") ?? "none")")
            #expect(Self.condition(world, "gateway-2", "ConfigApplied") == "Unknown/AppliedGenerationInvalid")
            // The unparseable heartbeat changed 20 s ago on the operator's clock: still trusted as fresh.
            #expect(world.state("gateway-2") == "UP")
            let problems = world.health("gateway-2").flatMap(Self.problems) ?? []
            for path in ["status.lastHeartbeat", "status.lastAppliedGen", "status.state.frr", "status.state.vpcs"] {
                #expect(problems.contains { $0.hasPrefix(path + ":") }, "\(path) in \(problems)")
            }
        })
    }

    @Test func badInputTenThousandBGPNeighbours() async throws {
        try await Self.withBadGateway(inject: { world in
            let beat = JSONValue.string(KubeTime.format(world.clock.now()))
            try Self.editStatus(world) { status in
                var neighbors = status[path: "state", "bgp", "vrfs", "default", "neighbors"]?.objectValue ?? [:]
                for i in 0..<10_000 {
                    neighbors["10.\(i / 250).\(i % 250).1"] = ["enabled": true, "sessionState": "established", "peerAS": 65100,
                                                             "establishedTransitions": 1, "connectionsDropped": 0]
                }
                status["lastHeartbeat"] = beat
                if case .object(var state) = status["state"] ?? [:] {
                    state["bgp"] = ["vrfs": ["default": ["neighbors": .object(neighbors)]]]
                    status["state"] = .object(state)
                }
            }
        }, check: { world, _ in
            let judged = await eventually(10) { world.health("gateway-2")?[path: "status", "bgp"]?.stringValue == "1024/1024" }
            #expect(judged, "bgp: \(world.health("gateway-2")?[path: "status", "bgp"]?.stringValue ?? "none")")
            #expect(world.state("gateway-2") == "UP")
            let problems = world.health("gateway-2").flatMap(Self.problems) ?? []
            #expect(problems.contains { $0.contains("neighbours reported; only 1024 are judged") }, "\(problems)")
            let size = world.health("gateway-2").map { $0.serialized().count } ?? 0
            #expect(size < 512 << 10, "the GatewayHealth stays far below etcd's 1.5 MiB (\(size) bytes)")
        })
    }

    @Test func badInputNestingDeeperThanTheCodecLimit() async throws {
        try await Self.withBadGateway(inject: { world in
            var deep: JSONValue = "bottom"
            for _ in 0..<(JSONValue.maximumDepth + 50) { deep = ["down": deep] }
            let beat = JSONValue.string(KubeTime.format(world.clock.now()))
            try Self.editStatus(world) { status in
                status["lastHeartbeat"] = beat
                status["debug"] = deep
            }
        }, check: { world, _ in
            let marked = await eventually(10) {
                (world.health("gateway-2").flatMap(Self.problems) ?? []).contains { $0.contains("nested deeper than 256 levels were dropped") }
            }
            #expect(marked, "problems: \(world.health("gateway-2").flatMap(Self.problems) ?? [])")
            #expect(world.state("gateway-2") == "UP", "the rest of the object is read and judged")
            await Self.forceRelist(world)
            let beat = world.agentHeartbeat("gateway-1")
            try await world.advance(to: 35, step: 5)
            #expect(await eventually(10) { world.agentHeartbeat("gateway-1") != beat }, "the fabric moved on")
            #expect(await eventually(10) { world.health("gateway-2").flatMap(Self.problems)?.isEmpty == false },
                    "after the relist gateway-2 is still read in part, with its reason")
        })
    }

    @Test func badInputInvalidUTF8() async throws {
        try await Self.withBadGateway(inject: { world in
            // A proxy corrupting bytes: the event is served raw to the operator's next
            // GatewayAgent watch, with invalid UTF-8 in the heartbeat, a string and a map key.
            var object = try world.server.store.get(.gatewayAgents, namespace: "default", name: "gateway-2")
            object["status"]?["lastHeartbeat"] = "BAD-HEARTBEAT"
            object["status"]?["agentVersion"] = "BAD-VERSION"
            // Without a resourceVersion: the cache takes an event with the version it holds as
            // a repeat, and the watch must resume from the last genuine version anyway.
            object["metadata"]?["resourceVersion"] = nil
            var bytes = Array((["type": "MODIFIED", "object": object] as JSONValue).jsonString.utf8) + [0x0A]
            bytes = Self.replace(bytes, "BAD-HEARTBEAT", with: Array("2026-04-17T17:00:00Z".utf8) + [0xFF, 0xFE])
            bytes = Self.replace(bytes, "BAD-VERSION", with: [0x76, 0xC3, 0x28, 0xED, 0xA0, 0x80])
            world.server.serveRawNext(1, bytes: bytes, matching: RequestMatcher(verb: "watch", resource: "gatewayagents"))
            world.server.cutAllWatches()
        }, check: { world, _ in
            let reached = await eventually(10) { Self.condition(world, "gateway-2", "Heartbeat") == "Unknown/HeartbeatUnparseable" }
            #expect(reached, "Heartbeat: \(Self.condition(world, "gateway-2", "Heartbeat") ?? "none")")
            let heartbeat = world.health("gateway-2")?[path: "status", "evidence", "heartbeat"]?.stringValue
            #expect(heartbeat == nil || heartbeat?.contains("\u{FFFD}") == true, "repaired, never raw bytes: \(heartbeat ?? "nil")")
            let problems = world.health("gateway-2").flatMap(Self.problems) ?? []
            #expect(problems.contains { $0.hasPrefix("status.lastHeartbeat: not an RFC 3339 time") }, "\(problems)")
            #expect(world.state("gateway-2") == "UP")
        })
    }

    @Test func badInputFiftyMegabyteObject() async throws {
        try await Self.withBadGateway(inject: { world in
            try Self.editStatus(world) { status in
                status["blob"] = .string(String(repeating: "x", count: 50 << 20))
            }
        }, check: { world, _ in
            let reached = await eventually(15) { Self.condition(world, "gateway-2", "Heartbeat") == "Unknown/ObjectUnreadable" }
            #expect(reached, "Heartbeat: \(Self.condition(world, "gateway-2", "Heartbeat") ?? "none")")
            let problems = world.health("gateway-2").flatMap(Self.problems) ?? []
            #expect(problems.contains { $0.contains("exceeds the client's 16777216-byte limit") }, "\(problems)")
            #expect(Self.condition(world, "gateway-2", "BGPEstablished") == "Unknown/BGPStateMissing", "nothing of the body is guessed")
            // A relist gets the object in a list page: the same stub, and the watch goes on.
            await Self.forceRelist(world)
            let beat = world.agentHeartbeat("gateway-1")
            try await world.advance(to: 35, step: 5)
            #expect(await eventually(10) { world.agentHeartbeat("gateway-1") != beat })
            #expect(await eventually(15) { Self.condition(world, "gateway-2", "Heartbeat") == "Unknown/ObjectUnreadable" })
        })
    }

    static func replace(_ bytes: [UInt8], _ marker: String, with replacement: [UInt8]) -> [UInt8] {
        let pattern = Array(marker.utf8)
        guard let start = (0...(bytes.count - pattern.count)).first(where: { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }) else {
            return bytes
        }
        return Array(bytes[..<start]) + replacement + Array(bytes[(start + pattern.count)...])
    }
}
