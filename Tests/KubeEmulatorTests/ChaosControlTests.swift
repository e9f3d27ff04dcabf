import Foundation
import HedgehogResources
import KubeAPI
import Testing
@testable import KubeEmulator

/// The fault-matrix controls: failures at a seeded rate, interleaved writers, token rotation,
/// restart on the same port with the same store.
@Suite struct ChaosControlTests {
    let agents = "/apis/gwint.githedgehog.com/v1alpha1/namespaces/default/gatewayagents"

    /// The same seed fails the same requests; a 429 carries Retry-After.
    @Test func randomFailuresAreReproducible() async throws {
        var runs: [[Int]] = []
        for _ in 0..<2 {
            try await withEmulator { server in
                let curl = Curl(server)
                server.failRandomly(fraction: 0.5, statuses: [429, 503], retryAfter: 2, seed: 42)
                var codes: [Int] = []
                for _ in 0..<24 {
                    let reply = try await curl.get(agents)
                    codes.append(reply.code)
                    if reply.code == 429 { #expect(reply.headers.lowercased().contains("retry-after: 2")) }
                }
                #expect(try await curl.get("/version").code == 200, "non-resource requests are spared")
                #expect(server.stopFailingRandomly() == codes.filter { $0 != 200 }.count)
                #expect(try await curl.get(agents).code == 200)
                runs.append(codes)
            }
        }
        #expect(runs[0] == runs[1])
        #expect(runs[0].contains(200) && runs[0].contains(429) && runs[0].contains(503), "\(runs[0])")
    }

    /// An interleaved write lands between a client's read and its optimistic update: 409.
    @Test func interleavedWriterWinsTheRace() async throws {
        try await withEmulator { server in
            let curl = Curl(server)
            let created = try await curl.post(agents, ["metadata": ["name": "gw"], "spec": [:]])
            #expect(created.code == 201)
            let store = server.store
            server.interleave(times: 1, matching: RequestMatcher(verb: "update", resource: "gatewayagents")) { info in
                _ = try? store.patch(.gatewayAgents, namespace: info.namespace, name: info.name ?? "",
                                     ["metadata": ["labels": ["other": "writer"]]])
            }
            var object = try JSONValue.parse(Array(try await curl.get("\(agents)/gw").body.utf8))
            object["metadata"]?["annotations"] = ["mine": "1"]
            #expect(try await curl.put("\(agents)/gw", object).code == 409)
            object = try JSONValue.parse(Array(try await curl.get("\(agents)/gw").body.utf8))
            object["metadata"]?["annotations"] = ["mine": "1"]
            #expect(try await curl.put("\(agents)/gw", object).code == 200, "only the next matching request")
        }
    }

    @Test func rotatedTokenAndRestartOnTheSamePort() async throws {
        try await withEmulator(EmulatorConfiguration(bearerToken: "old")) { server in
            let curl = Curl(server)
            #expect(try await curl.get(agents, headers: ["Authorization: Bearer old"]).code == 200)
            server.acceptBearerTokens(["new"])
            #expect(try await curl.get(agents, headers: ["Authorization: Bearer old"]).code == 401)
            #expect(try await curl.get(agents, headers: ["Authorization: Bearer new"]).code == 200)
            let port = server.port
            await server.stop()
            #expect(!server.isListening)
            try await server.start()
            #expect(server.isListening && server.port == port)
            #expect(try await curl.get(agents, headers: ["Authorization: Bearer new"]).code == 200)
        }
    }
}
