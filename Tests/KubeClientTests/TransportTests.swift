import Foundation
import KubeAPI
@testable import KubeClient
import Locking
import Testing
import TestSupport

/// Token "stale" until refreshed, then "fresh"; counts the calls.
struct RefreshingToken: CredentialProvider {
    let calls = Locked(0)
    func credentials(refresh: Bool) async throws -> Credentials {
        calls.withLock { $0 += 1 }
        return Credentials(bearerToken: SecretString(refresh ? "fresh" : "stale"))
    }
}

func pod(_ name: String, rv: Int) -> String {
    #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","namespace":"default","resourceVersion":"\#(rv)"}}"#
}

func fastClient(_ server: LoopbackHTTPServer, credentials: any CredentialProvider = NoCredentials()) throws -> KubeClient {
    try KubeClient(
        config: ClusterConfig(server: server.url, credentials: credentials),
        options: ClientOptions(retry: RetryPolicy(baseDelay: .milliseconds(10)), requestTimeout: .seconds(10)))
}

@Suite(.timeLimit(.minutes(1))) struct TransportTests {
    @Test func getSendsHeadersAndEncodesThePath() async throws {
        let server = try LoopbackHTTPServer { _, _ in [.json(200, pod("a b", rv: 5))] }
        defer { server.stop() }
        let client = try fastClient(server, credentials: StaticTokenCredentials(token: SecretString("t0k")))
        defer { client.shutdown() }
        let object = try await client.get(.pods, namespace: "default", name: "a b")
        #expect(object[path: "metadata", "resourceVersion"] == "5")
        let request = try #require(server.requests.first)
        #expect(request.target == "/api/v1/namespaces/default/pods/a%20b")
        #expect(request.headers["authorization"] == "Bearer t0k")
        #expect(request.headers["user-agent"] == ClientOptions.defaultUserAgent)
        #expect(client.activeTransfers == 0)
    }

    @Test func unauthorizedRefreshesCredentialsOnce() async throws {
        let server = try LoopbackHTTPServer { request, _ in
            request.headers["authorization"] == "Bearer fresh" ? [.json(200, "{}")] : [.json(401, #"{"kind":"Status","code":401,"reason":"Unauthorized"}"#)]
        }
        defer { server.stop() }
        let token = RefreshingToken()
        let client = try fastClient(server, credentials: token)
        defer { client.shutdown() }
        _ = try await client.get(.namespaces, namespace: nil, name: "x")
        #expect(token.calls.withLock { $0 } == 2)
        #expect(server.requests.map { $0.headers["authorization"] ?? "" } == ["Bearer stale", "Bearer fresh"])
    }

    @Test func tooManyRequestsIsRetriedAndClientErrorsAreNot() async throws {
        let server = try LoopbackHTTPServer { request, index in
            if request.target.hasSuffix("/missing") {
                return [.json(404, #"{"kind":"Status","code":404,"reason":"NotFound","message":"pods \"missing\" not found"}"#)]
            }
            return index < 2 ? [.json(429, #"{"kind":"Status","code":429}"#, headers: ["Retry-After: 0"])] : [.json(200, pod("p", rv: 1))]
        }
        defer { server.stop() }
        let client = try fastClient(server)
        defer { client.shutdown() }
        _ = try await client.get(.pods, namespace: "default", name: "p")
        #expect(server.requests.count == 3)
        let error = await #expect(throws: KubeError.self) { try await client.get(.pods, namespace: "default", name: "missing") }
        #expect(error?.isNotFound == true)
        #expect(error?.description.contains("pods \"missing\" not found") == true)
        #expect(server.requests.count == 4)
    }

    @Test func connectionErrorsNameTheURL() async throws {
        let server = try LoopbackHTTPServer { _, _ in [] }
        server.stop()  // nothing listens on the port any more
        let client = try KubeClient(config: ClusterConfig(server: server.url), options: ClientOptions(retry: RetryPolicy(maxAttempts: 1)))
        defer { client.shutdown() }
        let error = await #expect(throws: KubeError.self) { try await client.get(.pods, namespace: "ns", name: "p") }
        guard case .transport(let url, let message)? = error else { Issue.record("not a transport error"); return }
        #expect(url == "\(server.url)/api/v1/namespaces/ns/pods/p")
        #expect(!message.isEmpty)
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let server = try LoopbackHTTPServer { _, _ in [.hang] }
        defer { server.stop() }
        let client = try fastClient(server)
        defer { client.shutdown() }
        let task = Task { try await client.get(.pods, namespace: "default", name: "slow") }
        try #require(await eventually { !server.requests.isEmpty })
        #expect(client.activeTransfers == 1)
        task.cancel()
        #expect(endedCancelled(await task.result))
        #expect(client.activeTransfers == 0)
    }

    @Test func shutdownFailsPendingRequests() async throws {
        let server = try LoopbackHTTPServer { _, _ in [.hang] }
        defer { server.stop() }
        let client = try fastClient(server)
        let task = Task { try await client.get(.pods, namespace: "default", name: "slow") }
        try #require(await eventually { !server.requests.isEmpty })
        client.shutdown()
        #expect(endedCancelled(await task.result))
        let error = await #expect(throws: KubeError.self) { try await client.get(.pods, namespace: "default", name: "p") }
        #expect(error?.isCancelled == true)
    }

    @Test func listAllFollowsContinueTokens() async throws {
        let server = try LoopbackHTTPServer { request, _ in
            if request.target.contains("continue=t%2B1") {
                return [.json(200, #"{"kind":"PodList","metadata":{"resourceVersion":"9","continue":""},"items":[\#(pod("c", rv: 3))]}"#)]
            }
            return [.json(200, #"{"kind":"PodList","metadata":{"resourceVersion":"9","continue":"t+1"},"items":[\#(pod("a", rv: 1)),\#(pod("b", rv: 2))]}"#)]
        }
        defer { server.stop() }
        let client = try fastClient(server)
        defer { client.shutdown() }
        let list = try await client.listAll(.pods, namespace: "default", options: ListOptions(labelSelector: "app in (x,y)", limit: 2))
        #expect(list.items.compactMap { $0[path: "metadata", "name"]?.stringValue } == ["a", "b", "c"])
        #expect(list.metadata.resourceVersion == "9")
        #expect(server.requests.map(\.target) == [
            "/api/v1/namespaces/default/pods?labelSelector=app%20in%20%28x%2Cy%29&limit=2",
            "/api/v1/namespaces/default/pods?labelSelector=app%20in%20%28x%2Cy%29&limit=2&continue=t%2B1",
        ])
    }
}

func endedCancelled<T>(_ result: Result<T, any Error>) -> Bool {
    if case .failure(let error) = result { return (error as? KubeError)?.isCancelled == true }
    return false
}
