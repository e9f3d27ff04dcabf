import Foundation
import HealthModel
import KubeAPI
import KubeClient
import Locking
import TestSupport
import Testing
@testable import Remediation

/// Counts attempts on the way to a real poster.
final class CountingPoster: WebhookPosting, Sendable {
    let inner: WebhookPoster
    private let count = Locked(0)
    init(_ inner: WebhookPoster) { self.inner = inner }
    var attempts: Int { count.current }
    func postJSON(url: String, body: [UInt8], headers: [String: String], secretHeaders: [String: SecretString]) async throws -> Int {
        count.withLock { $0 += 1 }
        return try await inner.postJSON(url: url, body: body, headers: headers, secretHeaders: secretHeaders)
    }
}

func sampleDraft(_ name: String, updated: Double = 150) -> TicketDraft? {
    let a = assessment(.configFail, reason: "ApplyTimedOut", since: t0, configApplied: false)
    return TicketPlanner.update(existing: [], gateway: key(name), assessment: a, record: RemediationRecord(),
                                lastEvents: [], policy: enabled, now: at(updated), version: "0.3.0").changes.first?.draft
}

func temporaryFolder() -> String {
    NSTemporaryDirectory() + "gateway-medic-tests-" + UUID().uuidString
}

@Suite struct SinkTests {
    @Test func directorySinkWritesBothFilesAndRemovesThem() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sink = DirectoryTicketSink(path: folder + "/tickets")
        let d = try #require(sampleDraft("gw-1"))
        try await sink.open(d)
        var rewritten = d
        rewritten.status = .resolved
        rewritten.resolvedAt = at(500)
        try await sink.resolve(rewritten)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/tickets").sorted()
        #expect(files == ["\(d.id).json", "\(d.id).md"])
        #expect(try sink.loadAll() == [rewritten])
        let md = try String(contentsOfFile: folder + "/tickets/\(d.id).md", encoding: .utf8)
        #expect(md.contains("| Status | resolved |"))
        try await sink.remove(id: d.id)
        try await sink.remove(id: d.id)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/tickets").isEmpty)
    }

    @Test func printSinkPrintsMarkdown() async throws {
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let lines = Lines()
        let sink = PrintTicketSink { lines.all.append($0) }
        let d = try #require(sampleDraft("gw-1"))
        let errors = await sink.apply([.open(d), .expire(id: "x")])
        #expect(errors.isEmpty)
        #expect(lines.all.count == 2)
        #expect(lines.all[0].contains("# Gateway gw-1 is CONFIG_FAIL"))
    }

    @Test func webhookKeepsDraftsWhileTheReceiverIsDownAndDeliversEachVersionOnce() async throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "  webhook-s3cret\n".write(toFile: folder + "/secret", atomically: true, encoding: .utf8)

        // Reserve a port, then leave nothing listening on it: the receiver is down.
        let reserved = try LoopbackHTTPServer()
        let port = reserved.port
        reserved.stop()

        let poster = CountingPoster(try WebhookPoster(timeout: .seconds(5), connectTimeout: .seconds(2)))
        let sink = WebhookTicketSink(url: "http://127.0.0.1:\(port)/hook?key=in-url", headerName: "X-Medic-Secret",
                                     secret: .file(folder + "/secret"), poster: poster,
                                     retry: WebhookRetryPolicy(initialDelay: .milliseconds(20), maxDelay: .milliseconds(100)))
        let d1 = try #require(sampleDraft("gw-1"))
        let d2 = try #require(sampleDraft("gw-2"))
        try await sink.open(d1)
        try await sink.open(d2)
        try await sink.update(d1)  // the same version again: not queued twice
        #expect(await eventually { poster.attempts >= 3 })
        #expect(await sink.pendingCount == 2)
        #expect(await sink.deliveredCount == 0)

        let receiver = try LoopbackHTTPServer(port: port)
        defer { receiver.stop() }
        #expect(await eventually { await sink.deliveredCount == 2 })
        #expect(await sink.pendingCount == 0)
        let first = receiver.requests
        #expect(first.count == 2)
        #expect(first.allSatisfy { $0.method == "POST" && $0.target == "/hook?key=in-url" })
        #expect(first.allSatisfy { $0.headers["x-medic-secret"] == "webhook-s3cret" })
        #expect(first.allSatisfy { $0.headers["content-type"] == "application/json" })
        #expect(Set(first.compactMap { $0.headers["idempotency-key"] }).count == 2)
        #expect(first[0].body.contains(d1.id) && first[1].body.contains(d2.id))
        #expect(first[0].body.contains("\"markdown\""))

        // A delivered version written again is not sent; a newer version is.
        try await sink.update(d1)
        var newer = d1
        newer.updatedAt = at(900)
        newer.status = .resolved
        try await sink.resolve(newer)
        #expect(await eventually { await sink.deliveredCount == 3 })
        let all = receiver.requests
        #expect(all.count == 3)
        #expect(all[2].headers["idempotency-key"] == "\(d1.id)@\(KubeTime.format(at(900)))")
        await sink.stop()
    }

    @Test func webhookSecretFromTheEnvironmentAndErrorsWithoutSecrets() async throws {
        let receiver = try LoopbackHTTPServer { request in
            request.headers["authorization"] == "Bearer env-s3cret" ? .ok : .init(status: 401, body: "no")
        }
        defer { receiver.stop() }
        let poster = try WebhookPoster()
        let sink = WebhookTicketSink(url: receiver.url + "/t", secret: .environment("MEDIC_HOOK"), poster: poster,
                                     environment: ["MEDIC_HOOK": "Bearer env-s3cret"])
        try await sink.open(try #require(sampleDraft("gw-1")))
        #expect(await eventually { await sink.deliveredCount == 1 })
        await sink.stop()

        // A 401 names the URL without its query, never the secret.
        do {
            try await poster.postJSON(url: receiver.url + "/t?token=abc", body: Array("{}".utf8),
                                      secretHeaders: ["Authorization": SecretString("Bearer wrong-s3cret")])
            Issue.record("expected a 401")
        } catch {
            #expect(error.statusCode == 401)
            #expect(!error.description.contains("s3cret"))
            #expect(!error.description.contains("token=abc"))
        }
        #expect(throws: TicketSinkError.self) { _ = try WebhookSecretSource.environment("UNSET_VAR").read(environment: [:]) }
        #expect(WebhookRetryPolicy().delay(afterAttempt: 1) == .seconds(1))
        #expect(WebhookRetryPolicy().delay(afterAttempt: 10) == .seconds(60))
    }
}

@Suite struct DirectorySinkSafetyTests {
    @Test func refusesIDsThatAreNotTicketIDs() async {
        let sink = DirectoryTicketSink(path: temporaryFolder())
        await #expect(throws: TicketSinkError.self) { try await sink.remove(id: "../etc/passwd") }
    }
}
