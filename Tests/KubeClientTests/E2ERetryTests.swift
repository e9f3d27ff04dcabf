import Foundation
import KubeAPI
import KubeClient
import Testing
@testable import KubeEmulator

/// Injected 429, 503 and 403 answers: which are retried, how long the client waits, what the
/// caller sees.
@Suite(.timeLimit(.minutes(1))) struct E2ERetryTests {
    @Test func tooManyRequestsWaitsForRetryAfter() async throws {
        try await withE2ECluster { cluster in
            // Default retry policy: Retry-After is honoured.
            var options = E2ECluster.fastOptions
            options.retry.honorRetryAfter = true
            let client = try cluster.tokenClient(options: options)
            cluster.server.failNext(1, status: 429, retryAfter: 1)
            let started = ContinuousClock.now
            let object = try await client.get(.namespaces, namespace: nil, name: "default")
            let waited = ContinuousClock.now - started
            #expect(object.name == "default")
            #expect(cluster.server.requestLog.map(\.code) == [429, 200])
            // A lower bound only: the retry came after about the second the server asked for.
            #expect(waited >= .milliseconds(900), "waited \(waited)")
        }
    }

    @Test func burstOfServiceUnavailableIsRetried() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            try cluster.server.store.create(.configMaps, configMap("target"))
            cluster.server.failNext(3, status: 503)
            let object = try await client.get(.configMaps, namespace: "default", name: "target")
            #expect(object.name == "target")
            let log = cluster.server.requestLog
            #expect(log.map(\.code) == [503, 503, 503, 200])
            #expect(log.allSatisfy { $0.verb == "get" && $0.name == "target" })

            // Writes are retried on 503 too (the server never processed them).
            cluster.server.resetRequestLog()
            cluster.server.failNext(2, status: 503, matching: RequestMatcher(verb: "create"))
            _ = try await client.create(.configMaps, namespace: "default", body: configMap("written"))
            #expect(cluster.server.requestLog.map(\.code) == [503, 503, 201])
        }
    }

    @Test func forbiddenIsNotRetriedAndItsMessageReachesTheCaller() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            cluster.server.failNext(1, status: 403)
            let error = await expectKubeError { _ = try await client.get(.namespaces, namespace: nil, name: "default") }
            #expect(error?.isForbidden == true)
            #expect(error?.description.contains("injected fault: HTTP 403") == true, "\(String(describing: error))")
            #expect(error?.description.contains("/api/v1/namespaces/default") == true)
            #expect(cluster.server.requestLog.map(\.code) == [403])
        }
    }

    @Test func retriesRunOutWithTheLastAnswer() async throws {
        try await withE2ECluster { cluster in
            var options = E2ECluster.fastOptions
            options.retry.maxAttempts = 3
            let client = try cluster.tokenClient(options: options)
            cluster.server.failNext(5, status: 503)
            let error = await expectKubeError { _ = try await client.list(.pods, namespace: "default") }
            #expect(error?.statusCode == 503)
            #expect(error?.isTransient == true)
            #expect(cluster.server.requestLog.count == 3)
        }
    }
}
