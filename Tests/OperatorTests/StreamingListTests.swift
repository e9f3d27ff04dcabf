import ControllerKit
import Foundation
import KubeAPI
import KubeClient
import KubeEmulator
import Scheduling
import TestSupport
import Testing
@testable import OperatorRuntime

/// Streaming lists (`sendInitialEvents=true`, kube-apiserver's WatchList) over real HTTP on
/// loopback against the emulator: the informer syncs and relists with them, and lists where the
/// server refuses or ignores them.
@Suite(.timeLimit(.minutes(1))) struct StreamingListTests {
    /// The changes an informer handed to `onChange`, as "added gw-1" etc.
    actor ChangeLog {
        var lines: [String] = []
        func note(_ change: ObjectChange<String>) {
            switch change {
            case .added(let key, _): lines.append("added \(key.name)")
            case .updated(let key, _, _): lines.append("updated \(key.name)")
            case .deleted(let key, _): lines.append("deleted \(key.name)")
            }
        }
        func take() -> [String] {
            defer { lines = [] }
            return lines
        }
    }

    struct Rig {
        let server: EmulatedAPIServer
        let informer: Informer<String>
        let changes: ChangeLog

        /// The informer's requests for GatewayAgents: streaming lists, LISTs and plain watches.
        var streamingLists: [RequestRecord] { server.requestLog.filter { $0.resource == "gatewayagents" && $0.verb == "watch" && $0.isList } }
        var lists: [RequestRecord] { server.requestLog.filter { $0.resource == "gatewayagents" && $0.verb == "list" } }
        var plainWatches: [RequestRecord] { server.requestLog.filter { $0.resource == "gatewayagents" && $0.verb == "watch" && !$0.isList } }

        func agent(_ name: String, label: String = "a") throws {
            try server.store.create(.gatewayAgents, ["metadata": ["name": .string(name), "namespace": "fab", "labels": ["v": .string(label)]]])
        }

        /// The value the projection reads: name and label.
        func cached(_ name: String) async -> String? { informer.store.get(ObjectKey(namespace: "fab", name: name)) }

        /// True once the informer has handed on the server's newest GatewayAgent change.
        func caughtUp() -> Bool {
            guard let newest = server.store.latestChangeVersion(.gatewayAgents, namespace: "fab") else { return false }
            return informer.deliveredResourceVersion.flatMap { Int64($0) }.map { $0 >= newest } ?? false
        }
    }

    /// An emulator with three GatewayAgents and an informer over a streaming-list client source.
    static func withRig(configure: (inout EmulatorConfiguration) -> Void = { _ in }, streamingLists: Bool = true,
                        _ body: (Rig) async throws -> Void) async throws {
        var configuration = EmulatorConfiguration()
        configure(&configuration)
        let server = EmulatedAPIServer(configuration: configuration)
        try await server.start()
        let client = try KubeClient(config: ClusterConfig(server: server.baseURL))
        let source = ClientListWatch(client: client, resource: .gatewayAgents, namespace: "fab", streamingLists: streamingLists)
        let changes = ChangeLog()
        let informer = Informer<String>(
            name: "agents", source: source,
            projection: { json in json[path: "metadata", "name"]?.stringValue.map { "\($0)/\(json[path: "metadata", "labels", "v"]?.stringValue ?? "")" } },
            byteProjection: nil,
            options: InformerOptions(backoff: Backoff(initial: .milliseconds(10), cap: .milliseconds(50)), watchIdleTimeout: nil)) { change in
            await changes.note(change)
        }
        let rig = Rig(server: server, informer: informer, changes: changes)
        for name in ["gw-1", "gw-2", "gw-3"] { try rig.agent(name) }
        let run = Task { await informer.run() }
        do {
            try await body(rig)
        } catch {
            run.cancel()
            await server.stop()
            throw error
        }
        run.cancel()
        await run.value
        await server.stop()
    }

    /// The emulator serves a streaming list as kube-apiserver does: every object as ADDED, then
    /// the BOOKMARK annotated `k8s.io/initial-events-end` at the current resourceVersion, then
    /// the changes on the same request.
    @Test func emulatorSendsInitialEventsThenTheEndBookmark() async throws {
        let server = EmulatedAPIServer()
        try await server.start()
        defer { Task { await server.stop() } }
        for name in ["b", "a", "c"] {
            try server.store.create(.configMaps, ["metadata": ["name": .string(name), "namespace": "ns"]])
        }
        let current = server.store.resourceVersion
        let client = try KubeClient(config: ClusterConfig(server: server.baseURL))
        let stream = client.watch(.configMaps, namespace: "ns", options: WatchOptions(sendInitialEvents: true))
        var iterator = stream.makeAsyncIterator()
        var seen: [String] = []
        for _ in 0..<4 {
            let event = try #require(try await iterator.next())
            seen.append("\(event.type.rawValue) \(event.object[path: "metadata", "name"]?.stringValue ?? "")\(event.isInitialEventsEnd ? " end" : "")")
            if event.type == .bookmark { #expect(event.resourceVersion == String(current)) }
        }
        #expect(seen == ["ADDED a", "ADDED b", "ADDED c", "BOOKMARK  end"])
        try server.store.create(.configMaps, ["metadata": ["name": "d", "namespace": "ns"]])
        let next = try #require(try await iterator.next())
        #expect(next.type == .added && next.object[path: "metadata", "name"]?.stringValue == "d" && !next.isInitialEventsEnd)
        let request = try #require(server.requestLog.first { $0.verb == "watch" })
        #expect(request.info.query["sendInitialEvents"] == "true")
        #expect(request.info.query["resourceVersionMatch"] == "NotOlderThan")
        #expect(request.info.query["allowWatchBookmarks"] == "true")
        #expect(request.isList)

        // With the feature off, kube-apiserver answers 422 Invalid.
        server.serveStreamingLists(.refused)
        var refused = client.watch(.configMaps, namespace: "ns", options: WatchOptions(sendInitialEvents: true)).makeAsyncIterator()
        do {
            _ = try await refused.next()
            Issue.record("a refused streaming list delivered an event")
        } catch {
            #expect(error.statusCode == 422, "\(error)")
        }
    }

    /// The first sync is one streaming list, no LIST; later changes come on the same request.
    @Test func informerSyncsWithAStreamingList() async throws {
        try await Self.withRig { rig in
            await rig.informer.waitUntilSynced()
            #expect(rig.informer.store.keys.map(\.name) == ["gw-1", "gw-2", "gw-3"])
            #expect(await rig.changes.take() == ["added gw-1", "added gw-2", "added gw-3"])
            #expect(rig.informer.streamedListCount == 1 && rig.informer.listCount == 1)
            #expect(!rig.informer.store.isRelisting)

            try rig.agent("gw-4")
            #expect(await eventually(10) { rig.caughtUp() })
            #expect(await rig.cached("gw-4") == "gw-4/a")
            #expect(await rig.changes.take() == ["added gw-4"])
            #expect(rig.lists.isEmpty, "no LIST: \(rig.lists.map(\.path))")
            #expect(rig.streamingLists.count == 1)
            #expect(rig.plainWatches.isEmpty, "the streaming list goes on as the watch")
        }
    }

    /// The operator's informers start their streaming lists together on one client. Over plain
    /// HTTP (HTTP/1.1: `kubectl proxy`, the bench) the transport used to hold every request but
    /// the first waiting to share its connection, which a watch never gives back: one informer
    /// synced, the others never did.
    @Test func informersSharingAClientOverPlainHTTPAllSync() async throws {
        let server = EmulatedAPIServer()
        try await server.start()
        defer { Task { await server.stop() } }
        for kind in [ResourceType.gatewayAgents, .gateways, .configMaps] {
            try server.store.create(kind, ["metadata": ["name": "one", "namespace": "fab"]])
        }
        let client = try KubeClient(config: ClusterConfig(server: server.baseURL))
        let informers = [ResourceType.gatewayAgents, .gateways, .configMaps].map { kind in
            Informer<String>(name: kind.plural, source: ClientListWatch(client: client, resource: kind, namespace: "fab", streamingLists: true),
                             projection: { $0[path: "metadata", "name"]?.stringValue }, options: InformerOptions(watchIdleTimeout: nil))
        }
        let runs = informers.map { informer in Task { await informer.run() } }
        let synced = await eventually(10) { informers.allSatisfy(\.hasSynced) }
        #expect(synced, "synced: \(informers.filter(\.hasSynced).map(\.name))")
        #expect(informers.allSatisfy { $0.streamedListCount == 1 })
        for run in runs { run.cancel() }
        for run in runs { await run.value }
    }

    /// A 410 on resume relists with a streaming list, and the swap reports exactly what changed
    /// while the watch was down.
    @Test func relistAfterGoneUsesAStreamingList() async throws {
        try await Self.withRig { rig in
            await rig.informer.waitUntilSynced()
            _ = await rig.changes.take()
            // While every watch is refused, the fleet changes and the history is forgotten.
            rig.server.failNext(1_000_000, status: 503, matching: RequestMatcher(verb: "watch"))
            #expect(rig.server.cutAllWatches() == 1)
            _ = try rig.server.store.delete(.gatewayAgents, namespace: "fab", name: "gw-1")
            var gw2 = try rig.server.store.get(.gatewayAgents, namespace: "fab", name: "gw-2")
            gw2["metadata"]?["labels"] = ["v": "b"]
            try rig.server.store.update(.gatewayAgents, gw2)
            try rig.agent("gw-9")
            rig.server.compact()
            rig.server.clearFaults()

            #expect(await eventually(10) { rig.informer.streamedListCount == 2 && rig.caughtUp() })
            #expect(await rig.changes.take() == ["deleted gw-1", "updated gw-2", "added gw-9"])
            #expect(rig.informer.store.keys.map(\.name) == ["gw-2", "gw-3", "gw-9"])
            #expect(await rig.cached("gw-2") == "gw-2/b")
            let gone = rig.plainWatches.filter { $0.code == 200 && $0.info.query["resourceVersion"] != nil }
            #expect(!gone.isEmpty, "the resumed watch met the 410")
            #expect(rig.lists.isEmpty, "relisted by streaming, not by LIST: \(rig.lists.map(\.path))")
            #expect(rig.streamingLists.filter { $0.code == 200 }.count == 2)
        }
    }

    /// A server that refuses streaming lists (422) gets a LIST, and LISTs from then on.
    @Test func refusedStreamingListFallsBackToList() async throws {
        try await Self.withRig(configure: { $0.streamingLists = .refused }) { rig in
            await rig.informer.waitUntilSynced()
            #expect(rig.informer.store.keys.map(\.name) == ["gw-1", "gw-2", "gw-3"])
            #expect(rig.informer.streamedListCount == 0 && rig.informer.listCount == 1)
            #expect(rig.streamingLists.map(\.code) == [422])
            #expect(rig.lists.map(\.code) == [200])

            try rig.agent("gw-4")
            #expect(await eventually(10) { rig.caughtUp() })
            #expect(await rig.cached("gw-4") == "gw-4/a")

            // A 410 now relists with a LIST: the refusal is remembered.
            try await Self.forceGone(rig)
            #expect(await eventually(10) { rig.informer.listCount == 2 && rig.caughtUp() })
            #expect(rig.streamingLists.count == 1)
            #expect(rig.lists.filter { $0.code == 200 }.count == 2)
        }
    }

    /// A server that ignores `sendInitialEvents` (a plain watch: no end bookmark before its first
    /// ordinary one) gets a LIST too, and the store holds exactly the server's objects.
    @Test func ignoredStreamingListFallsBackToList() async throws {
        try await Self.withRig(configure: {
            $0.streamingLists = .ignored
            $0.bookmarkInterval = .milliseconds(100)
        }) { rig in
            await rig.informer.waitUntilSynced()
            #expect(rig.informer.store.keys.map(\.name) == ["gw-1", "gw-2", "gw-3"])
            #expect(rig.informer.streamedListCount == 0 && rig.informer.listCount == 1)
            #expect(await rig.changes.take() == ["added gw-1", "added gw-2", "added gw-3"], "the ignored stream's objects were not applied twice")
            #expect(rig.streamingLists.map(\.code) == [200])
            #expect(rig.lists.map(\.code) == [200])
        }
    }

    /// `informers.streamingLists: false` lists as before.
    @Test func streamingListsOffLists() async throws {
        try await Self.withRig(streamingLists: false) { rig in
            await rig.informer.waitUntilSynced()
            #expect(rig.informer.streamedListCount == 0 && rig.informer.listCount == 1)
            #expect(rig.streamingLists.isEmpty)
            #expect(rig.lists.count == 1)
        }
        #expect(OperatorConfig().informers.streamingLists, "on by default")
        let off = try OperatorConfig.parse(yaml: "informers:\n  streamingLists: false\n", source: "test")
        #expect(!off.informers.streamingLists)
    }

    /// Cuts the watch while the history is forgotten: the resume meets 410 Gone.
    static func forceGone(_ rig: Rig) async throws {
        rig.server.failNext(1_000_000, status: 503, matching: RequestMatcher(verb: "watch"))
        rig.server.cutAllWatches()
        try rig.agent("gw-\(UUID().uuidString.prefix(6).lowercased())")
        rig.server.compact()
        rig.server.clearFaults()
    }
}
