import Foundation
import HedgehogResources
import KubeAPI
import KubeClient
import Testing
@testable import KubeEmulator

/// Writes through the client: optimistic concurrency, patches, the status subresource,
/// preconditions, evictions and selectors.
@Suite(.timeLimit(.minutes(1))) struct E2EWriteTests {
    @Test func createGetUpdateAndStaleConflict() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let created = try await client.create(.configMaps, namespace: "default", body: configMap("cfg", data: ["a": "1"]))
            #expect(created[path: "metadata", "uid"]?.stringValue?.isEmpty == false)
            let got = try await client.get(.configMaps, namespace: "default", name: "cfg")
            #expect(got == created)

            var changed = got
            changed["data"] = ["a": "2"]
            let updated = try await client.update(.configMaps, namespace: "default", name: "cfg", body: changed)
            #expect(updated[path: "data", "a"] == "2")
            #expect(updated.resourceVersion != got.resourceVersion)

            // `changed` still carries the old resourceVersion.
            changed["data"] = ["a": "3"]
            let error = await expectKubeError { _ = try await client.update(.configMaps, namespace: "default", name: "cfg", body: changed) }
            #expect(error?.statusCode == 409)
            #expect(error?.isConflict == true)
            #expect(error?.isAlreadyExists == false)
            guard case .api(let status, let verb, let path)? = error else {
                Issue.record("expected an API error, got \(String(describing: error))")
                return
            }
            #expect(status.reason == "Conflict")
            #expect(verb == "update" && path == "/api/v1/namespaces/default/configmaps/cfg")

            let again = await expectKubeError { _ = try await client.create(.configMaps, namespace: "default", body: configMap("cfg")) }
            #expect(again?.isAlreadyExists == true && again?.isConflict == false)
            let missing = await expectKubeError { _ = try await client.get(.configMaps, namespace: "default", name: "nope") }
            #expect(missing?.isNotFound == true)
        }
    }

    @Test func mergeAndJSONPatch() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            _ = try await client.create(.configMaps, namespace: nil, body: configMap("p", labels: ["keep": "yes", "drop": "yes"], data: ["x": "1"]))
            let merged = try await client.patch(.configMaps, namespace: nil, name: "p", patch: .merge([
                "metadata": ["labels": ["drop": nil, "added": "new"]], "data": ["y": "2"],
            ]))
            #expect(merged[path: "metadata", "labels"] == ["keep": "yes", "added": "new"])
            #expect(merged["data"] == ["x": "1", "y": "2"])

            let patched = try await client.patch(.configMaps, namespace: nil, name: "p", patch: .json([
                ["op": "test", "path": "/data/x", "value": "1"],
                ["op": "replace", "path": "/data/x", "value": "10"],
                ["op": "remove", "path": "/data/y"],
            ]))
            #expect(patched["data"] == ["x": "10"])

            let failed = await expectKubeError {
                _ = try await client.patch(.configMaps, namespace: nil, name: "p", patch: .json([["op": "test", "path": "/data/x", "value": "0"]]))
            }
            #expect(failed?.statusCode == 422 || failed?.statusCode == 409, "\(String(describing: failed))")
        }
    }

    @Test func statusSubresource() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let agent: JSONValue = [
                "apiVersion": "gwint.githedgehog.com/v1alpha1", "kind": "GatewayAgent",
                "metadata": ["name": "gateway-1", "namespace": "default"],
                "spec": ["gateway": ["asn": 65534]], "status": ["lastAppliedGen": 99],
            ]
            let created = try await client.create(.gatewayAgents, namespace: nil, body: agent)
            #expect(created["status"] == nil, "create ignores status")

            var withStatus = created
            withStatus["status"] = ["lastAppliedGen": 1, "agentVersion": "v1"]
            let statusWritten = try await client.update(.gatewayAgents, namespace: nil, name: "gateway-1", body: withStatus, subresource: "status")
            #expect(statusWritten[path: "status", "agentVersion"] == "v1")

            let viaPatch = try await client.patch(.gatewayAgents, namespace: nil, name: "gateway-1",
                                                  patch: .merge(["status": ["lastAppliedGen": 2]]), subresource: "status")
            #expect(viaPatch[path: "status", "lastAppliedGen"] == 2)
            #expect(viaPatch[path: "status", "agentVersion"] == "v1")

            // A write of the main resource keeps the status.
            var spec = viaPatch
            spec["spec"] = ["gateway": ["asn": 65000]]
            spec["status"] = ["lastAppliedGen": 7]
            let main = try await client.update(.gatewayAgents, namespace: nil, name: "gateway-1", body: spec)
            #expect(main[path: "spec", "gateway", "asn"] == 65000)
            #expect(main[path: "status", "lastAppliedGen"] == 2)
            #expect(cluster.server.requestLog.contains { $0.verb == "update" && $0.subresource == "status" && $0.code == 200 })
        }
    }

    @Test func deleteWithUIDPrecondition() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let created = try await client.create(.configMaps, namespace: nil, body: configMap("doomed"))
            let uid = created[path: "metadata", "uid"]?.stringValue
            let wrong = await expectKubeError {
                try await client.delete(.configMaps, namespace: nil, name: "doomed",
                                        options: DeleteOptions(preconditions: Preconditions(uid: "00000000-0000-0000-0000-000000000000")))
            }
            #expect(wrong?.isConflict == true)
            #expect(wrong?.description.contains("Precondition failed") == true)
            #expect(try cluster.server.store.get(.configMaps, name: "doomed").name == "doomed")

            try await client.delete(.configMaps, namespace: nil, name: "doomed", options: DeleteOptions(preconditions: Preconditions(uid: uid)))
            let gone = await expectKubeError { _ = try await client.get(.configMaps, namespace: nil, name: "doomed") }
            #expect(gone?.isNotFound == true)
        }
    }

    @Test func evictionAndRefusedEviction() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            for name in ["evictable", "protected"] {
                try cluster.server.store.create(.pods, ["metadata": ["name": .string(name), "namespace": "fabric"],
                                                        "spec": ["containers": [["name": "c", "image": "busybox"]]]])
            }
            try await client.evict(podNamespace: "fabric", podName: "evictable")
            #expect(cluster.server.requestLog.last?.subresource == "eviction" && cluster.server.requestLog.last?.code == 201)
            let evicted = await expectKubeError { _ = try await client.get(.pods, namespace: "fabric", name: "evictable") }
            #expect(evicted?.isNotFound == true)

            cluster.server.setEvictionRefused(true, namespace: "fabric", name: "protected")
            cluster.server.resetRequestLog()
            let refused = await expectKubeError { try await client.evict(podNamespace: "fabric", podName: "protected") }
            #expect(refused?.isTooManyRequests == true)
            #expect(refused?.description.contains("disruption budget") == true)
            #expect(cluster.server.requestLog.map(\.code) == [429], "a refused eviction reaches the caller at once, unretried")
        }
    }

    @Test func labelAndFieldSelectors() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            let store = cluster.server.store
            try store.create(.configMaps, configMap("a", namespace: "sel", labels: ["app": "medic", "tier": "front"]))
            try store.create(.configMaps, configMap("b", namespace: "sel", labels: ["app": "medic", "tier": "back"]))
            try store.create(.configMaps, configMap("c", namespace: "sel", labels: ["app": "other"]))
            try store.create(.configMaps, configMap("a", namespace: "elsewhere", labels: ["app": "medic"]))

            func names(_ options: ListOptions, namespace: String? = "sel") async throws -> [String] {
                try await client.list(.configMaps, namespace: namespace, options: options).items.compactMap(\.name).sorted()
            }
            #expect(try await names(ListOptions(labelSelector: "app=medic")) == ["a", "b"])
            #expect(try await names(ListOptions(labelSelector: "app=medic,tier!=front")) == ["b"])
            #expect(try await names(ListOptions(labelSelector: "tier in (front, back)")) == ["a", "b"])
            #expect(try await names(ListOptions(labelSelector: "!tier")) == ["c"])
            #expect(try await names(ListOptions(fieldSelector: "metadata.name=a"), namespace: nil) == ["a", "a"])
            #expect(try await names(ListOptions(labelSelector: "app=medic", fieldSelector: "metadata.namespace=elsewhere"), namespace: nil) == ["a"])
            // The selector travelled percent-encoded and arrived intact.
            #expect(cluster.server.requestLog.contains { $0.info.query["labelSelector"] == "tier in (front, back)" })

            // A watch with a label selector sees only matching objects.
            let stream = client.watch(.configMaps, namespace: "sel",
                                      options: WatchOptions(resourceVersion: String(store.resourceVersion), labelSelector: "app=medic"))
            let consumer = Task { () -> String? in
                for try await event in stream where event.type == .added { return event.object.name }
                return nil
            }
            try store.create(.configMaps, configMap("unrelated", namespace: "sel", labels: ["app": "other"]))
            try store.create(.configMaps, configMap("match", namespace: "sel", labels: ["app": "medic"]))
            #expect(try await consumer.value == "match")
        }
    }
}
