import Foundation
import HealthModel
import KubeAPI
import KubeClient
import KubeEmulator
import Testing
@testable import Remediation

/// The ConfigMap sink and the pod restarter, through the real client, against the project's
/// emulated API server over loopback HTTP.
func startEmulator() async throws -> (EmulatedAPIServer, KubeClient) {
    let server = EmulatedAPIServer()
    try await server.start()
    let client = try KubeClient(config: ClusterConfig(server: server.baseURL, namespace: "medic"),
                                options: ClientOptions(retry: RetryPolicy(maxAttempts: 1)))
    return (server, client)
}

func configMap(_ server: EmulatedAPIServer, _ name: String) -> JSONValue? {
    try? server.store.get(.configMaps, namespace: "medic", name: name)
}

func configMapNames(_ server: EmulatedAPIServer) -> [String] {
    let list = try? server.store.list(.configMaps, namespace: "medic")
    return (list?.items ?? []).compactMap { $0[path: "metadata", "name"]?.stringValue }.sorted()
}

func pod(_ name: String, uid: String? = nil) -> JSONValue {
    ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "namespace": "fab"],
     "spec": ["containers": [["name": "dataplane", "image": "x"]]]]
}

@Suite struct ClusterEdgeTests {
    @Test func configMapSinkCreatesUpdatesListsAndRemoves() async throws {
        let (server, api) = try await startEmulator()
        defer { api.shutdown() }
        let sink = ConfigMapTicketSink(client: api, namespace: "medic")
        let d = try #require(sampleDraft("gw-1"))
        try await sink.open(d)
        let name = "gatewaymedic-ticket-\(d.id)"
        #expect(configMapNames(server) == [name])
        let created = try #require(configMap(server, name))
        #expect(created[path: "metadata", "labels", "gatewaymedic.io/ticket"]?.stringValue == "true")
        #expect(created[path: "metadata", "labels", "gatewaymedic.io/gateway"]?.stringValue == "gw-1")
        #expect(created[path: "data", "ticket.md"]?.stringValue?.contains("CONFIG_FAIL") == true)

        var resolved = d
        resolved.status = .resolved
        resolved.resolvedAt = at(700)
        try await sink.resolve(resolved)
        #expect(configMapNames(server) == [name])
        #expect(configMap(server, name)?[path: "metadata", "labels", "gatewaymedic.io/ticket-status"]?.stringValue == "resolved")
        #expect(try await sink.loadAll() == [resolved])

        try await sink.remove(id: d.id)
        try await sink.remove(id: d.id)  // already gone: fine
        #expect(configMapNames(server).isEmpty)
        await server.stop()
    }

    /// An update patches the stored ConfigMap directly: no create refused with 409 first (the
    /// old sink POSTed every version and patched after the refusal). Only the exceptions fall
    /// back: an open whose ConfigMap exists is patched, an update whose ConfigMap is gone
    /// creates it.
    @Test func configMapSinkUpdatesWithoutARefusedRequest() async throws {
        let (server, api) = try await startEmulator()
        defer { api.shutdown() }
        let sink = ConfigMapTicketSink(client: api, namespace: "medic")
        let d = try #require(sampleDraft("gw-1"))
        func requests() -> [String] {
            server.requestLog.filter { $0.resource == "configmaps" && $0.isWrite }.map { "\($0.verb) \($0.code)" }
        }
        try await sink.open(d)
        for minute in 1...3 {
            var next = d
            next.updatedAt = at(150 + Double(minute) * 60)
            try await sink.update(next)
        }
        var resolved = d
        resolved.status = .resolved
        resolved.resolvedAt = at(400)
        try await sink.resolve(resolved)
        #expect(requests() == ["create 201", "patch 200", "patch 200", "patch 200", "patch 200"])
        #expect(try await sink.loadAll() == [resolved])

        // Deleted by hand: the next update creates it again (one 404, no 409).
        _ = try server.store.delete(.configMaps, namespace: "medic", name: ConfigMapTicketSink.configMapName(id: d.id))
        try await sink.update(d)
        #expect(requests().suffix(2) == ["patch 404", "create 201"])
        // Opened by an instance that did not know it was stored: created, refused, patched.
        try await sink.open(resolved)
        #expect(requests().suffix(2) == ["create 409", "patch 200"])
        #expect(try await sink.loadAll() == [resolved])
        await server.stop()
    }

    @Test func podRestarterMapsTheAPIAnswers() async throws {
        let (server, api) = try await startEmulator()
        defer { api.shutdown() }
        var uids: [String: String] = [:]
        for name in ["ok", "pdb", "broken", "rbac", "to-delete", "replaced"] {
            let created = try server.store.create(.pods, pod(name), namespace: "fab")
            uids[name] = created[path: "metadata", "uid"]?.stringValue
        }
        server.setEvictionRefused(true, namespace: "fab", name: "pdb")
        server.failNext(1, status: 500, matching: RequestMatcher(resource: "pods", subresource: "eviction", name: "broken"))
        server.failNext(1, status: 403, matching: RequestMatcher(resource: "pods", subresource: "eviction", name: "rbac"))
        let restarter = PodRestarter(client: api)
        func target(_ pod: String, uid: String? = nil) -> RestartTarget {
            RestartTarget(pod: pod, namespace: "fab", uid: uid ?? uids[pod] ?? "none", role: .dataplane, reason: "HeartbeatLost", message: "m")
        }
        #expect(await restarter.execute(.evict(target("ok"))) == .evicted)
        #expect((try? server.store.get(.pods, namespace: "fab", name: "ok")) == nil)
        guard case .refusedByDisruptionBudget(let m) = await restarter.execute(.evict(target("pdb"))) else {
            Issue.record("expected a refusal"); return
        }
        #expect(m.contains("disruption budget"))
        #expect(await restarter.execute(.evict(target("gone"))) == .notFound)
        guard case .failed = await restarter.execute(.evict(target("broken"))) else { Issue.record("expected a failure"); return }
        // A 403 is not a failure to retry: the RBAC says no (issue 17).
        guard case .forbidden(let why) = await restarter.execute(.evict(target("rbac"))) else { Issue.record("expected forbidden"); return }
        #expect(why.contains("HTTP 403"))
        #expect((try? server.store.get(.pods, namespace: "fab", name: "rbac")) != nil)
        #expect(await restarter.execute(.delete(target("to-delete"))) == .deleted)
        #expect((try? server.store.get(.pods, namespace: "fab", name: "to-delete")) == nil)
        // The pod was replaced by one with another uid: the precondition keeps the new one alive.
        #expect(await restarter.execute(.delete(target("replaced", uid: "an-older-uid"))) == .notFound)
        #expect((try? server.store.get(.pods, namespace: "fab", name: "replaced")) != nil)
        await server.stop()
    }
}
