import Foundation
import KubeAPI
import Locking
import Testing
import TestSupport
@testable import ControllerKit

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
    let messages = CapturedLog()
    /// Every `onCurrencyChange` call, in order.
    let currency = Locked<[Bool]>([])

    func informer(_ options: InformerOptions = InformerOptions(watchIdleTimeout: nil)) -> Informer<String> {
        let log = self.log
        let currency = self.currency
        var options = options
        options.onCurrencyChange = { isCurrent in currency.withLock { $0.append(isCurrent) } }
        return Informer(name: "test", source: source, projection: stateOf, clock: clock, options: options,
                        logger: messages.logger, onChange: { await log.append($0) })
    }
}

func bookmark(_ rv: String) -> WatchEvent {
    WatchEvent(type: .bookmark, object: ["metadata": ["resourceVersion": .string(rv)]])
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
        first.continuation.yield(bookmark("12"))
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
        #expect(informer.isCurrent, "the relist caught it up")
        #expect(h.currency.current == [true, false, true])
        run.cancel()
        await run.value
    }

    /// client-go's reflector: a watch the server ends resumes at once; a cut one too, from the
    /// last version seen; a watch that cannot be opened backs off; only 410 relists.
    @Test func resumesFromTheLastVersionAfterATimeoutOrACut() async throws {
        let h = InformerHarness()
        h.source.enqueueList([], rv: "1")
        let informer = h.informer()
        let run = Task { await informer.run() }
        var watches = h.source.openedWatches.makeAsyncIterator()

        let first = try #require(await watches.next())
        #expect(first.timeoutSeconds == nil, "the usual random 5–10 min server timeout")
        first.continuation.yield(WatchEvent(type: .added, object: object("a", rv: "5")))
        first.continuation.finish()  // server-side timeout: resume, no relist, no pause
        let second = try #require(await watches.next())
        #expect(second.resourceVersion == "5")
        #expect(informer.isCurrent, "a watch the server ended and that re-opened at once is no break")

        second.continuation.yield(WatchEvent(type: .added, object: object("b", rv: "6")))
        second.continuation.finish(throwing: KubeErrorStandIn.connectionReset)  // cut after delivering
        let third = try #require(await watches.next())
        #expect(third.resourceVersion == "6", "resumed at once from the last version seen")
        #expect(!informer.isCurrent)

        third.continuation.finish(throwing: KubeErrorStandIn.connectionRefused)  // nothing delivered
        await h.clock.waitForSleepers(1)  // the reconnect backoff
        let pause = try #require(h.clock.nextDeadline).timeIntervalSince(h.clock.now())
        #expect(pause >= 0.8 && pause <= 1.2)
        h.clock.advanceToNextDeadline()
        let fourth = try #require(await watches.next())
        #expect(fourth.resourceVersion == "6")
        #expect(h.source.listCallCount == 1, "no relist for a cut or a refused watch")
        #expect(informer.watchRestarts == 3)

        fourth.continuation.finish(throwing: Status(message: "Gone", reason: "Gone", code: 410))
        #expect(await eventually { h.source.listCallCount == 2 })
        #expect(h.messages.messages.contains("info [test] watch cut, resumed from 6"), "\(h.messages.messages)")
        #expect(h.messages.messages.contains("info [test] 410 Gone at 6, relisting"), "\(h.messages.messages)")
        #expect(!h.messages.messages.contains { $0.contains("410") && !$0.contains("410 Gone at 6") })
        run.cancel()
        await run.value
    }

    /// A resumed watch replays the missed changes oldest first: the cache is behind until the
    /// server's bookmark says the replay is over, not at the first replayed event.
    @Test func resumedWatchIsBehindUntilItsBookmark() async throws {
        let h = InformerHarness()
        h.source.enqueueList([object("a", rv: "1", spec: ["state": "UP"])], rv: "2")
        let informer = h.informer()
        let run = Task { await informer.run() }
        var watches = h.source.openedWatches.makeAsyncIterator()
        let first = try #require(await watches.next())
        #expect(informer.isCurrent)
        #expect(h.currency.current == [true])

        first.continuation.finish(throwing: KubeErrorStandIn.connectionReset)
        // Nothing delivered on the broken watch: it re-opens after the backoff.
        await h.clock.waitForSleepers(1)
        #expect(!informer.isCurrent)
        #expect(h.currency.current == [true, false])
        h.clock.advanceToNextDeadline()
        let catchUp = try #require(await watches.next())
        #expect(catchUp.resourceVersion == "2")
        #expect(catchUp.timeoutSeconds == 5, "a short watch, so that the server's bookmark comes within seconds")

        catchUp.continuation.yield(WatchEvent(type: .modified, object: object("a", rv: "3", spec: ["state": "DOWN"])))
        catchUp.continuation.yield(WatchEvent(type: .modified, object: object("a", rv: "4", spec: ["state": "UP"])))
        #expect(await eventually { await h.log.entries.count == 3 })
        #expect(!informer.isCurrent, "replayed events are old states: still behind")
        catchUp.continuation.yield(bookmark("9"))
        #expect(await eventually { informer.isCurrent })
        #expect(h.currency.current == [true, false, true])
        #expect(informer.watchBreaks == 1)
        #expect(informer.deliveredResourceVersion == "9")

        catchUp.continuation.finish()  // its short timeout
        let next = try #require(await watches.next())
        #expect(next.resourceVersion == "9")
        #expect(next.timeoutSeconds == nil, "caught up: back to the usual timeout")
        #expect(h.source.listCallCount == 1)
        #expect(h.messages.messages.contains("info [test] caught up at 9 (bookmark after resuming from 2)"), "\(h.messages.messages)")
        run.cancel()
        await run.value
    }

    /// A server that sends no bookmarks must not keep the cache behind for ever: after
    /// `catchUpAttempts` catch-up watches without one, the informer relists.
    @Test func catchUpWithoutBookmarksRelists() async throws {
        let h = InformerHarness()
        h.source.enqueueList([], rv: "1")
        let informer = h.informer(InformerOptions(watchIdleTimeout: nil, catchUpAttempts: 2))
        let run = Task { await informer.run() }
        var watches = h.source.openedWatches.makeAsyncIterator()
        let first = try #require(await watches.next())
        first.continuation.yield(WatchEvent(type: .added, object: object("a", rv: "2")))
        first.continuation.finish(throwing: KubeErrorStandIn.connectionReset)
        let catchUp1 = try #require(await watches.next())
        catchUp1.continuation.yield(WatchEvent(type: .added, object: object("b", rv: "3")))
        catchUp1.continuation.finish()
        let catchUp2 = try #require(await watches.next())
        #expect(catchUp2.timeoutSeconds == 5)
        h.source.enqueueList([object("a", rv: "2"), object("b", rv: "3")], rv: "4")
        catchUp2.continuation.yield(WatchEvent(type: .added, object: object("c", rv: "4")))
        catchUp2.continuation.finish()
        let afterRelist = try #require(await watches.next())
        #expect(afterRelist.resourceVersion == "4")
        #expect(afterRelist.timeoutSeconds == nil)
        #expect(h.source.listCallCount == 2)
        #expect(informer.isCurrent, "the relist caught it up")
        #expect(h.messages.messages.contains("warning [test] no bookmark from 2 watches resumed from 2; relisting to catch up"), "\(h.messages.messages)")
        run.cancel()
        await run.value
    }

    /// While the API server is away every re-open fails: that is waited out with the backoff,
    /// never turned into a relist, and the first bookmark afterwards catches up.
    @Test func anOutageIsWaitedOutNotRelisted() async throws {
        let h = InformerHarness()
        h.source.enqueueList([], rv: "1")
        let informer = h.informer(InformerOptions(watchIdleTimeout: nil, catchUpAttempts: 1))
        let run = Task { await informer.run() }
        var watches = h.source.openedWatches.makeAsyncIterator()
        var watch = try #require(await watches.next())
        watch.continuation.yield(bookmark("5"))
        watch.continuation.finish(throwing: KubeErrorStandIn.connectionReset)  // the server goes away
        watch = try #require(await watches.next())  // at once: that connection had worked
        var pauses: [TimeInterval] = []
        for _ in 0..<6 {
            watch.continuation.finish(throwing: KubeErrorStandIn.connectionRefused)
            await h.clock.waitForSleepers(1)
            pauses.append(try #require(h.clock.nextDeadline).timeIntervalSince(h.clock.now()))
            h.clock.advanceToNextDeadline()
            watch = try #require(await watches.next())
            #expect(watch.resourceVersion == "5")
        }
        #expect(zip(pauses, pauses.dropFirst()).allSatisfy { $0 < $1 }, "the backoff grows: \(pauses)")
        #expect(!informer.isCurrent)
        watch.continuation.yield(WatchEvent(type: .added, object: object("late", rv: "40")))
        watch.continuation.yield(bookmark("41"))
        #expect(await eventually { informer.isCurrent })
        #expect(h.source.listCallCount == 1)
        #expect(informer.watchBreaks == 1, "one break, however many failed re-opens")
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
        #expect(!informer.isCurrent, "the silent watch may have missed changes: behind until a bookmark")
        // The dead stream was let go of.
        if case .terminated = first.continuation.yield(WatchEvent(type: .added, object: object("x", rv: "2"))) {
        } else {
            Issue.record("the idle stream was not terminated")
        }
        run.cancel()
        await run.value
    }
}

/// Errors as a transport reports them (the informer treats every non-410 error alike).
enum KubeErrorStandIn: Error {
    case connectionReset, connectionRefused
}
