import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
import KubeEmulator
@testable import OperatorRuntime
import Remediation
import Testing

/// Issue 17, end to end: drafts are written only when something material changes, and the
/// escalation ladder opens drafts for DOWN and for a forbidden restart. Writes are counted in the
/// emulator's request log and in the ticket folder.
extension E2ETests {
    /// Acceptance 2: a CONFIG_FAIL gateway heartbeating every 15 s for 10 minutes: one draft
    /// created, at most 2 updates per sink, no refused request.
    @Test func aConfigFailGatewayHeartbeatingForTenMinutesWritesOneDraftAndAtMostTwoUpdates() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-tickets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = e2eConfig()
        config.tickets.directory = folder.path
        try await Self.withOperator(config: config) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            try await world.advance(to: 10, settle: settle)
            await Self.expectState(world, "gateway-1", .up)
            try await world.simulator.rejectConfig(gateway: "gateway-1")
            _ = try await world.simulator.bumpGeneration(gateway: "gateway-1")
            let start = world.elapsed
            // Every version of the folder's draft files the test saw, one per write (each write
            // carries a new `updatedAt`, and a step is 5 s).
            var folderVersions: [String: [String]] = [:]
            var beats: Set<String> = []
            while world.elapsed < start + 600 {
                try await world.advance(to: world.elapsed + 5, step: 5, settle: settle)
                if let beat = world.agentHeartbeat("gateway-1") { beats.insert(beat) }
                for file in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
                    guard let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) else { continue }
                    if folderVersions[file]?.last != text { folderVersions[file, default: []].append(text) }
                }
            }
            await Self.expectState(world, "gateway-1", .configFail)
            #expect(beats.count >= 39, "the gateway kept heartbeating every 15 s: \(beats.count) heartbeats")

            let drafts = world.ticketDrafts()
            #expect(drafts.count == 1 && drafts.first?.incident == .configFail && drafts.first?.status == .open,
                    "\(drafts.map(\.id))")
            let agent = RunningOperator.userAgent(running.instance.identity)
            let maps = world.server.requestLog.filter { $0.resource == "configmaps" && $0.userAgent == agent && $0.isWrite }
            let created = maps.filter { $0.verb == "create" && $0.code < 300 }
            let patched = maps.filter { $0.verb == "patch" && $0.code < 300 }
            let summary = maps.map { "\($0.verb) \($0.code)" }
            #expect(created.count == 1, "one draft created: \(summary)")
            #expect(patched.count <= 2, "at most 2 updates: \(summary)")
            #expect(maps.allSatisfy { $0.code < 300 }, "no refused request: \(summary)")

            let id = drafts.first?.id ?? "?"
            for file in ["\(id).json", "\(id).md"] {
                let versions = folderVersions[file]?.count ?? 0
                #expect((1...3).contains(versions), "\(file): written \(versions) times (one create, at most 2 updates)")
            }
            #expect(Set(folderVersions.keys) == ["\(id).json", "\(id).md"])
            #expect(world.evictions.isEmpty)
        }
    }

    /// DOWN for 10 minutes with restarts off (the default) opens a draft, with a TicketOpened
    /// Event on the GatewayAgent; nothing is evicted.
    @Test func downForTenMinutesWithRemediationOffOpensADraft() async throws {
        try await Self.withOperator(config: e2eConfig()) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            try await world.advance(to: 10, settle: settle)
            try await world.simulator.crashLoop(gateway: "gateway-1", container: .dataplane)
            var downSince: Date?
            while world.elapsed < 1000 {
                try await world.advance(to: world.elapsed + 5, step: 5, settle: settle)
                if downSince == nil, world.state("gateway-1") == GatewayState.down.rawValue {
                    downSince = world.health("gateway-1")?[path: "status", "since"]?.stringValue.flatMap { KubeTime.parse($0) }
                }
                guard let since = downSince else { continue }
                let lasted = world.clock.now().timeIntervalSince(since)
                if lasted < 600 {
                    #expect(world.ticketDrafts().isEmpty, "no draft before 10 min of DOWN (\(lasted) s)")
                } else if lasted >= 610 {
                    break
                }
            }
            let since = try #require(downSince, "gateway-1 went DOWN")
            await Self.expectState(world, "gateway-1", .down)
            let drafts = world.ticketDrafts(of: "gateway-1")
            #expect(drafts.count == 1, "\(drafts.map(\.id))")
            let draft = try #require(drafts.first)
            #expect(draft.incident == .down && draft.status == .open && draft.severity == .critical)
            #expect(draft.since == since)
            #expect(draft.escalations.map(\.step) == [.down])
            #expect(draft.escalations.first?.text.contains(KubeTime.format(since)) == true, "the line carries the instant")
            let events = try await world.events(about: "gateway-1")
            let opened = events.filter { $0.reason == "TicketOpened" }
            #expect(opened.count == 1 && opened.first?.count ?? 1 == 1, "\(events.map { "\($0.reason ?? ""): \($0.message ?? "")" })")
            #expect(opened.first?.type == "Warning")
            #expect(opened.first?.message?.contains(draft.id) == true)
            #expect(world.evictions.isEmpty, "restarts are off")
        }
    }

    /// A 403 on the eviction opens a draft at once, quoting the refusal; remediation then holds
    /// (no second attempt however many cooldowns pass) until the gateway is UP.
    @Test func aForbiddenEvictionOpensADraftAtOnceAndIsNotRetried() async throws {
        let config = remediationConfig { $0.cooldown = 60; $0.inFlightTimeout = 60 }
        try await Self.withOperator(config: config) { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle = Self.settler(world, running, gateways)
            try await world.advance(to: 10, settle: settle)
            world.server.failNext(1, status: 403, matching: RequestMatcher(verb: "create", resource: "pods", subresource: "eviction"))
            try await world.simulator.crashLoop(gateway: "gateway-1", container: .dataplane)
            func attempts() -> [RequestRecord] {
                world.server.requestLog.filter { $0.verb == "create" && $0.subresource == "eviction" }
            }
            var refusedAt: TimeInterval?
            while world.elapsed < 600 {
                try await world.advance(to: world.elapsed + 5, step: 5, settle: settle)
                if refusedAt == nil, !attempts().isEmpty {
                    refusedAt = world.elapsed
                    // The draft opened in the same reconcile as the refusal.
                    let drafts = world.ticketDrafts(of: "gateway-1").filter { $0.incident == .remediationRefused }
                    #expect(drafts.count == 1 && drafts.first?.status == .open, "\(world.ticketDrafts().map(\.id))")
                    #expect(drafts.first?.summary.contains("injected fault: HTTP 403") == true, "the refusal quoted: \(drafts.first?.summary ?? "")")
                    #expect(drafts.first?.escalations.map(\.step) == [.evictionForbidden])
                }
            }
            try #require(refusedAt != nil, "an eviction was attempted")
            #expect(attempts().map(\.code) == [403], "one attempt, never retried: \(attempts().map { "\($0.name ?? "") \($0.code)" })")
            let record = world.remediationRecord("gateway-1")
            #expect(record?.refusals?.forbidden == true && record?.refusals?.count == 1)
            #expect(record?.lastAction?.result == .forbidden)
            let events = try await world.eventCounts(about: "gateway-1", client: running.client)
            #expect(events["EvictionForbidden"] == 1, "\(events)")
            #expect(events["TicketOpened"] == 1, "\(events)")
            let skips = try await world.events(about: "gateway-1").filter {
                $0.reason == "RemediationSkipped" && ($0.message ?? "").hasPrefix("EvictionForbidden: ")
            }
            #expect(skips.count == 1, "held, said once")
        }
    }
}
