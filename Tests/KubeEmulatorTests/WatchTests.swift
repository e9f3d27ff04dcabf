import Foundation
import HedgehogResources
import KubeAPI
import Testing
import TestSupport
@testable import KubeEmulator

@Suite struct WatchTests {
    let agents = "/apis/gwint.githedgehog.com/v1alpha1/namespaces/default/gatewayagents"

    func event(_ line: String?) -> (type: String, name: String?, rv: String?)? {
        guard let line, let v = try? JSONValue.parse(line) else { return nil }
        return (v["type"]?.stringValue ?? "", v[path: "object", "metadata", "name"]?.stringValue, v[path: "object", "metadata", "resourceVersion"]?.stringValue)
    }

    @Test func watchStreamsStateThenChangesAndBookmarks() async throws {
        try await withEmulator { server in
            try server.store.create(.gatewayAgents, agent("a", labels: ["w": "1"]))
            try server.store.create(.gatewayAgents, agent("skipped"))
            let stream = try Curl(server).watch("\(agents)?watch=1&allowWatchBookmarks=true&labelSelector=w%3D1")
            defer { stream.terminateIfRunning() }
            let initial = event(await stream.nextLine())
            #expect(initial?.type == "ADDED" && initial?.name == "a")
            #expect(await eventually { server.openWatchCount == 1 })
            try server.store.create(.gatewayAgents, agent("b", labels: ["w": "1"]))
            let added = event(await stream.nextLine())
            #expect(added?.type == "ADDED" && added?.name == "b")
            _ = try server.store.patch(.gatewayAgents, name: "b", ["spec": ["x": 1]])
            #expect(event(await stream.nextLine())?.type == "MODIFIED")
            server.sendBookmarks()
            let bookmark = event(await stream.nextLine())
            #expect(bookmark?.type == "BOOKMARK")
            #expect(bookmark?.rv == String(server.store.resourceVersion))
            _ = try server.store.delete(.gatewayAgents, name: "b")
            #expect(event(await stream.nextLine())?.type == "DELETED")
        }
    }

    @Test func watchResumesFromResourceVersionAndExpiresAfterCompaction() async throws {
        try await withEmulator { server in
            let first = try server.store.create(.gatewayAgents, agent("a"))
            let rv = try #require(first[path: "metadata", "resourceVersion"]?.stringValue)
            try server.store.create(.gatewayAgents, agent("b"))
            let resumed = try Curl(server).watch("\(agents)?watch=true&resourceVersion=\(rv)")
            let next = event(await resumed.nextLine())
            #expect(next?.type == "ADDED" && next?.name == "b", "only changes after the given version")
            resumed.terminateIfRunning()

            server.compact()
            let expired = try Curl(server).watch("\(agents)?watch=1&resourceVersion=\(rv)")
            let line = try #require(await expired.nextLine())
            let value = try JSONValue.parse(line)
            #expect(value["type"] == "ERROR")
            #expect(value[path: "object", "code"] == .int(410))
            #expect(value[path: "object", "reason"] == "Expired")
            #expect(await expired.nextLine() == nil, "the stream ends after the error")
        }
    }

    @Test func periodicBookmarks() async throws {
        var configuration = EmulatorConfiguration()
        configuration.bookmarkInterval = .milliseconds(200)
        try await withEmulator(configuration) { server in
            let stream = try Curl(server).watch("\(agents)?watch=1&allowWatchBookmarks=1&resourceVersion=\(server.store.resourceVersion)")
            defer { stream.terminateIfRunning() }
            let first = event(await stream.nextLine(within: .seconds(5)))
            #expect(first?.type == "BOOKMARK")
            #expect(event(await stream.nextLine(within: .seconds(5)))?.type == "BOOKMARK")
        }
    }

    /// As kube-apiserver's watch cache: a watch with a deadline gets a bookmark shortly before
    /// it, so a client can open a short watch to learn it has seen everything up to now.
    @Test func bookmarkShortlyBeforeTheDeadline() async throws {
        var configuration = EmulatorConfiguration()
        configuration.bookmarkBeforeTimeout = .milliseconds(800)
        try await withEmulator(configuration) { server in
            let from = server.store.resourceVersion
            try server.store.create(.gatewayAgents, agent("missed"))
            let stream = try Curl(server).watch("\(agents)?watch=1&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=\(from)")
            let replayed = event(await stream.nextLine(within: .seconds(5)))
            #expect(replayed?.type == "ADDED" && replayed?.name == "missed")
            let bookmark = event(await stream.nextLine(within: .seconds(5)))
            #expect(bookmark?.type == "BOOKMARK")
            #expect(bookmark?.rv == String(server.store.resourceVersion))
            #expect(await stream.nextLine(within: .seconds(5)) == nil, "then the deadline ends the watch")
            #expect(await stream.exitStatus() == 0)
            // No bookmark was asked for: none is sent.
            let plain = try Curl(server).watch("\(agents)?watch=1&timeoutSeconds=1&resourceVersion=\(server.store.resourceVersion)")
            #expect(await plain.nextLine(within: .seconds(5)) == nil)
        }
    }

    @Test func cutInTheMiddleOfALine() async throws {
        try await withEmulator { server in
            let stream = try Curl(server).watch("\(agents)?watch=1&resourceVersion=\(server.store.resourceVersion)")
            #expect(await eventually { server.openWatchCount == 1 })
            #expect(server.cutWatchesMidLine() == 1)
            #expect(server.midLineCutCount == 0, "armed: the cut waits for the next line")
            try server.store.create(.gatewayAgents, agent("halved"))
            let part = try #require(await stream.nextLine())
            #expect((try? JSONValue.parse(part)) == nil, "only a part of the line arrived: \(part)")
            #expect(part.hasPrefix(#"{"type":"ADDED""#))
            #expect(await stream.nextLine() == nil)
            #expect(await stream.exitStatus() != 0, "curl reports a transfer cut short")
            #expect(server.midLineCutCount == 1)
            #expect(await eventually { server.openWatchCount == 0 && server.store.watcherCount == 0 })
        }
    }

    @Test func exactListAndContinueFromBeforeCompactionAreGone() async throws {
        try await withEmulator { server in
            for i in 0..<3 { try server.store.create(.gatewayAgents, agent("g\(i)")) }
            let curl = Curl(server)
            let page = try await curl.get("\(agents)?limit=1")
            let token = try #require(page.json?[path: "metadata", "continue"]?.stringValue)
            let old = server.store.resourceVersion
            try server.store.create(.gatewayAgents, agent("later"))
            server.compact()
            let encoded = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token
            #expect(try await curl.get("\(agents)?limit=1&continue=\(encoded)").code == 410)
            let exact = try await curl.get("\(agents)?resourceVersion=\(old)&resourceVersionMatch=Exact")
            #expect(exact.code == 410 && exact.json?["reason"] == "Expired")
            #expect(try await curl.get("\(agents)?resourceVersion=\(old)").code == 200)
        }
    }

    /// The server's deadline ends the watch: a proper end of the chunked body (curl exits 0; its
    /// own `--max-time` would make it exit 28), and not before the deadline. No wall-time upper
    /// bound: on a loaded machine starting curl alone may take seconds.
    @Test func timeoutSecondsEndsTheStreamCleanly() async throws {
        try await withEmulator { server in
            let started = ContinuousClock.now
            let stream = try Curl(server).watch("\(agents)?watch=1&timeoutSeconds=1")
            #expect(await stream.nextLine(within: .seconds(120)) == nil, "the stream ends without an event")
            #expect(await stream.exitStatus() == 0, "curl exits 0 when the chunked body ended properly")
            #expect(ContinuousClock.now - started >= .seconds(1), "not before the deadline")
            #expect(await eventually { server.openWatchCount == 0 && server.store.watcherCount == 0 })
        }
    }

    @Test func cutAllWatchesAbortsTheConnection() async throws {
        try await withEmulator { server in
            try server.store.create(.gatewayAgents, agent("a"))
            let stream = try Curl(server).watch("\(agents)?watch=1")
            #expect(event(await stream.nextLine())?.name == "a")
            #expect(await eventually { server.openWatchCount == 1 })
            #expect(server.cutAllWatches() == 1)
            #expect(await stream.nextLine() == nil)
            #expect(await stream.exitStatus() != 0, "curl reports a transfer cut short")
            #expect(await eventually { server.store.watcherCount == 0 })
        }
    }

    /// A client that goes away (its process killed: the kernel closes the TCP connection) ends
    /// its watch at once, as kube-apiserver does: no event is written that would find the
    /// connection broken, and no bookmark was asked for.
    @Test func aClientThatGoesAwayEndsItsWatch() async throws {
        try await withEmulator { server in
            try server.store.create(.gatewayAgents, agent("a"))
            let stream = try Curl(server).watch("\(agents)?watch=1")
            #expect(event(await stream.nextLine())?.name == "a")
            #expect(await eventually { server.openWatchCount == 1 && server.store.watcherCount == 1 })
            stream.terminateIfRunning()
            #expect(await stream.exitStatus() != 0)
            #expect(await eventually { server.openWatchCount == 0 }, "the server saw the client go away")
            #expect(server.store.watcherCount == 0)
        }
    }

    @Test func restartKeepsPortAndStore() async throws {
        try await withEmulator { server in
            try server.store.create(.gatewayAgents, agent("kept"))
            let port = server.port
            // Outside the range outgoing connections take their ports from, so nothing else on
            // the machine can take it while the server is stopped.
            #expect(port < ListenPorts.ephemeralRangeStart(), "port \(port)")
            try await server.restart()
            #expect(server.port == port)
            #expect(try await Curl(server).get("\(agents)/kept").code == 200)
            // /proc/net/tcp is no snapshot: read while sockets come and go (the suite's other
            // tests, other processes), it can miss a line. So the listener must show in one read,
            // and once stopped in none of several.
            #expect(await eventually { ListenPorts.socketStates(port: port).contains("LISTEN") })
            await server.stop()
            #expect((0..<5).allSatisfy { _ in !ListenPorts.socketStates(port: port).contains("LISTEN") },
                    "the listener is closed when stop() returns: \(ListenPorts.socketStates(port: port))")
            let stopped = try await Curl(server).get("\(agents)/kept")
            #expect(stopped.code == 0, "nothing listens while stopped: \(stopped.headers) \(stopped.body.prefix(300)); \(ListenPorts.socketStates(port: port))")
            try await server.start()
            #expect(server.port == port)
        }
    }
}
