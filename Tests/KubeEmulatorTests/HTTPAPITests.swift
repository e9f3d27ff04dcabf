import Foundation
import HedgehogResources
import KubeAPI
import Testing
@testable import KubeEmulator

@Suite struct HTTPAPITests {
    let agents = "/apis/gwint.githedgehog.com/v1alpha1/namespaces/default/gatewayagents"

    @Test func crudOverHTTP() async throws {
        try await withEmulator { server in
            let curl = Curl(server)
            let created = try await curl.post(agents, agent("gateway-1"))
            #expect(created.code == 201)
            #expect(created.json?[path: "metadata", "generation"] == .int(1))
            #expect(try await curl.post(agents, agent("gateway-1")).json?["reason"] == "AlreadyExists")

            let fetched = try await curl.get("\(agents)/gateway-1")
            #expect(fetched.code == 200 && fetched.json?[path: "metadata", "name"] == "gateway-1")

            let status = try await curl.patch("\(agents)/gateway-1/status", #"{"status":{"lastAppliedGen":1}}"#)
            #expect(status.code == 200 && status.json?[path: "status", "lastAppliedGen"] == .int(1))
            #expect(status.json?[path: "metadata", "generation"] == .int(1))

            let specPatch = try await curl.patch("\(agents)/gateway-1", #"{"spec":{"gateway":{"asn":1}},"status":{"lastAppliedGen":7}}"#)
            #expect(specPatch.json?[path: "metadata", "generation"] == .int(2))
            #expect(specPatch.json?[path: "status", "lastAppliedGen"] == .int(1))

            var stale = try #require(created.json)
            stale["spec"] = ["x": 1]
            let conflict = try await curl.put("\(agents)/gateway-1", stale)
            #expect(conflict.code == 409 && conflict.json?["reason"] == "Conflict")

            let jsonPatch = try await curl.patch("\(agents)/gateway-1", #"[{"op":"test","path":"/spec/gateway/asn","value":2}]"#,
                                                 type: "application/json-patch+json")
            #expect(jsonPatch.code == 422)

            let deleted = try await curl.delete("\(agents)/gateway-1")
            #expect(deleted.code == 200)
            #expect(try await curl.get("\(agents)/gateway-1").code == 404)
            #expect(server.writeCount == 7, "every client write attempt counts, failed ones too")
        }
    }

    @Test func listsWithSelectorsAndPages() async throws {
        try await withEmulator { server in
            for i in 0..<5 { try server.store.create(.gatewayAgents, agent("g\(i)", labels: ["parity": i % 2 == 0 ? "even" : "odd"])) }
            let curl = Curl(server)
            let even = try await curl.get("\(agents)?labelSelector=parity%3Deven")
            #expect(even.json?["items"]?.arrayValue?.count == 3)
            let named = try await curl.get("/apis/gwint.githedgehog.com/v1alpha1/gatewayagents?fieldSelector=metadata.name%3Dg4")
            #expect(named.json?["items"]?.arrayValue?.count == 1)
            let page1 = try await curl.get("\(agents)?limit=2")
            #expect(page1.json?["items"]?.arrayValue?.count == 2)
            let token = try #require(page1.json?[path: "metadata", "continue"]?.stringValue)
            let encoded = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token
            let page2 = try await curl.get("\(agents)?limit=2&continue=\(encoded)")
            #expect(page2.json?["items"]?.arrayValue?.first?[path: "metadata", "name"] == "g2")
            #expect(server.writeCount == 0, "store writes are not client writes")
        }
    }

    @Test func deleteCollectionBySelector() async throws {
        try await withEmulator { server in
            for i in 0..<4 { try server.store.create(.gatewayAgents, agent("g\(i)", labels: ["drop": i < 3 ? "yes" : "no"])) }
            let reply = try await Curl(server).delete("\(agents)?labelSelector=drop%3Dyes")
            #expect(reply.code == 200 && reply.json?["items"]?.arrayValue?.count == 3)
            #expect(try server.store.list(.gatewayAgents).items.count == 1)
            #expect(server.requestLog.last?.verb == "deletecollection")
        }
    }

    @Test func badRequestsGetStatusObjects() async throws {
        var configuration = EmulatorConfiguration()
        configuration.maxRequestBodyBytes = 1024
        try await withEmulator(configuration) { server in
            let curl = Curl(server)
            let badJSON = try await curl.request("POST", agents, body: "{nope")
            #expect(badJSON.code == 400 && badJSON.json?["kind"] == "Status")
            var wrongKind = agent("x")
            wrongKind["kind"] = "Gateway"
            #expect(try await curl.post(agents, wrongKind).code == 400)
            #expect(try await curl.post(agents, ["kind": "GatewayAgent", "metadata": [:]]).code == 422)
            #expect(try await curl.get("/apis/nothing.io/v1/things").code == 404)
            #expect(try await curl.get("\(agents)/missing").json?["reason"] == "NotFound")
            #expect(try await curl.request("POST", "\(agents)/named", body: "{}").code == 405)
            let big = try await curl.request("POST", agents, body: String(repeating: " ", count: 4096))
            #expect(big.code == 413)
            #expect(try await curl.patch("\(agents)/x", "{}", type: "text/plain").code == 415)
        }
    }

    @Test func evictionHonoursRefusal() async throws {
        try await withEmulator { server in
            let pods = "/api/v1/namespaces/fab/pods"
            try server.store.create(.pods, ["metadata": ["name": "gw--g1--dataplane-abcde", "namespace": "fab"]])
            server.setEvictionRefused(true, namespace: "fab", name: "gw--g1--dataplane-abcde")
            let eviction: JSONValue = ["apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": "gw--g1--dataplane-abcde", "namespace": "fab"]]
            let refused = try await Curl(server).post("\(pods)/gw--g1--dataplane-abcde/eviction", eviction)
            #expect(refused.code == 429)
            #expect(refused.json?["message"]?.stringValue?.contains("disruption budget") == true)
            server.setEvictionRefused(false, namespace: "fab", name: "gw--g1--dataplane-abcde")
            #expect(try await Curl(server).post("\(pods)/gw--g1--dataplane-abcde/eviction", eviction).code == 201)
            #expect(try await Curl(server).get("\(pods)/gw--g1--dataplane-abcde").code == 404)
        }
    }

    @Test func injectedFaultsAndRequestLog() async throws {
        try await withEmulator { server in
            let curl = Curl(server)
            server.failNext(2, status: 503, retryAfter: 3, matching: RequestMatcher(verb: "list", resource: "gatewayagents"))
            let first = try await curl.get(agents)
            #expect(first.code == 503)
            #expect(first.headers.lowercased().contains("retry-after: 3"))
            #expect(try await curl.get("\(agents)/x").code == 404, "a get does not match a list fault")
            #expect(try await curl.get(agents).code == 503)
            #expect(try await curl.get(agents).code == 200)
            let log = server.requestLog
            #expect(log.map(\.verb) == ["list", "get", "list", "list"])
            #expect(log.last?.resource == "gatewayagents" && log.last?.namespace == "default")
            #expect(log.last?.userAgent.hasPrefix("curl/") == true)
            server.resetRequestLog()
            #expect(server.requestLog.isEmpty)
        }
    }

    @Test func delayedResponsesArriveLater() async throws {
        try await withEmulator { server in
            server.delayResponses(by: .milliseconds(400))
            let started = Date()
            let reply = try await Curl(server).get("/version")
            #expect(reply.code == 200)
            #expect(Date().timeIntervalSince(started) >= 0.4)
            server.delayResponses(by: .zero)
        }
    }

    @Test func discoveryAndTables() async throws {
        try await withEmulator { server in
            let curl = Curl(server)
            #expect(try await curl.get("/version").json?["major"] == "1")
            let groups = try await curl.get("/apis").json?["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(groups.contains("gwint.githedgehog.com") && groups.contains("gatewaymedic.io"))
            let list = try await curl.get("/apis/gwint.githedgehog.com/v1alpha1").json?["resources"]?.arrayValue ?? []
            #expect(list.first { $0["name"] == "gatewayagents" }?["shortNames"] == ["gwag"])
            #expect(list.contains { $0["name"] == "gatewayagents/status" })
            let core = try await curl.get("/api/v1").json?["resources"]?.arrayValue ?? []
            #expect(core.contains { $0["name"] == "pods/eviction" && $0["kind"] == "Eviction" })

            try server.store.create(.gatewayAgents, agent("gateway-1"))
            let table = try await curl.get(agents, headers: ["Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json"])
            let columns = table.json?["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(columns.first == "Name" && columns.contains("AppliedG") && columns.contains("CurrentG"))
            #expect(table.json?["rows"]?.arrayValue?.first?["cells"]?.arrayValue?.first == "gateway-1")
            let openAPI = try await curl.get("/openapi/v3").json?["paths"]?["apis/gwint.githedgehog.com/v1alpha1"]?["serverRelativeURL"]?.stringValue
            let document = try await curl.get(try #require(openAPI)).json
            let patch = document?["paths"]?["/apis/gwint.githedgehog.com/v1alpha1/namespaces/{namespace}/gatewayagents/{name}"]?["patch"]
            #expect(patch?["parameters"]?.arrayValue?.contains { $0["name"] == "fieldValidation" } == true)
        }
    }
}
