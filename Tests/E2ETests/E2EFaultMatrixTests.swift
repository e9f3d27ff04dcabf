import FabricSimulator
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import KubeEmulator
@testable import OperatorRuntime
import OperatorTestSupport
import Testing
import TestSupport

/// Issue 8's fault matrix, end to end (docs/reliability.md): the operator over HTTPS against
/// the emulator, the simulated fabric changing state while each fault is on, the world's clock
/// stepped a second at a time. Each test checks the final GatewayHealth states, every transition
/// Event exactly once (summing `count`), no eviction, the operator still running and its memory
/// bounded by the fleet.
extension E2ETests {
    @Test func faultEmulatorRestartsMidRun() async throws {
        try await Self.withFaultRun { run in
            let world = run.world
            let rss = ProcessMemory.residentBytes()
            try await run.run(to: run.script.faultStart)
            let faultStart = world.server.requestLog.count
            var restarts = 0
            var compaction: (index: Int, version: Int64)?
            try await run.run(to: run.script.faultEnd, inject: { elapsed in
                let t = Int(elapsed.rounded())  // the clock's Date arithmetic is not exact
                // A plain restart at 30 s (watches resume from their resourceVersion); at 60 s one
                // whose new watch cache starts after the operator's versions (the history moved
                // on while it was down, and was compacted): 410 Gone, relist.
                if t == 30 {
                    try await world.server.restart()
                    restarts += 1
                }
                if t == 60 {
                    #expect(world.informerLists(since: faultStart).isEmpty, "the first restart was resumed, not relisted")
                    await world.server.stop()
                    try world.server.store.create(.configMaps, ["metadata": ["name": "e2e-history-moved-on", "namespace": "default"]])
                    world.server.compact()
                    compaction = (world.server.requestLog.count, world.server.store.resourceVersion)
                    try await world.server.start()
                    restarts += 1
                }
            })
            try await run.run(to: run.script.end)
            #expect(restarts == 2)
            #expect(world.server.isListening)
            let compacted = try #require(compaction)
            let lists = world.informerLists(since: faultStart)
            let gone = world.watchesAnsweredGone(since: compacted.index, compactedAt: compacted.version)
            Self.expectOneRelistPerGone(lists: lists, gone: gone, log: run.log)
            #expect(gone == Self.informerResources, "every watch resumed from before the compaction")
            print("fault-matrix observed [restart]: \(restarts) restarts, relists \(lists.sorted { $0.key < $1.key }), "
                  + "watches answered 410 \(gone.sorted()), watch interruptions \(run.running.instance.watchInterruptions)")
            await run.expectOutcome(rssBefore: rss)
        }
    }

    /// Issue 23's acceptance: every watch cut every 3 s for a minute, every other cut in the
    /// middle of a line. Beyond the initial sync no LIST but the one relist of each kind whose
    /// resume met the compaction's 410 (proved by the request log), and every transition Event
    /// exactly once.
    @Test func faultWatchesCutEveryFewSecondsForAMinute() async throws {
        try await Self.withFaultRun { run in
            let world = run.world
            let rss = ProcessMemory.residentBytes()
            try await run.run(to: run.script.faultStart)
            let faultStart = world.server.requestLog.count
            var cuts = 0
            var compaction: (index: Int, version: Int64)?
            try await run.run(to: run.script.faultEnd, inject: { elapsed in
                let t = Int(elapsed.rounded())  // the clock's Date arithmetic is not exact
                // Every 3 s of world time for the minute; every other cut lands in the middle of
                // the next line each watch gets (an event or a bookmark). Bookmarks keep every
                // resume point fresh, so a compaction alone forces no 410. Once, the watches are
                // kept away (503) for a second, the history moves on meanwhile and is compacted:
                // every resume then meets 410 Gone.
                if t == 52 {
                    try world.server.store.create(.configMaps, ["metadata": ["name": "e2e-history-moved-on", "namespace": "default"]])
                    world.server.compact()
                    compaction = (world.server.requestLog.count, world.server.store.resourceVersion)
                    world.server.clearFaults()
                }
                guard t % 3 == 0 else { return }
                if t == 51 {
                    #expect(world.informerLists(since: faultStart).isEmpty, "no LIST for 10 cuts without 410")
                    world.server.failNext(1_000_000, status: 503, matching: RequestMatcher(verb: "watch"))
                }
                if t % 6 == 0 {
                    // Armed watches are cut at their next line; the next bookmark comes within 50 ms.
                    let before = world.server.midLineCutCount
                    let armed = world.server.cutWatchesMidLine()
                    _ = await eventually(2) { world.server.midLineCutCount >= before + armed }
                    cuts += armed
                } else {
                    cuts += world.server.cutAllWatches()
                }
            })
            try await run.run(to: run.script.end)
            #expect(cuts >= 20, "\(cuts) watches cut")
            #expect(world.server.midLineCutCount >= 20, "\(world.server.midLineCutCount) cuts in the middle of a line")
            #expect(run.running.instance.watchInterruptions >= 20, "every cut was seen")
            let compacted = try #require(compaction)
            let lists = world.informerLists(since: faultStart)
            let gone = world.watchesAnsweredGone(since: compacted.index, compactedAt: compacted.version)
            Self.expectOneRelistPerGone(lists: lists, gone: gone, log: run.log)
            #expect(gone == Self.informerResources, "every watch kept away resumed from before the compaction")
            let resumed = run.log.messages.filter { $0.contains("watch cut, resumed from") }.count
            print("fault-matrix observed [cuts]: \(cuts) watches cut (\(world.server.midLineCutCount) mid-line), "
                  + "\(run.running.instance.watchInterruptions) interruptions, \(resumed) resumes, "
                  + "relists \(lists.sorted { $0.key < $1.key }) after 410 on \(gone.sorted())")
            await run.expectOutcome(rssBefore: rss)
        }
    }

    static let informerResources: Set = ["gateways", "gatewaypeerings", "gatewayagents", "pods", "agents", "gatewayhealths"]

    /// Exactly one LIST of each kind whose resume the emulator answered 410, none of the others,
    /// and the log line of each relist names the 410 (no "relisting" without one).
    static func expectOneRelistPerGone(lists: [String: Int], gone: Set<String>, log: CapturedLog,
                                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(lists == Dictionary(uniqueKeysWithValues: gone.map { ($0, 1) }),
                "LISTs after the initial sync \(lists); watches answered 410: \(gone.sorted())", sourceLocation: sourceLocation)
        let relisting = log.messages.filter { $0.contains(", relisting") || $0.contains("; relisting") }
        let named = Set(relisting.compactMap { line -> String? in
            guard line.contains("410 Gone at "), let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        })
        #expect(named == gone && relisting.count == gone.count, "relist log lines: \(relisting)", sourceLocation: sourceLocation)
    }

    /// With restarts enabled: failures must never turn into a restart nobody planned.
    @Test func faultThirtyPercentOfRequestsFailForAMinute() async throws {
        let script = FaultScript(crash: false, remediation: true)
        try await Self.withFaultRun(script: script, config: remediationConfig()) { run in
            let world = run.world
            let rss = ProcessMemory.residentBytes()
            try await run.run(to: script.faultStart)
            let faultStart = world.server.requestLog.count
            world.server.failRandomly(fraction: 0.3, statuses: [500, 503, 429], retryAfter: 1, seed: 8)
            try await run.run(to: script.faultEnd, inject: { t in
                // Watches re-open every 10 s, so every informer's requests meet the failures too.
                if Int(t) % 10 == 0 { world.server.cutAllWatches() }
            })
            let failed = world.server.stopFailingRandomly()
            try await run.run(to: script.end)
            #expect(failed >= 5, "\(failed) requests failed")
            let statuses = Set(world.server.requestLog.filter { [500, 503, 429].contains($0.code) }.map(\.code))
            #expect(statuses.count >= 2, "failures seen: \(statuses)")
            let operatorFailures = world.server.requestLog.filter { $0.userAgent.hasPrefix("gateway-medic/") && [500, 503, 429].contains($0.code) }
            print("fault-matrix observed [5xx/429]: \(failed) requests failed (operator: \(operatorFailures.count), codes \(statuses.sorted())), "
                  + "\(run.running.instance.watchInterruptions) watch interruptions, lists after the initial sync \(world.informerLists(since: faultStart)), "
                  + "evictions \(world.evictions.count), drafts \(world.ticketDrafts().map(\.gateway))")
            #expect(world.ticketDrafts().allSatisfy { $0.gateway == "gateway-1" }, "\(world.ticketDrafts().map(\.id))")
            await run.expectOutcome(rssBefore: rss)
        }
    }

    @Test func faultStatusWritesConflictWithAConcurrentWriter() async throws {
        try await Self.withFaultRun { run in
            let world = run.world
            let rss = ProcessMemory.residentBytes()
            try await run.run(to: run.script.faultStart)
            // Another controller keeps annotating the GatewayHealths over HTTP (its own reads, its
            // own resourceVersions, 409s of its own retried)...
            let writer = ConcurrentWriter(client: try world.faultClient(userAgent: "e2e-concurrent-writer/1"))
            let writing = Task { await writer.run(gateways: FaultScript.gateways) }
            // ...and, so the race is certain, wins it right before 8 of the operator's status writes.
            let store = world.server.store
            world.server.interleave(times: 8, matching: RequestMatcher(
                verb: "patch", resource: "gatewayhealths", subresource: "status",
                where: { $0.userAgent.hasPrefix("gateway-medic/") })) { info in
                _ = try? store.patch(.gatewayHealths, namespace: info.namespace, name: info.name ?? "",
                                     ["metadata": ["annotations": ["e2e/raced": .string(UUID().uuidString)]]],
                                     fieldManager: "e2e-concurrent-writer")
            }
            try await run.run(to: run.script.faultEnd)
            writing.cancel()
            let writes = await writing.value
            writer.client.shutdown()
            try await run.run(to: run.script.end)
            let conflicts = world.operatorRequests(code: 409).filter { $0.resource == "gatewayhealths" }
            #expect(conflicts.count >= 8, "the operator's status writes met \(conflicts.count) conflicts")
            #expect(writes > 0, "the concurrent writer wrote \(writes) times")
            let statusWrites = world.server.requestLog.filter { $0.userAgent.hasPrefix("gateway-medic/") && $0.subresource == "status" }
            print("fault-matrix observed [409]: \(conflicts.count) conflicts of \(statusWrites.count) status writes; the other writer wrote \(writes) times")
            await run.expectOutcome(rssBefore: rss)
        }
    }

    @Test func faultServiceAccountTokenRotatesOnDisk() async throws {
        let rotated = "e2e-rotated-\(UUID().uuidString)"
        E2EOutputRecord.secret(rotated)
        var tokenPath = ""
        try await Self.withFaultRun(credentials: { world in
            tokenPath = world.pki.directory.appendingPathComponent("token").path
            try world.token.write(toFile: tokenPath, atomically: true, encoding: .utf8)
            return try TokenFileCredentials(path: tokenPath, origin: "e2e service account")
        }) { run in
            let world = run.world
            let rss = ProcessMemory.residentBytes()
            try await run.run(to: run.script.faultStart)
            let faultStart = world.server.requestLog.count
            try await run.run(to: run.script.faultEnd, inject: { t in
                // The old token stops working first (cut watches re-authenticate), and only 5 s
                // later the kubelet's new token lands in the file (atomically, as its symlink swap).
                if t == 25 {
                    world.server.acceptBearerTokens([rotated])
                    world.server.cutAllWatches()
                }
                if t == 30 { try "\(rotated)\n".write(toFile: tokenPath, atomically: true, encoding: .utf8) }
            })
            try await run.run(to: run.script.end)
            let refused = world.operatorRequests(code: 401)
            #expect(!refused.isEmpty, "the old token was refused")
            let lastRefused = world.server.requestLog.lastIndex { $0.userAgent.hasPrefix("gateway-medic/") && $0.code == 401 } ?? 0
            let laterWrites = world.server.requestLog[(lastRefused + 1)...].filter {
                $0.userAgent.hasPrefix("gateway-medic/") && $0.isWrite && $0.code < 300
            }
            #expect(!laterWrites.isEmpty, "the operator wrote again with the new token")
            print("fault-matrix observed [token]: \(refused.count) requests refused with 401, \(laterWrites.count) writes after the last 401, "
                  + "lists after the initial sync \(world.informerLists(since: faultStart))")
            let stale = try world.faultClient(userAgent: "e2e-stale-token/1")  // still holds the old token
            defer { stale.shutdown() }
            await #expect(throws: KubeError.self) { _ = try await stale.get(.gatewayHealths, namespace: "default", name: "gateway-1") }
            await run.expectOutcome(rssBefore: rss)
        }
    }

    /// Two minutes of connection refused while gateway-1 loses its heartbeats; restarts enabled.
    @Test func faultAPIServerUnreachableForTwoMinutes() async throws {
        let script = FaultScript(faultStart: 20, faultEnd: 140, stopHeartbeatsAt: 30, resumeHeartbeatsAt: 190,
                                 crash: false, end: 230, remediation: true)
        try await Self.withFaultRun(script: script, config: remediationConfig()) { run in
            let world = run.world
            let rss = ProcessMemory.residentBytes()
            try await run.run(to: script.faultStart)
            await world.server.stop()
            let probe = try world.faultClient(userAgent: "e2e-probe/1")
            await #expect(throws: KubeError.self) { _ = try await probe.list(.gatewayHealths, namespace: "default") }
            probe.shutdown()
            let outageStart = world.server.requestLog.count
            try await run.run(to: script.faultEnd, step: 5, settle: { await run.idle() })
            try await world.server.start()
            #expect(!run.running.instance.cacheIsLive, "the broken watches marked the caches stale")
            // The informers re-open their watches when their backoff (world time, at most 30 s)
            // runs out, and catch up at the emulator's first bookmark.
            let returned = world.elapsed
            while world.elapsed < script.faultEnd + 40 {
                if await eventually(3, { run.running.instance.cacheIsLive }) { break }
                try await run.run(to: world.elapsed + 5, step: 5, settle: { await run.idle() })
            }
            let footprint = await run.running.instance.footprint()
            #expect(run.running.instance.cacheIsLive, "\(footprint)")
            #expect(world.informerLists(since: outageStart).isEmpty, "the history survived: resumed, not relisted")
            print("fault-matrix observed [unreachable]: caches live again \(world.elapsed - returned) s (world) after the server returned; "
                  + "evictions \(world.evictions.count), drafts \(world.ticketDrafts().map(\.gateway)), "
                  + "lists during and after the outage \(world.informerLists(since: outageStart))")
            try await run.run(to: 170)
            await E2ETests.expectState(world, "gateway-1", .keepaliveFail)
            try await run.run(to: script.end)
            #expect(world.ticketDrafts().allSatisfy { $0.gateway == "gateway-1" }, "\(world.ticketDrafts().map(\.id))")
            await run.expectOutcome(rssBefore: rss)
        }
    }
}

/// Another writer of the GatewayHealths: reads each, annotates it with the resourceVersion it
/// read (an optimistic update), and on 409 reads again, until cancelled. Returns its writes.
struct ConcurrentWriter: Sendable {
    let client: KubeClient

    func run(gateways: [String]) async -> Int {
        var writes = 0
        var round = 0
        while !Task.isCancelled {
            round += 1
            for gateway in gateways {
                guard var object = try? await client.get(.gatewayHealths, namespace: "default", name: gateway) else { continue }
                object["metadata"]?["annotations"] = ["e2e/touched": .string(String(round))]
                if (try? await client.update(.gatewayHealths, namespace: "default", name: gateway, body: object)) != nil {
                    writes += 1
                }
            }
            // Load, not synchronisation: a writer that never pauses would starve the loaded machine.
            try? await Task.sleep(for: .milliseconds(20))
        }
        return writes
    }
}
