import Foundation
import KubeAPI
import Testing
@testable import OperatorRuntime

/// Collects change descriptions in order.
actor ChangeLog {
    private(set) var entries: [String] = []
    func append(_ change: ObjectChange<String>) {
        switch change {
        case .added(let key, _): entries.append("added \(key.name)")
        case .updated(let key, _, _): entries.append("updated \(key.name)")
        case .deleted(let key, _): entries.append("deleted \(key.name)")
        }
    }
}

struct InformerHarness {
    let clock = ManualClock()
    let source = ScriptedSource()
    let log = ChangeLog()

    func informer(_ options: InformerOptions = InformerOptions(watchIdleTimeout: nil)) -> Informer<String> {
        let log = self.log
        return Informer(name: "test", source: source, projection: stateOf, clock: clock, options: options,
                        onChange: { await log.append($0) })
    }
}

@Suite struct InformerTests {
    @Test func listsWatchesAndRelistsOnGone() async throws {
        let h = InformerHarness()
        h.source.enqueueList([object("a", rv: "1", spec: ["state": "UP"]), object("b", rv: "2")], rv: "10")
        let informer = h.informer()
        let run = Task { await informer.run() }
        var watches = h.source.openedWatches.makeAsyncIterator()

        let first = try #require(await watches.next())
        #expect(first.resourceVersion == "10")
        #expect(informer.hasSynced)
        #expect(await h.log.entries == ["added a", "added b"])

        first.continuation.yield(WatchEvent(type: .modified, object: object("a", rv: "11", spec: ["state": "DOWN"])))
        first.continuation.yield(WatchEvent(type: .bookmark, object: ["metadata": ["resourceVersion": "12"]]))
        h.source.enqueueList([object("a", rv: "11", spec: ["state": "DOWN"]), object("c", rv: "13")], rv: "14")
        first.continuation.yield(WatchEvent(type: .error, object: [
            "kind": "Status", "code": 410, "reason": "Expired", "message": "too old resource version"]))

        let second = try #require(await watches.next())
        #expect(second.resourceVersion == "14")
        // Exactly the differences: b vanished, c appeared, a was already up to date.
        #expect(await h.log.entries == ["added a", "added b", "updated a", "deleted b", "added c"])
        #expect(h.source.listCallCount == 2)
        #expect(informer.listCount == 2)
        #expect(informer.watchRestarts == 1)
        run.cancel()
        await run.value
    }

    @Test func resumesFromTheLastVersionAfterATimeoutOrError() async throws {
        let h = InformerHarness()
        h.source.enqueueList([], rv: "1")
        let informer = h.informer()
        let run = Task { await informer.run() }
        var watches = h.source.openedWatches.makeAsyncIterator()

        let first = try #require(await watches.next())
        first.continuation.yield(WatchEvent(type: .added, object: object("a", rv: "5")))
        first.continuation.finish()  // server-side timeout: resume, no relist, no pause
        let second = try #require(await watches.next())
        #expect(second.resourceVersion == "5")

        second.continuation.yield(WatchEvent(type: .added, object: object("b", rv: "6")))
        second.continuation.finish(throwing: Status(message: "connection reset", code: 500))
        await h.clock.waitForSleepers(1)  // the reconnect backoff
        let pause = try #require(h.clock.nextDeadline).timeIntervalSince(h.clock.now())
        #expect(pause >= 0.8 && pause <= 1.2)
        h.clock.advanceToNextDeadline()
        let third = try #require(await watches.next())
        #expect(third.resourceVersion == "6")
        #expect(h.source.listCallCount == 1)
        #expect(informer.watchRestarts == 2)

        third.continuation.finish(throwing: Status(message: "Gone", reason: "Gone", code: 410))
        #expect(await eventually { h.source.listCallCount == 2 })
        run.cancel()
        await run.value
    }

    @Test func optionalResourceAbsentIsSyncedAndRetriedRarely() async throws {
        let h = InformerHarness()
        h.source.enqueueListError(Status(message: "the server could not find the requested resource", reason: "NotFound", code: 404))
        h.source.enqueueList([object("agent-1", rv: "3")], rv: "5")
        let informer = h.informer(InformerOptions(optionalResource: true, watchIdleTimeout: nil))
        let run = Task { await informer.run() }

        await informer.waitUntilSynced()
        #expect(informer.isAbsent)
        await h.clock.waitForSleepers(1)
        #expect(h.clock.nextDeadline == h.clock.now().addingTimeInterval(300))
        h.clock.advance(by: 300)

        var watches = h.source.openedWatches.makeAsyncIterator()
        let watch = try #require(await watches.next())
        #expect(watch.resourceVersion == "5")
        #expect(!informer.isAbsent)
        #expect(await h.log.entries == ["added agent-1"])
        run.cancel()
        await run.value
    }

    @Test func missingRequiredResourceIsNotSynced() async throws {
        let h = InformerHarness()
        h.source.enqueueListError(Status(message: "not found", reason: "NotFound", code: 404))
        h.source.enqueueList([], rv: "1")
        let informer = h.informer()
        let run = Task { await informer.run() }
        await h.clock.waitForSleepers(1)
        #expect(!informer.hasSynced)
        #expect(!informer.isAbsent)
        let pause = try #require(h.clock.nextDeadline).timeIntervalSince(h.clock.now())
        #expect(pause <= 1.2)
        h.clock.advanceToNextDeadline()
        await informer.waitUntilSynced()
        #expect(h.source.listCallCount == 2)
        run.cancel()
        await run.value
    }

    @Test func silentWatchIsRestartedByTheIdleWatchdog() async throws {
        let h = InformerHarness()
        h.source.enqueueList([], rv: "1")
        let informer = h.informer(InformerOptions(watchIdleTimeout: .seconds(60)))
        let run = Task { await informer.run() }
        var watches = h.source.openedWatches.makeAsyncIterator()
        let first = try #require(await watches.next())
        await h.clock.waitForSleepers(1)
        h.clock.advance(by: 60)
        let second = try #require(await watches.next())
        #expect(second.resourceVersion == "1")
        #expect(informer.watchRestarts == 1)
        // The dead stream was let go of.
        if case .terminated = first.continuation.yield(WatchEvent(type: .added, object: object("x", rv: "2"))) {
        } else {
            Issue.record("the idle stream was not terminated")
        }
        run.cancel()
        await run.value
    }

    @Test func backoffGrowsCapsAndResets() {
        var backoff = Backoff(random: { 0 })
        let start = Date(timeIntervalSince1970: 0)
        let delays = (0..<8).map { backoff.nextDelay(now: start.addingTimeInterval(Double($0))).timeInterval }
        #expect(delays == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30])
        #expect(backoff.nextDelay(now: start.addingTimeInterval(500)).timeInterval == 0.8)  // quiet for > 2 min
        var jittered = Backoff(random: { 0.999 })
        #expect(jittered.nextDelay(now: start).timeInterval < 1.2 + 1e-9)
    }
}
