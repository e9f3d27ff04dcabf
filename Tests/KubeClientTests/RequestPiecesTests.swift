import Foundation
import KubeAPI
import Locking
import Logging
import Testing
@testable import KubeClient

@Suite struct RequestPiecesTests {
    @Test func queryEncoding() {
        let list = ListOptions(labelSelector: "app=gw,tier notin (a b)", fieldSelector: "metadata.name=x", limit: 500,
                               continueToken: "abc/+=", resourceVersion: "42")
        #expect(URLEncoding.query(list.queryItems) ==
            "labelSelector=app%3Dgw%2Ctier%20notin%20%28a%20b%29&fieldSelector=metadata.name%3Dx&limit=500&continue=abc%2F%2B%3D&resourceVersion=42")
        #expect(URLEncoding.query(ListOptions().queryItems) == "")
        let watch = WatchOptions(resourceVersion: "7", labelSelector: "a!=b", allowBookmarks: false)
        #expect(URLEncoding.query(watch.queryItems(resourceVersion: "9", timeoutSeconds: 300)) ==
            "watch=1&labelSelector=a%21%3Db&resourceVersion=9&timeoutSeconds=300")
        #expect(URLEncoding.component("ünï-._~") == "%C3%BCn%C3%AF-._~")
    }

    @Test func patchContentTypes() {
        #expect(Patch.merge([:]).contentType == "application/merge-patch+json")
        #expect(Patch.json([]).contentType == "application/json-patch+json")
        #expect(Patch.strategicMerge([:]).contentType == "application/strategic-merge-patch+json")
    }

    @Test func endpointWithServerNameConnectsToTheRealHost() throws {
        let plain = try Endpoint(server: "https://10.0.0.1:6443/", serverName: nil)
        #expect(plain.requestBase == "https://10.0.0.1:6443")
        #expect(plain.connectTo == nil)
        let named = try Endpoint(server: "https://10.0.0.1:6443/prefix", serverName: "kube.example")
        #expect(named.requestBase == "https://kube.example:6443/prefix")
        #expect(named.connectTo == "kube.example:6443:10.0.0.1:6443")
        #expect(named.displayBase == "https://10.0.0.1:6443/prefix")
        let v6 = try Endpoint(server: "https://[fd00::1]", serverName: "api")
        #expect(v6.connectTo == "api:443:[fd00::1]:443")
    }

    @Test(arguments: ["10.0.0.1:6443", "ftp://host", "https://", "https://h/?q=1", "https://user:pw@h"])
    func badServersAreConfigurationErrors(server: String) {
        #expect {
            _ = try Endpoint(server: server, serverName: nil)
        } throws: { error in
            if case .configuration(let message) = error as? KubeError { return !message.contains("pw") || server.contains("pw") }
            return false
        }
    }

    @Test func errorsFromResponses() {
        let status = KubeError.fromResponse(
            status: 409, body: Array(#"{"kind":"Status","code":409,"reason":"AlreadyExists","message":"exists"}"#.utf8), verb: "create", path: "/p")
        #expect(status.isAlreadyExists && !status.isConflict)
        #expect(status.description == "create /p failed with HTTP 409 AlreadyExists: exists")
        let html = KubeError.fromResponse(status: 503, body: Array("<html>down</html>".utf8), verb: "get", path: "/p")
        #expect(html.statusCode == 503 && html.isTransient)
        #expect(html.description.contains("<html>down</html>"))
        let empty = KubeError.fromResponse(status: 404, body: [], verb: "get", path: "/p")
        #expect(empty.isNotFound && empty.reason == "NotFound")
        #expect(KubeError.fromResponse(status: 410, body: [], verb: "list", path: "/p").isGone)
        #expect(!KubeError.configuration("x").isTransient)
        #expect(KubeError.transport(url: "u", message: "m").isTransient)
    }

    @Test func clientRefusesContradictoryTLS() {
        let both = TLSSettings(certificateAuthorityPEM: SecretBytes("ca"), insecureSkipTLSVerify: true)
        #expect(throws: KubeError.self) { _ = try KubeClient(config: ClusterConfig(server: "https://h", tls: both)) }
        let certOnly = TLSSettings(clientCertificatePEM: SecretBytes("c"))
        #expect(throws: KubeError.self) { _ = try KubeClient(config: ClusterConfig(server: "https://h", tls: certOnly)) }
    }

    @Test func insecureTLSFromTheKubeconfigIsWarnedAbout() throws {
        let lines = WarningLines()
        let logger = Logger(label: "test") { _ in lines }
        let insecure = try KubeClient(config: ClusterConfig(server: "https://h", tls: TLSSettings(insecureSkipTLSVerify: true),
                                                            origin: "kubeconfig ~/.kube/config"), logger: logger)
        insecure.shutdown()
        #expect(lines.current.count == 1)
        #expect(lines.current.first?.contains("insecure-skip-tls-verify") == true)
        let verified = try KubeClient(config: ClusterConfig(server: "https://h"), logger: logger)
        verified.shutdown()
        #expect(lines.current.count == 1, "no warning when verification is on")
    }
}

/// Collects warnings and worse (a class so the copies swift-log makes share the lines).
final class WarningLines: LogHandler, @unchecked Sendable {
    private let lines = Locked<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .warning
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLock { $0.append("\(event.message) \(event.metadata ?? [:])") }
    }

    var current: [String] { lines.current }
}

@Suite struct StreamBufferTests {
    @Test func refusesWhenFullAndAsksForUnpauseAfterDraining() async {
        let buffer = StreamBuffer(capacity: 10)
        buffer.publishHead(ResponseHead(status: 200, headers: [:]))
        let six = [UInt8](repeating: 1, count: 6)
        #expect(six.withUnsafeBytes { buffer.offer($0) })
        #expect(six.withUnsafeBytes { buffer.offer($0) })  // 12 bytes: at capacity now
        #expect(!six.withUnsafeBytes { buffer.offer($0) })  // refused: the transfer pauses
        let first = await buffer.take()
        #expect(!first.needsUnpause)  // 6 bytes still waiting: above half
        let second = await buffer.take()
        #expect(second.needsUnpause)
        buffer.finish(nil)
        guard case .end = await buffer.take().item else { Issue.record("expected the end"); return }
    }

    @Test func consumerWaitsForTheProducer() async {
        let buffer = StreamBuffer(capacity: 100)
        // One consumer at a time: it waits for the head, then for a chunk.
        let consumer = Task { (await buffer.head(), await buffer.take().item) }
        buffer.publishHead(ResponseHead(status: 201, headers: ["x": "y"]))
        _ = [UInt8]([1, 2, 3]).withUnsafeBytes { buffer.offer($0) }
        let (head, item) = await consumer.value
        #expect((try? head.get())?.status == 201)
        guard case .chunk(let bytes) = item else { Issue.record("expected a chunk"); return }
        #expect(bytes == [1, 2, 3])
        buffer.finish(.cancelled)
        guard case .failure(.cancelled) = await buffer.take().item else { Issue.record("expected .cancelled"); return }
    }

    /// A consumer waiting for data is woken a delivery window after the first chunk (by the
    /// driver's `wakeIfDue`), and takes everything that came meanwhile without waiting again.
    @Test func deliveryWindowBatchesChunksForOneWakeUp() async throws {
        let clock = Locked<UInt64>(1_000)
        let buffer = StreamBuffer(capacity: 100, deliveryWindow: .milliseconds(10), now: { clock.current })
        buffer.publishHead(ResponseHead(status: 200, headers: [:]))
        let consumer = Task { (await buffer.take().item, await buffer.take().item) }
        while !buffer.hasWaiter { await Task.yield() }
        _ = [UInt8]([1]).withUnsafeBytes { buffer.offer($0) }
        #expect(buffer.hasWaiter)  // not woken by the chunk
        clock.withLock { $0 += 4_000_000 }
        #expect(buffer.wakeIfDue() == 6_000_000)  // 6 ms to go
        _ = [UInt8]([2]).withUnsafeBytes { buffer.offer($0) }
        #expect(buffer.hasWaiter)
        clock.withLock { $0 += 6_000_000 }
        #expect(buffer.wakeIfDue() == nil)
        let (first, second) = await consumer.value
        guard case .chunk(let a) = first, case .chunk(let b) = second, a == [1], b == [2] else {
            Issue.record("expected [1] then [2]")
            return
        }
        #expect(buffer.wakeIfDue() == nil)  // nothing pending
    }

    /// A chunk that arrives while the consumer is busy (not waiting) starts the window too: the
    /// driver is told to wake at its end instead of polling the socket for every event meanwhile
    /// (it got nil, "poll now", before); the consumer takes the chunk without waiting, and the
    /// window's end then has no one to wake.
    @Test func aBusyConsumerStillBatchesTheDriversReads() async throws {
        let clock = Locked<UInt64>(1_000)
        let buffer = StreamBuffer(capacity: 100, deliveryWindow: .milliseconds(10), now: { clock.current })
        buffer.publishHead(ResponseHead(status: 200, headers: [:]))
        _ = [UInt8]([1]).withUnsafeBytes { buffer.offer($0) }
        #expect(!buffer.hasWaiter)
        clock.withLock { $0 += 3_000_000 }
        #expect(buffer.wakeIfDue() == 7_000_000)  // 7 ms to go
        _ = [UInt8]([2]).withUnsafeBytes { buffer.offer($0) }
        #expect(buffer.wakeIfDue() == 7_000_000, "the window runs from the first chunk")
        guard case .chunk([1]) = await buffer.take().item, case .chunk([2]) = await buffer.take().item else {
            Issue.record("expected [1] then [2], at once")
            return
        }
        clock.withLock { $0 += 7_000_000 }
        #expect(buffer.wakeIfDue() == nil)  // due, nobody to wake
        #expect(buffer.wakeIfDue() == nil)  // and over
        // The next chunk opens a new window; a consumer waiting by then is woken at its end.
        let consumer = Task { await buffer.take().item }
        while !buffer.hasWaiter { await Task.yield() }
        _ = [UInt8]([3]).withUnsafeBytes { buffer.offer($0) }
        #expect(buffer.hasWaiter && buffer.wakeIfDue() == 10_000_000)
        clock.withLock { $0 += 10_000_000 }
        #expect(buffer.wakeIfDue() == nil)
        guard case .chunk([3]) = await consumer.value else { Issue.record("expected [3]"); return }
    }

    /// A stream that never runs empty (a watch during a big sync: initial events, then
    /// heartbeats, always a chunk or two waiting) holds only what is unread. A read chunk used to
    /// stay referenced until the buffer next ran empty: 137 MB of a 10,000-gateway sync's heap.
    @Test func holdsOnlyUnreadChunksWhileNeverRunningEmpty() async {
        let buffer = StreamBuffer(capacity: 1_000)
        buffer.publishHead(ResponseHead(status: 200, headers: [:]))
        func offer(_ n: Int) { _ = [UInt8](repeating: UInt8(n % 256), count: 10).withUnsafeBytes { buffer.offer($0) } }
        offer(0)
        offer(1)
        for n in 2..<1_002 {
            offer(n)
            guard case .chunk(let bytes) = await buffer.take().item else { Issue.record("expected a chunk"); return }
            #expect(bytes == [UInt8](repeating: UInt8((n - 2) % 256), count: 10))  // in order
            let held = buffer.held
            #expect(held.bytes == 20, "after \(n - 1) chunks read")  // the two unread ones
            #expect(held.slots <= 130)  // read slots are dropped, not kept for ever
        }
    }

    /// No window, a buffer half full, and the end each wake the consumer at once.
    @Test func someThingsWakeTheConsumerAtOnce() async {
        for (window, size, end) in [(Duration.zero, 1, false), (.seconds(60), 50, false), (.seconds(60), 0, true)] {
            let buffer = StreamBuffer(capacity: 100, deliveryWindow: window, now: { 0 })
            buffer.publishHead(ResponseHead(status: 200, headers: [:]))
            let consumer = Task { await buffer.take().item }
            while !buffer.hasWaiter { await Task.yield() }
            if end { buffer.finish(nil) } else { _ = [UInt8](repeating: 7, count: size).withUnsafeBytes { buffer.offer($0) } }
            #expect(!buffer.hasWaiter, "window \(window), \(size) bytes, end \(end)")
            _ = await consumer.value
        }
    }
}

