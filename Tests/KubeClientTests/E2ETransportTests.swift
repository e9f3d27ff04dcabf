import Foundation
import KubeAPI
import KubeClient
import Locking
import Testing
import TestSupport
@testable import KubeEmulator

/// The transport as a whole: HTTP/2 multiplexing, cancellation reaching the server, and a server
/// answering garbage.
@Suite(.timeLimit(.minutes(1))) struct E2ETransportTests {
    /// TCP connections the emulator holds open right now.
    private func openConnections(_ server: EmulatedAPIServer) -> Int {
        server.control.withLock { $0.connections.count }
    }

    @Test func manyConcurrentGetsAndAWatchShareOneHTTP2Connection() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            for i in 0..<20 { try cluster.server.store.create(.configMaps, configMap("m\(i)", namespace: "h2")) }
            // The first exchange settles the connection (and that it speaks h2) before the burst.
            _ = try await client.list(.configMaps, namespace: "h2")
            let stream = client.watch(.configMaps, namespace: "h2", options: WatchOptions(resourceVersion: String(cluster.server.store.resourceVersion)))
            let watcher = Task { () -> String? in
                for try await event in stream where event.type == .added { return event.object.name }
                return nil
            }
            #expect(await eventually { cluster.server.openWatchCount == 1 })
            let names = try await withThrowingTaskGroup(of: String?.self) { group in
                // Below the server's 100 concurrent streams, so one connection can carry them all.
                for i in 0..<60 {
                    group.addTask { try await client.get(.configMaps, namespace: "h2", name: "m\(i % 20)").name }
                }
                var names: [String] = []
                for try await name in group { if let name { names.append(name) } }
                return names
            }
            #expect(names.count == 60)
            #expect(openConnections(cluster.server) == 1, "every request and the watch went over one connection")
            try cluster.server.store.create(.configMaps, configMap("late", namespace: "h2"))
            #expect(try await watcher.value == "late")
            #expect(await eventually { client.activeTransfers == 0 }, "the finished watch released its transfer")
        }
    }

    /// A watch's events wait out its delivery window (the driver reads the sockets once per
    /// window while only watches are open), but a request made meanwhile is not held back: it
    /// wakes the driver at once and is answered while the event still waits. The window is long
    /// (10 s) because the five requests must fit in it on a loaded machine (2 s was too short).
    @Test func requestsAreNotHeldBackByAWatchsDeliveryWindow() async throws {
        try await withE2ECluster(seconds: 50) { cluster in
            var options = E2ECluster.fastOptions
            options.watchDeliveryWindow = .seconds(10)
            let client = try cluster.tokenClient(options: options)
            let start = try await client.list(.configMaps, namespace: "held")
            let stream = client.watch(.configMaps, namespace: "held", options: WatchOptions(resourceVersion: start.metadata.resourceVersion))
            let seen = Locked<[String]>([])
            let consumer = Task {
                for try await event in stream where event.type == .added {
                    let count = seen.withLock { $0.append(event.object.name ?? "?"); return $0.count }
                    if count == 2 { return }
                }
            }
            // The first event makes sure the reader is waiting when the second comes.
            try cluster.server.store.create(.configMaps, configMap("cm-0", namespace: "held"))
            #expect(await eventually(40) { seen.withLock { $0.count } == 1 })
            try cluster.server.store.create(.configMaps, configMap("cm-1", namespace: "held"))
            for _ in 0..<5 {
                let object = try await client.get(.configMaps, namespace: "held", name: "cm-1")
                #expect(object.name == "cm-1")
                #expect(seen.withLock { $0.count } == 1, "a request waited for the watch's window")
            }
            try await consumer.value
            #expect(seen.withLock { $0 } == ["cm-0", "cm-1"])
        }
    }

    @Test func http1ServerStillWorks() async throws {
        try await withE2ECluster(http2: false) { cluster in
            let client = try cluster.tokenClient()
            let names = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<10 { group.addTask { try await client.get(.namespaces, namespace: nil, name: "default").name } }
                var names: [String?] = []
                for try await name in group { names.append(name) }
                return names
            }
            #expect(names == Array(repeating: "default", count: 10))
        }
    }

    /// The client aborts the transfer and the server ends the watch on that alone, as
    /// kube-apiserver does, whether or not the response head was already written.
    ///
    /// HTTP/1.1: libcurl closes the connection, and that is all the server gets.
    /// HTTP/2: libcurl (7.88) queues the RST_STREAM in its connection's output buffer and sends
    /// it only with the connection's next frame; nothing reaches the server before. So one
    /// request follows on the shared connection: it carries the RST_STREAM out ahead of its own
    /// HEADERS, and the server must end the watch on the reset (a leaked watcher fails this).
    @Test(arguments: [true, false]) func cancellingTheTaskAbortsItsWatch(http2: Bool) async throws {
        try await withE2ECluster(seconds: 50, http2: http2) { cluster in
            let client = try cluster.tokenClient()
            let stream = client.watch(.configMaps, namespace: "cancel", options: WatchOptions())
            let (started, sink) = AsyncStream<Void>.makeStream()
            let consumer = Task {
                sink.yield()
                for try await _ in stream {}
            }
            var iterator = started.makeAsyncIterator()
            await iterator.next()
            #expect(await eventually { cluster.server.openWatchCount == 1 })
            consumer.cancel()
            let result = await consumer.result
            if case .failure(let error) = result { #expect((error as? KubeError)?.isCancelled == true, "\(error)") }
            #expect(await eventually { client.activeTransfers == 0 }, "the client aborted the transfer")
            if http2 {
                _ = try await client.get(.namespaces, namespace: nil, name: "default")
                #expect(openConnections(cluster.server) == 1, "the request went on the watch's connection")
            }
            #expect(await eventually { cluster.server.openWatchCount == 0 }, "the server saw the watch go away")
            #expect(cluster.server.store.watcherCount == 0)
        }
    }

    /// A client that shuts down closes its connection, and that alone ends its watches on the
    /// server: no request follows, no event is written.
    @Test(arguments: [true, false]) func shuttingTheClientDownEndsItsWatchOnTheServer(http2: Bool) async throws {
        try await withE2ECluster(seconds: 50, http2: http2) { cluster in
            let client = try cluster.tokenClient()
            let stream = client.watch(.configMaps, namespace: "gone", options: WatchOptions())
            let consumer = Task { for try await _ in stream {} }
            #expect(await eventually { cluster.server.openWatchCount == 1 })
            client.shutdown()
            _ = await consumer.result
            #expect(await eventually { cluster.server.openWatchCount == 0 }, "the server saw the connection close")
            #expect(cluster.server.store.watcherCount == 0)
            #expect(cluster.server.requestLog.map(\.verb).filter { $0 != "watch" } == [], "no other request was made")
        }
    }

    @Test func malformedJSONFromTheServerIsADecodingError() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            cluster.server.serveRawNext(1, body: "{\"kind\": \"Namespace\", \"metadata\": {\"name\": ")
            let error = await expectKubeError { _ = try await client.get(.namespaces, namespace: nil, name: "default") }
            guard case .decoding(let path, _)? = error else {
                Issue.record("expected a decoding error, got \(String(describing: error))")
                return
            }
            #expect(path == "/api/v1/namespaces/default")

            cluster.server.serveRawNext(1, body: "[1, 2, 3]")
            let list = await expectKubeError { _ = try await client.list(.namespaces, namespace: nil) }
            if case .decoding? = list {} else { Issue.record("expected a decoding error, got \(String(describing: list))") }

            // A malformed watch line is skipped (ending the watch would replay it on resume for
            // ever); with nothing else in the response the watch simply ends.
            cluster.server.serveRawNext(1, body: "{\"type\":\"ADDED\",\"object\":{\n", matching: RequestMatcher(verb: "watch"))
            var events = 0
            for try await _ in client.watch(.namespaces, namespace: nil, options: WatchOptions()) { events += 1 }
            #expect(events == 0)
            // And the client still works afterwards.
            #expect(try await client.get(.namespaces, namespace: nil, name: "default").name == "default")
        }
    }
}
