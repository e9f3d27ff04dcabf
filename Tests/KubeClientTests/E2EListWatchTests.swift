import Foundation
import KubeAPI
import KubeClient
import Testing
import TestSupport
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

    /// A cut watch (between lines, then in the middle of one) ends with a transport error; a
    /// watch opened from its last resourceVersion, as the informer opens it, replays exactly
    /// what the cut one missed: nothing lost, nothing twice.
    @Test func cutWatchResumedFromItsVersionLosesAndRepeatsNothing() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let store = cluster.server.store
            var from = String(store.resourceVersion)
            var expected = try makeChanges(store, namespace: "cut", count: 100)
            var seen: [Change] = []
            for round in 0..<3 {
                var iterator = client.watch(.configMaps, namespace: "cut", options: WatchOptions(resourceVersion: from)).makeAsyncIterator()
                while seen.count < expected.count, let event = try await iterator.next() {
                    if event.type != .bookmark { seen.append(Change(event.type, event.object)) }
                }
                guard round < 2 else { break }
                #expect(await eventually { cluster.server.openWatchCount == 1 })
                if round == 0 {
                    #expect(cluster.server.cutAllWatches() == 1)
                    expected += try makeChanges(store, namespace: "cut", count: 50, offset: expected.count)
                } else {
                    // The first change after this is sent in part, then the connection closes.
                    #expect(cluster.server.cutWatchesMidLine() == 1)
                    expected += try makeChanges(store, namespace: "cut", count: 50, offset: expected.count)
                }
                do throws(KubeError) {
                    while let event = try await iterator.next() {
                        if event.type != .bookmark { seen.append(Change(event.type, event.object)) }
                    }
                    Issue.record("the cut watch ended as if the server had closed it")
                } catch {
                    #expect(error.isTransport, "\(error)")
                }
                from = try #require(iterator.resourceVersion)
                #expect(from == String(seen.last?.resourceVersion ?? -1), "resume after the last whole event")
            }
            #expect(seen == expected, "no event lost or duplicated across the cuts")
            #expect(cluster.server.midLineCutCount == 1)
            let resumes = cluster.server.requestLog.filter { $0.verb == "watch" }.dropFirst().map { $0.info.query["resourceVersion"] }
            #expect(resumes == [String(expected[99].resourceVersion), String(expected[149].resourceVersion)])
        }
    }

    @Test func compactionWhileDisconnectedReportsGone() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let store = cluster.server.store
            try store.create(.configMaps, configMap("first", namespace: "compacted"))
            var iterator = client.watch(.configMaps, namespace: "compacted", options: WatchOptions()).makeAsyncIterator()
            // The watch has a resume point once its first event arrived.
            #expect(try await iterator.next()?.object.name == "first")
            #expect(await eventually { cluster.server.openWatchCount == 1 })
            #expect(cluster.server.cutAllWatches() == 1)
            do throws(KubeError) {
                while try await iterator.next() != nil {}
            } catch {
                #expect(error.isTransport, "\(error)")
            }
            // History moves on and is compacted while no watch is open.
            try store.create(.configMaps, configMap("second", namespace: "compacted"))
            cluster.server.compact()
            let from = try #require(iterator.resourceVersion)
            var resumed = client.watch(.configMaps, namespace: "compacted", options: WatchOptions(resourceVersion: from)).makeAsyncIterator()
            do throws(KubeError) {
                let event = try await resumed.next()
                Issue.record("expected 410 Gone, got \(String(describing: event))")
            } catch {
                #expect(error.isGone, "\(error)")
                if case .gone(let rv) = error { #expect(rv == from) }
            }
        }
    }

    @Test func bookmarkAdvancesTheResumePoint() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let store = cluster.server.store
            try store.create(.configMaps, configMap("only", namespace: "marked"))
            var iterator = client.watch(.configMaps, namespace: "marked", options: WatchOptions(allowBookmarks: true)).makeAsyncIterator()
            let added = try await iterator.next()
            #expect(added?.type == .added && added?.object.name == "only")
            // History moves on elsewhere; this watch sees nothing of it but a bookmark.
            for i in 0..<5 { try store.create(.configMaps, configMap("elsewhere-\(i)", namespace: "other")) }
            #expect(await eventually { cluster.server.openWatchCount == 1 })
            cluster.server.sendBookmarks()
            let bookmark = try await iterator.next()
            #expect(bookmark?.type == .bookmark)
            let bookmarkRV = bookmark?.object.resourceVersion
            #expect(bookmarkRV == String(store.resourceVersion))
            #expect(bookmarkRV != added?.object.resourceVersion)
            #expect(iterator.resourceVersion == bookmarkRV, "a watch resumed from here skips the history that was not its")
            let request = cluster.server.requestLog.first { $0.verb == "watch" }
            #expect(request?.info.query["allowWatchBookmarks"] == "true")
        }
    }
}
