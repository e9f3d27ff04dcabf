import Foundation
import KubeAPI
import Testing
import TestSupport
@testable import KubeClient

func event(_ type: String, rv: Int) -> String {
    #"{"type":"\#(type)","object":{"kind":"Pod","metadata":{"name":"w","resourceVersion":"\#(rv)"}}}"# + "\n"
}

/// Three events and a bookmark after the requested resourceVersion, cut into 7-byte chunks.
func splitStream(after rv: Int) -> [LoopbackHTTPServer.Step] {
    let text = event("ADDED", rv: rv + 1) + event("MODIFIED", rv: rv + 2) + event("DELETED", rv: rv + 3) + event("BOOKMARK", rv: rv + 10)
    let bytes = Array(text.utf8)
    let chunks = stride(from: 0, to: bytes.count, by: 7).map { String(decoding: bytes[$0..<min($0 + 7, bytes.count)], as: UTF8.self) }
    return [.chunkedHead] + chunks.map { .chunk($0) }
}

func requestedVersion(_ target: String) -> Int {
    URLComponents(string: target)?.queryItems?.first { $0.name == "resourceVersion" }?.value.flatMap(Int.init) ?? 0
}

@Suite(.timeLimit(.minutes(1))) struct WatchStreamTests {
    /// One stream is one request: it ends when the server ends it; resuming is the informer's.
    @Test func decodesSplitLinesAndEndsWithTheRequest() async throws {
        let server = try LoopbackHTTPServer { request, _ in splitStream(after: requestedVersion(request.target)) + [.lastChunk] }
        defer { server.stop() }
        let client = try fastClient(server)
        defer { client.shutdown() }
        var seen: [String] = []
        for try await e in client.watch(.pods, namespace: "default", options: WatchOptions(resourceVersion: "100", timeoutSeconds: 30)) {
            seen.append("\(e.type.rawValue) \(e.object[path: "metadata", "resourceVersion"]?.stringValue ?? "-")")
        }
        #expect(seen == ["ADDED 101", "MODIFIED 102", "DELETED 103", "BOOKMARK 110"])
        let targets = server.requests.map(\.target)
        #expect(targets == ["/api/v1/namespaces/default/pods?watch=1&allowWatchBookmarks=true&resourceVersion=100&timeoutSeconds=30"])
    }

    /// A connection cut in the middle of a line: the part is never delivered, the stream throws
    /// a transport error, and its resume point is the last whole line's version.
    @Test func cutInTheMiddleOfALineThrowsAndKeepsTheResumePoint() async throws {
        let server = try LoopbackHTTPServer { request, _ in
            splitStream(after: requestedVersion(request.target)) + [.chunk(#"{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"cut","resourceVersion":"1"#)]
        }
        defer { server.stop() }
        let client = try fastClient(server)
        defer { client.shutdown() }
        var iterator = client.watch(.pods, namespace: nil, options: WatchOptions(resourceVersion: "100")).makeAsyncIterator()
        var seen: [String] = []
        var failure: KubeError?
        do throws(KubeError) {
            while let e = try await iterator.next() { seen.append(e.object.name ?? "-") }
        } catch {
            failure = error
        }
        #expect(seen == ["w", "w", "w", "w"], "the cut line is not delivered")
        #expect(failure?.isTransport == true, "\(String(describing: failure))")
        #expect(iterator.resourceVersion == "110")
        #expect(server.requests.count == 1, "the client does not re-open by itself")
    }

    @Test func errorEventWith410EndsTheStreamWithGone() async throws {
        let gone = #"{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version"}}"# + "\n"
        let server = try LoopbackHTTPServer { request, _ in splitStream(after: 5) + [.chunk(gone), .lastChunk] }
        defer { server.stop() }
        let client = try fastClient(server)
        defer { client.shutdown() }
        var count = 0
        let error = await #expect(throws: KubeError.self) {
            for try await _ in client.watch(.pods, namespace: nil, options: WatchOptions(resourceVersion: "5")) { count += 1 }
        }
        #expect(count == 4)
        guard case .gone(let rv)? = error else { Issue.record("expected .gone, got \(String(describing: error))"); return }
        #expect(rv == "15")
    }

    @Test func http410AndForbiddenAreTypedErrors() async throws {
        let server = try LoopbackHTTPServer { request, _ in
            request.target.contains("resourceVersion=1&")
                ? [.json(410, #"{"kind":"Status","code":410,"reason":"Expired"}"#)]
                : [.json(403, #"{"kind":"Status","code":403,"reason":"Forbidden","message":"cannot watch pods"}"#)]
        }
        defer { server.stop() }
        let client = try fastClient(server)
        defer { client.shutdown() }
        let gone = await #expect(throws: KubeError.self) {
            for try await _ in client.watch(.pods, namespace: nil, options: WatchOptions(resourceVersion: "1")) {}
        }
        #expect(gone?.isGone == true)
        let forbidden = await #expect(throws: KubeError.self) {
            for try await _ in client.watch(.pods, namespace: nil, options: WatchOptions(resourceVersion: "2")) {}
        }
        #expect(forbidden?.isForbidden == true)
        #expect(forbidden?.description.contains("cannot watch pods") == true)
        #expect(server.requests.count == 2)
    }

    /// A malformed line must not end the watch: resuming from the last resourceVersion would
    /// replay it forever and every later event would be lost.
    @Test func malformedLineIsSkippedAndTheWatchGoesOn() async throws {
        let deep = #"{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"deep","resourceVersion":"7"},"status":"#
            + String(repeating: "[", count: 400) + String(repeating: "]", count: 400) + "}}\n"
        let server = try LoopbackHTTPServer { _, _ in
            [.chunkedHead, .chunk("{oops}\n"), .chunk(event("ADDED", rv: 5)), .chunk(deep), .chunk(event("MODIFIED", rv: 8)), .lastChunk]
        }
        defer { server.stop() }
        let client = try fastClient(server)
        defer { client.shutdown() }
        var seen: [String] = []
        for try await e in client.watch(.pods, namespace: nil, options: WatchOptions()) {
            let marked = UnreadableObject.partialReason(e.object) == nil ? "" : " partial"
            seen.append("\(e.type.rawValue) \(e.object.name ?? "-") \(e.object[path: "metadata", "resourceVersion"]?.stringValue ?? "-")\(marked)")
        }
        #expect(seen == ["ADDED w 5", "MODIFIED deep 7 partial", "MODIFIED w 8"])
    }

    /// A watch line over `maxObjectBytes` is skipped without being buffered; its object is
    /// replaced by a stub, and the events after it arrive.
    @Test func oversizedLineBecomesAStubAndTheWatchGoesOn() async throws {
        let big = #"{"object":{"kind":"Pod","metadata":{"name":"big","namespace":"default","resourceVersion":"6"},"status":{"blob":""#
            + String(repeating: "x", count: 200_000) + #""}},"type":"MODIFIED"}"# + "\n"
        let server = try LoopbackHTTPServer { _, _ in
            [.chunkedHead, .chunk(event("ADDED", rv: 5)), .chunk(big), .chunk(event("MODIFIED", rv: 7)), .lastChunk]
        }
        defer { server.stop() }
        var options = ClientOptions(retry: RetryPolicy(maxAttempts: 1))
        options.maxObjectBytes = 64 << 10
        let client = try KubeClient(config: ClusterConfig(server: server.url), options: options)
        defer { client.shutdown() }
        var seen: [WatchEvent] = []
        for try await e in client.watch(.pods, namespace: nil, options: WatchOptions()) { seen.append(e) }
        #expect(seen.map { $0.object.name ?? "-" } == ["w", "big", "w"])
        #expect(seen.map(\.type) == [.added, .modified, .modified])
        let stub = seen.count == 3 ? seen[1].object : [:]
        #expect(UnreadableObject.reason(stub)?.contains("exceeds the client's 65536-byte limit") == true)
        #expect(stub[path: "metadata", "namespace"]?.stringValue == "default")
        #expect(stub["status"] == nil, "nothing of the oversized body is kept")
    }

    @Test func leavingTheLoopAbortsTheTransfer() async throws {
        let server = try LoopbackHTTPServer { _, _ in splitStream(after: 0) + [.hang] }
        defer { server.stop() }
        let client = try fastClient(server)
        defer { client.shutdown() }
        for try await _ in client.watch(.pods, namespace: nil, options: WatchOptions()) { break }
        // The cancel command is asynchronous: wait for the driver to process it.
        #expect(await eventually { client.activeTransfers == 0 })
    }
}
