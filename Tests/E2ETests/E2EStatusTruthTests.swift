import FabricSimulator
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeEmulator
@testable import OperatorRuntime
import Testing
import TestSupport

/// Issue 17: a GatewayHealth status that tells the truth however long it goes unwritten.
extension E2ETests {
    /// Acceptance 5: `kubectl get gatewayhealths`, read twice 5 minutes of scaled time apart on a
    /// healthy fleet, shows a live SINCE and no field that claims an age; `observedGeneration`
    /// follows the API conventions, so `kubectl wait --for=condition=Ready` works.
    @Test func kubectlShowsALiveSinceAndNoAge() async throws {
        let gateways = ["gateway-1", "gateway-2"]
        try await Self.withOperator(gateways: 2) { world, running in
            let settle: () async -> Void = { _ = await eventually(5) { await running.caughtUp(world, gateways: gateways) } }
            try await world.advance(to: 30, settle: settle)
            for gateway in gateways { await Self.expectState(world, gateway, .up) }
            guard let first = try await world.kubectl(["--request-timeout=10s", "get", "gatewayhealths"]) else {
                missingTool("kubectl not installed: kubectlShowsALiveSinceAndNoAge skipped")
                return
            }
            #expect(first.status == 0, "\(first.output)")
            let statusWrites = await running.instance.writeCounts().statusWrites
            let since = try #require(world.health("gateway-1")?[path: "status", "since"]?.stringValue)

            try await world.advance(to: 330, step: 15, settle: settle)
            let second = try #require(try await world.kubectl(["--request-timeout=10s", "get", "gatewayhealths"]))
            #expect(second.status == 0, "\(second.output)")
            #expect(await running.instance.writeCounts().statusWrites == statusWrites, "a healthy fleet: nothing written in between")
            #expect(world.health("gateway-1")?[path: "status", "since"]?.stringValue == since)
            for table in [first.output, second.output] {
                #expect(Self.header(table) == ["NAME", "STATE", "REASON", "SINCE", "APPLIED", "CURRENT", "BGP", "AGE"], "\(table)")
            }
            // SINCE is rendered from status.since at each read: 5 minutes later it says 5 minutes more.
            let before = try #require(Self.cell(first.output, row: "gateway-1", column: "SINCE").flatMap(Self.seconds))
            let after = try #require(Self.cell(second.output, row: "gateway-1", column: "SINCE").flatMap(Self.seconds))
            #expect(after - before == 300, "SINCE \(before) s, then \(after) s:\n\(first.output)\n\(second.output)")
            #expect(Self.cell(second.output, row: "gateway-1", column: "STATE") == "UP")

            // Nothing persisted claims an age: no field named for one, no message quoting one.
            let json = try #require(try await world.kubectl(["--request-timeout=10s", "get", "gatewayhealths", "-o", "json"]))
            let items = try #require(try JSONValue.parse(json.output)["items"]?.arrayValue)
            #expect(items.count == 2)
            for item in items {
                let status = try #require(item["status"])
                for (path, key) in Self.keys(status) {
                    #expect(!key.contains("Age") && key.lowercased() != "age" && !key.hasSuffix("Seconds"), "status\(path)")
                }
                for text in Self.strings(status) {
                    #expect(text.firstMatch(of: /\d+s old|\d+s ago| for \d+(m\d+)?s\b/) == nil, "an age in \"\(text)\"")
                }
                #expect(status["heartbeat"] == nil && status["nextCheck"] == nil && status[path: "evidence", "heartbeat"] == nil,
                        "what changes with every heartbeat is not persisted while fresh")
            }

            // API conventions: observedGeneration is the GatewayHealth's own generation (kstatus
            // tools compare them), the GatewayAgent's that was judged is agentGeneration.
            let agentGeneration = try await world.simulator.bumpGeneration(gateway: "gateway-2")
            try await world.advance(to: 340, settle: settle)
            for gateway in gateways {
                let health = try #require(world.health(gateway))
                let generation = try #require(health[path: "metadata", "generation"]?.intValue)
                #expect(health[path: "status", "observedGeneration"]?.intValue == generation, "\(gateway)")
                let conditions = health[path: "status", "conditions"]?.arrayValue ?? []
                #expect(conditions.count == ConditionType.all.count && conditions.allSatisfy { $0["observedGeneration"]?.intValue == generation }, "\(gateway)")
            }
            #expect(world.health("gateway-2")?[path: "status", "agentGeneration"]?.intValue == agentGeneration)

            // Someone edits the GatewayHealth's spec and reverts it: generation 3. The operator
            // writes the new observedGeneration, and kubectl wait (which waits for it) returns.
            for namespace in ["elsewhere", "default"] {
                _ = try world.server.store.patch(.gatewayHealths, namespace: "default", name: "gateway-1",
                                                 ["spec": ["gatewayAgent": ["namespace": .string(namespace)]]])
            }
            #expect(world.health("gateway-1")?[path: "metadata", "generation"]?.intValue == 3)
            let wait = try #require(try await world.kubectl(["wait", "--for=condition=Ready", "gatewayhealth/gateway-1", "--timeout=30s"],
                                                            timeout: 40))
            #expect(wait.status == 0, "\(wait.output)")
            #expect(world.health("gateway-1")?[path: "status", "observedGeneration"]?.intValue == 3)
        }
    }

    /// Issue 17: a gateway whose clock runs 60 s behind, heartbeating on schedule, is UP (Heartbeat
    /// True HeartbeatClockSkew), also for an operator started later; when its heartbeats stop it
    /// is stale 46 s after the last one arrived.
    @Test func gatewayClockBehindIsFreshWhileItWrites() async throws {
        let gateways = ["gateway-1", "gateway-2"]
        try await Self.withOperator(gateways: 2) { world, running in
            let settle: () async -> Void = { _ = await eventually(5) { await running.caughtUp(world, gateways: gateways) } }
            try await world.simulator.setClockSkew(gateway: "gateway-1", behind: 60)
            try await world.advance(to: 120, step: 5, settle: settle)
            await Self.expectState(world, "gateway-1", .up)
            let heartbeat = { world.health("gateway-1")?[path: "status", "conditions"]?.arrayValue?.first { $0["type"] == "Heartbeat" } }
            #expect(heartbeat()?["reason"]?.stringValue == "HeartbeatClockSkew", "\(String(describing: heartbeat()))")
            #expect(heartbeat()?["message"]?.stringValue?.contains("the gateway's clock is about 1m0s behind the operator's") == true,
                    "\(String(describing: heartbeat()))")

            // A restart (or a new leader) reads the measured offset back from the status.
            await running.stop()
            let next = try RunningOperator.start(world, config: e2eConfig(), identity: "medic-b")
            let settleNext: () async -> Void = { _ = await eventually(5) { await next.caughtUp(world, gateways: gateways) } }
            try await world.advance(to: 200, step: 5, settle: settleNext)
            await Self.expectState(world, "gateway-1", .up)
            var counts = try await world.eventCounts(about: "gateway-1", client: next.client)
            #expect(counts["KeepaliveFail"] == nil && counts["GatewayDown"] == nil, "\(counts)")

            // It really stops: stale 46 s after the last heartbeat arrived, on the operator's clock.
            try await world.simulator.stopHeartbeats(gateway: "gateway-1")
            try await world.advance(to: 240, step: 5, settle: settleNext)
            #expect(world.state("gateway-1") == "UP", "within 45 s of the last heartbeat")
            try await world.advance(to: 265, step: 5, settle: settleNext)
            await Self.expectState(world, "gateway-1", .keepaliveFail)
            #expect(heartbeat()?["reason"]?.stringValue == "HeartbeatStale")
            #expect(heartbeat()?["message"]?.stringValue?.contains("on the operator's clock") == true, "\(String(describing: heartbeat()))")
            counts = try await world.eventCounts(about: "gateway-1", client: next.client)
            #expect(counts["KeepaliveFail"] == 1, "\(counts)")
            await Self.expectState(world, "gateway-2", .up)
            await next.stop()
        }
    }

    // MARK: Reading kubectl's table

    static func header(_ table: String) -> [String] {
        table.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) } ?? []
    }

    /// The cell of `column` in the row whose first cell is `row` (cells hold no spaces here).
    static func cell(_ table: String, row: String, column: String) -> String? {
        guard let index = header(table).firstIndex(of: column) else { return nil }
        let line = table.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == row }
        return line.flatMap { $0.indices.contains(index) ? $0[index] : nil }
    }

    /// kubectl's short ages (`45s`, `5m30s`, `5m`, `2h10m`) in seconds.
    static func seconds(_ age: String) -> Int? {
        var total = 0
        var number = 0
        for character in age {
            if let digit = character.wholeNumberValue {
                number = number * 10 + digit
                continue
            }
            switch character {
            case "s": total += number
            case "m": total += number * 60
            case "h": total += number * 3600
            case "d": total += number * 86400
            default: return nil
            }
            number = 0
        }
        return total
    }

    /// Every object key under `value`, with its path.
    static func keys(_ value: JSONValue, _ path: String = "") -> [(String, String)] {
        switch value {
        case .object(let object):
            object.flatMap { key, child in [(path + "." + key, key)] + keys(child, path + "." + key) }
        case .array(let array):
            array.enumerated().flatMap { keys($1, path + "[\($0)]") }
        default: []
        }
    }

    /// Every string under `value`.
    static func strings(_ value: JSONValue) -> [String] {
        switch value {
        case .string(let text): [text]
        case .object(let object): object.values.flatMap(strings)
        case .array(let array): array.flatMap(strings)
        default: []
        }
    }
}
