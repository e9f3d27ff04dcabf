import Foundation
import HealthModel
import KubeAPI
import KubeClient
import Testing
@testable import Remediation

/// A few API endpoints, enough for the ConfigMap sink and the pod restarter (KubeEmulator is not
/// available to this branch yet).
final class FakeConfigMapStore: @unchecked Sendable {
    private let lock = NSLock()
    private var maps: [String: JSONValue] = [:]

    var names: [String] { lock.withLock { maps.keys.sorted() } }
    func get(_ name: String) -> JSONValue? { lock.withLock { maps[name] } }

    func handle(_ r: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        let base = "/api/v1/namespaces/medic/configmaps"
        let body = (try? JSONValue.parse(r.body)) ?? .null
        return lock.withLock {
            switch (r.method, r.target) {
            case ("POST", base):
                let name = body[path: "metadata", "name"]?.stringValue ?? ""
                if maps[name] != nil { return status(409, "AlreadyExists") }
                maps[name] = body
                return .init(status: 201, body: body.jsonString)
            case ("GET", let t) where t.hasPrefix(base + "?"):
                let list: JSONValue = ["kind": "ConfigMapList", "metadata": [:], "items": .array(maps.keys.sorted().compactMap { maps[$0] })]
                return .init(status: 200, body: list.jsonString)
            case ("PATCH", let t) where t.hasPrefix(base + "/"):
                let name = String(t.dropFirst(base.count + 1))
                guard var current = maps[name] else { return status(404, "NotFound") }
                current["data"] = body["data"]
                current["metadata"]?["labels"] = body[path: "metadata", "labels"]
                maps[name] = current
                return .init(status: 200, body: current.jsonString)
            case ("DELETE", let t) where t.hasPrefix(base + "/"):
                let name = String(t.dropFirst(base.count + 1))
                return maps.removeValue(forKey: name) == nil ? status(404, "NotFound") : status(200, "Success")
            default:
                return status(404, "NotFound")
            }
        }
    }
}

func status(_ code: Int, _ reason: String, _ message: String = "") -> LoopbackHTTPServer.Response {
    let s: JSONValue = ["kind": "Status", "apiVersion": "v1", "status": "Failure", "code": .int(Int64(code)),
                        "reason": .string(reason), "message": .string(message)]
    return .init(status: code, body: s.jsonString)
}

func client(_ server: LoopbackHTTPServer) throws -> KubeClient {
    try KubeClient(config: ClusterConfig(server: server.url, namespace: "medic"),
                   options: ClientOptions(retry: RetryPolicy(maxAttempts: 1)))
}

@Suite struct ClusterEdgeTests {
    @Test func configMapSinkCreatesUpdatesListsAndRemoves() async throws {
        let store = FakeConfigMapStore()
        let server = try LoopbackHTTPServer { store.handle($0) }
        defer { server.stop() }
        let api = try client(server)
        let sink = ConfigMapTicketSink(client: api, namespace: "medic")
        let d = try #require(sampleDraft("gw-1"))
        try await sink.write(d)
        let name = "gatewaymedic-ticket-\(d.id)"
        #expect(store.names == [name])
        let created = try #require(store.get(name))
        #expect(created[path: "metadata", "labels", "gatewaymedic.io/ticket"]?.stringValue == "true")
        #expect(created[path: "metadata", "labels", "gatewaymedic.io/gateway"]?.stringValue == "gw-1")
        #expect(created[path: "data", "ticket.md"]?.stringValue?.contains("CONFIG_FAIL") == true)

        var resolved = d
        resolved.status = .resolved
        resolved.resolvedAt = at(700)
        try await sink.write(resolved)
        #expect(store.names == [name])
        #expect(store.get(name)?[path: "metadata", "labels", "gatewaymedic.io/ticket-status"]?.stringValue == "resolved")
        #expect(try await sink.loadAll() == [resolved])

        try await sink.remove(id: d.id)
        try await sink.remove(id: d.id)  // already gone: fine
        #expect(store.names.isEmpty)
    }

    @Test func podRestarterMapsTheAPIAnswers() async throws {
        let server = try LoopbackHTTPServer { r in
            switch (r.method, r.target) {
            case ("POST", "/api/v1/namespaces/fab/pods/ok/eviction"): return .init(status: 201, body: "{}")
            case ("POST", "/api/v1/namespaces/fab/pods/pdb/eviction"): return status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.")
            case ("POST", "/api/v1/namespaces/fab/pods/gone/eviction"): return status(404, "NotFound")
            case ("POST", _): return status(500, "InternalError", "boom")
            case ("DELETE", "/api/v1/namespaces/fab/pods/ok"):
                return r.body.contains("\"uid\":\"uid-9\"") ? .init(status: 200, body: "{}") : status(400, "BadRequest")
            case ("DELETE", _): return status(409, "Conflict", "Precondition failed: UID in precondition")
            default: return status(404, "NotFound")
            }
        }
        defer { server.stop() }
        let restarter = PodRestarter(client: try client(server))
        func target(_ pod: String) -> RestartTarget {
            RestartTarget(pod: pod, namespace: "fab", uid: "uid-9", role: .dataplane, reason: "HeartbeatLost", message: "m")
        }
        #expect(await restarter.execute(.evict(target("ok"))) == .evicted)
        guard case .refusedByDisruptionBudget(let m) = await restarter.execute(.evict(target("pdb"))) else {
            Issue.record("expected a refusal"); return
        }
        #expect(m.contains("disruption budget"))
        #expect(await restarter.execute(.evict(target("gone"))) == .notFound)
        guard case .failed = await restarter.execute(.evict(target("broken"))) else { Issue.record("expected a failure"); return }
        #expect(await restarter.execute(.delete(target("ok"))) == .deleted)
        #expect(await restarter.execute(.delete(target("replaced"))) == .notFound)
    }
}
