import Foundation
import KubeAPI
import KubeClient
import Testing
@testable import KubeEmulator

/// One observed or expected watch event, reduced to what ordering is about.
struct Change: Hashable, CustomStringConvertible {
    var type: WatchEvent.Kind
    var name: String
    var resourceVersion: Int64
    var description: String { "\(type.rawValue) \(name)@\(resourceVersion)" }

    init(_ type: WatchEvent.Kind, _ object: JSONValue) {
        self.type = type
        name = object.name ?? "?"
        resourceVersion = object.resourceVersion.flatMap { Int64($0) } ?? -1
    }
}

/// Makes `count` configmap changes through the store (creates, updates, deletes) and returns
/// what a watcher must see, in order.
func makeChanges(_ store: ObjectStore, namespace: String, count: Int, offset: Int = 0) throws -> [Change] {
    var expected: [Change] = []
    var live: [String] = []
    for i in 0..<count {
        let step = offset + i
        if step % 5 == 4, let victim = live.first {
            live.removeFirst()
            expected.append(Change(.deleted, try store.delete(.configMaps, namespace: namespace, name: victim)))
        } else if step % 3 == 2, let target = live.last {
            let current = try store.get(.configMaps, namespace: namespace, name: target)
            var updated = current
            updated["data"] = ["step": .string(String(step))]
            expected.append(Change(.modified, try store.update(.configMaps, updated)))
        } else {
            let name = "cm-\(step)"
            live.append(name)
            expected.append(Change(.added, try store.create(.configMaps, configMap(name, namespace: namespace))))
        }
    }
    return expected
}

@Suite(.timeLimit(.minutes(1))) struct E2EListWatchTests {
    @Test func thousandObjectsInTenPages() async throws {
        try await withE2ECluster { cluster in
            for i in 0..<1000 {
                try cluster.server.store.create(.configMaps, configMap(String(format: "item-%04d", i), namespace: "paging"))
            }
            let client = try cluster.tokenClient()
            let list = try await client.listAll(.configMaps, namespace: "paging", options: ListOptions(limit: 100))
            #expect(list.items.count == 1000)
            #expect(Set(list.items.compactMap(\.name)).count == 1000)
            #expect(list.metadata.continue == nil)
            let pages = cluster.server.requestLog.filter { $0.verb == "list" && $0.resource == "configmaps" }
            #expect(pages.count == 10)
            #expect(pages.allSatisfy { $0.info.query["limit"] == "100" && $0.code == 200 })
            #expect(pages.first?.info.query["continue"] == nil)
            #expect(pages.dropFirst().allSatisfy { $0.info.query["continue"]?.isEmpty == false })
        }
    }

    @Test func watchSeesEveryChangeInOrder() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let start = try await client.list(.configMaps, namespace: "watched")
            let stream = client.watch(.configMaps, namespace: "watched", options: WatchOptions(resourceVersion: start.metadata.resourceVersion))
            let consumer = Task {
                var seen: [Change] = []
                for try await event in stream where event.type != .bookmark {
                    seen.append(Change(event.type, event.object))
                    if seen.count == 200 { break }
                }
                return seen
            }
            let expected = try makeChanges(cluster.server.store, namespace: "watched", count: 200)
            let seen = try await consumer.value
            #expect(seen == expected)
            let versions = seen.map(\.resourceVersion)
            #expect(zip(versions, versions.dropFirst()).allSatisfy { $0 < $1 }, "resourceVersions strictly increase")
            #expect(Set(seen.map(\.type)) == [.added, .modified, .deleted])
        }
    }

    @Test func cutWatchResumesWithoutLossOrDuplicates() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let stream = client.watch(.configMaps, namespace: "cut",
                                      options: WatchOptions(resourceVersion: String(cluster.server.store.resourceVersion)))
            let (received, sink) = AsyncStream<Change>.makeStream()
            let consumer = Task {
                var count = 0
                for try await event in stream where event.type != .bookmark {
                    sink.yield(Change(event.type, event.object))
                    count += 1
                    if count == 200 { break }
                }
                sink.finish()
            }
            var expected = try makeChanges(cluster.server.store, namespace: "cut", count: 100)
            var seen: [Change] = []
            var iterator = received.makeAsyncIterator()
            while seen.count < 100, let change = await iterator.next() { seen.append(change) }
            #expect(cluster.server.cutAllWatches() == 1)
            expected += try makeChanges(cluster.server.store, namespace: "cut", count: 100, offset: 100)
            while let change = await iterator.next() { seen.append(change) }
            try await consumer.value

            #expect(seen == expected, "no event lost or duplicated across the cut")
            let watches = cluster.server.requestLog.filter { $0.verb == "watch" }
            #expect(watches.count >= 2)
            #expect(watches.dropFirst().first?.info.query["resourceVersion"] == String(expected[99].resourceVersion),
                    "the re-opened watch resumes after the last event seen")
        }
    }

    @Test func compactionWhileDisconnectedReportsGone() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let store = cluster.server.store
            try store.create(.configMaps, configMap("first", namespace: "compacted"))
            let stream = client.watch(.configMaps, namespace: "compacted", options: WatchOptions())
            let (received, sink) = AsyncStream<WatchEvent>.makeStream()
            let consumer = Task { () -> KubeError? in
                do {
                    for try await event in stream { sink.yield(event) }
                    return nil
                } catch let error as KubeError {
                    return error
                } catch {
                    return .configuration("unexpected error \(error)")
                }
            }
            var iterator = received.makeAsyncIterator()
            // The watch has a resume point once its first event arrived.
            #expect(await iterator.next()?.object.name == "first")
            // Keep the watch away while history moves on and is compacted: every re-open gets a 503
            // until the faults are cleared, so the order is certain.
            cluster.server.failNext(1_000_000, status: 503, matching: RequestMatcher(verb: "watch"))
            #expect(cluster.server.cutAllWatches() == 1)
            try store.create(.configMaps, configMap("second", namespace: "compacted"))
            cluster.server.compact()
            cluster.server.clearFaults()
            let error = try await withDeadline(10) { await consumer.value }
            #expect(error?.isGone == true, "\(String(describing: error))")
            if case .gone(let rv)? = error { #expect(rv != nil) }
        }
    }

    @Test func bookmarkAdvancesTheResumePoint() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let store = cluster.server.store
            try store.create(.configMaps, configMap("only", namespace: "marked"))
            let stream = client.watch(.configMaps, namespace: "marked", options: WatchOptions(allowBookmarks: true))
            let (received, sink) = AsyncStream<WatchEvent>.makeStream()
            let consumer = Task {
                for try await event in stream { sink.yield(event) }
            }
            defer { consumer.cancel() }
            var iterator = received.makeAsyncIterator()
            let added = await iterator.next()
            #expect(added?.type == .added && added?.object.name == "only")
            // History moves on elsewhere; this watch sees nothing of it but a bookmark.
            for i in 0..<5 { try store.create(.configMaps, configMap("elsewhere-\(i)", namespace: "other")) }
            #expect(await e2eEventually { cluster.server.openWatchCount == 1 })
            cluster.server.sendBookmarks()
            let bookmark = await iterator.next()
            #expect(bookmark?.type == .bookmark)
            let bookmarkRV = bookmark?.object.resourceVersion
            #expect(bookmarkRV == String(store.resourceVersion))
            #expect(bookmarkRV != added?.object.resourceVersion)

            #expect(cluster.server.cutAllWatches() == 1)
            #expect(await e2eEventually { cluster.server.requestLog.filter { $0.verb == "watch" }.count >= 2 })
            let resumed = cluster.server.requestLog.filter { $0.verb == "watch" }.dropFirst().first
            #expect(resumed?.info.query["resourceVersion"] == bookmarkRV)
            #expect(resumed?.info.query["allowWatchBookmarks"] == "true")
        }
    }
}
