import Foundation
import HedgehogResources
import KubeAPI
import Testing
@testable import KubeEmulator

@Suite struct StoreSemanticsTests {
    let store = ObjectStore()

    @Test func createSetsServerMetadataAndDropsStatus() throws {
        var object = agent("gateway-1")
        object["status"] = ["lastAppliedGen": 3]
        let created = try store.create(.gatewayAgents, object)
        #expect(created[path: "metadata", "generation"] == .int(1))
        #expect(created[path: "metadata", "uid"]?.stringValue?.count == 36)
        #expect(created[path: "metadata", "creationTimestamp"]?.stringValue != nil)
        #expect(created[path: "metadata", "resourceVersion"]?.stringValue == String(store.resourceVersion))
        #expect(created["status"] == nil, "status cannot be set on create when there is a status subresource")
        #expect(throws: Status.self) { try store.create(.gatewayAgents, agent("gateway-1")) }
    }

    @Test func generationMovesOnSpecChangesOnly() throws {
        let created = try store.create(.gatewayAgents, agent("g"))
        let afterStatus = try store.updateStatus(.gatewayAgents, created.with(status: ["lastAppliedGen": 1]))
        #expect(afterStatus[path: "metadata", "generation"] == .int(1))
        #expect(afterStatus[path: "status", "lastAppliedGen"] == .int(1))
        var changed = afterStatus
        changed["spec"]?["gateway"]?["asn"] = .int(1)
        changed["status"] = ["lastAppliedGen": 99]
        let updated = try store.update(.gatewayAgents, changed)
        #expect(updated[path: "metadata", "generation"] == .int(2))
        #expect(updated[path: "status", "lastAppliedGen"] == .int(1), "a main-resource write keeps the status")
        let labelsOnly = try store.patch(.gatewayAgents, name: "g", ["metadata": ["labels": ["a": "b"]]])
        #expect(labelsOnly[path: "metadata", "generation"] == .int(2))
    }

    @Test func staleResourceVersionConflicts() throws {
        let created = try store.create(.gatewayAgents, agent("g"))
        _ = try store.patch(.gatewayAgents, name: "g", ["spec": ["x": 1]])
        do {
            _ = try store.update(.gatewayAgents, created)
            Issue.record("expected a conflict")
        } catch {
            #expect(error.code == 409)
            #expect(error.reason == "Conflict")
        }
    }

    @Test func noOpUpdateKeepsResourceVersion() throws {
        let created = try store.create(.gatewayAgents, agent("g"))
        let again = try store.update(.gatewayAgents, created)
        #expect(again[path: "metadata", "resourceVersion"] == created[path: "metadata", "resourceVersion"])
    }

    @Test func generateNameAndMissingName() throws {
        let made = try store.create(.configMaps, ["metadata": ["generateName": "cm-", "namespace": "fab"], "data": ["a": "b"]])
        let name = try #require(made[path: "metadata", "name"]?.stringValue)
        #expect(name.hasPrefix("cm-") && name.count == 8)
        #expect(throws: Status.self) { try store.create(.configMaps, ["metadata": [:]]) }
        do { _ = try store.create(.configMaps, ["metadata": [:]]) } catch { #expect(error.code == 422) }
    }

    @Test func jsonPatchOperations() throws {
        _ = try store.create(.configMaps, ["metadata": ["name": "c"], "data": ["a": "1", "b": "2"]])
        let ops = #"[{"op":"test","path":"/data/a","value":"1"},{"op":"replace","path":"/data/a","value":"x"},"# +
            #"{"op":"remove","path":"/data/b"},{"op":"add","path":"/data/c","value":"3"},{"op":"copy","from":"/data/c","path":"/data/d"},"# +
            #"{"op":"move","from":"/data/d","path":"/data/e"}]"#
        let patched = try store.patch(.configMaps, name: "c", try JSONValue.parse(ops), patchType: .json)
        #expect(patched["data"] == ["a": "x", "c": "3", "e": "3"])
        let failing = try JSONValue.parse(#"[{"op":"test","path":"/data/a","value":"nope"}]"#)
        do {
            _ = try store.patch(.configMaps, name: "c", failing, patchType: .json)
            Issue.record("a failing test op must fail")
        } catch { #expect(error.code == 422) }
    }

    @Test func mergePatchRemovesWithNull() throws {
        _ = try store.create(.configMaps, ["metadata": ["name": "c"], "data": ["a": "1", "b": "2"]])
        let patched = try store.patch(.configMaps, name: "c", ["data": ["a": nil, "z": "9"]])
        #expect(patched["data"] == ["b": "2", "z": "9"])
    }

    @Test func selectorsAndPagination() throws {
        for i in 0..<7 { try store.create(.gatewayAgents, agent("g\(i)", labels: ["tier": i % 2 == 0 ? "even" : "odd", "n": "\(i)"])) }
        #expect(try store.list(.gatewayAgents, labelSelector: "tier=even").items.count == 4)
        #expect(try store.list(.gatewayAgents, labelSelector: "tier!=even").items.count == 3)
        #expect(try store.list(.gatewayAgents, labelSelector: "n in (1,2,3),tier==odd").items.count == 2)
        #expect(try store.list(.gatewayAgents, labelSelector: "n notin (1,2)").items.count == 5)
        #expect(try store.list(.gatewayAgents, labelSelector: "!tier").items.isEmpty)
        #expect(try store.list(.gatewayAgents, labelSelector: "tier").items.count == 7)
        #expect(try store.list(.gatewayAgents, fieldSelector: "metadata.name=g3").items.count == 1)
        var names: [String] = []
        var token: String?
        var pages = 0
        repeat {
            let page = try store.list(.gatewayAgents, limit: 3, continueToken: token)
            names += page.items.compactMap { $0[path: "metadata", "name"]?.stringValue }
            token = page.metadata.continue
            pages += 1
        } while token != nil
        #expect(pages == 3)
        #expect(names == (0..<7).map { "g\($0)" })
    }

    @Test func continueTokenExpiresAfterCompaction() throws {
        for i in 0..<3 { try store.create(.gatewayAgents, agent("g\(i)")) }
        let page = try store.list(.gatewayAgents, limit: 1)
        try store.create(.gatewayAgents, agent("later"))
        store.compact()
        do {
            _ = try store.list(.gatewayAgents, limit: 1, continueToken: page.metadata.continue)
            Issue.record("expected 410")
        } catch { #expect(error.code == 410) }
    }

    @Test func deletePreconditionsAndEviction() throws {
        let created = try store.create(.gatewayAgents, agent("g"))
        #expect(throws: Status.self) { try store.delete(.gatewayAgents, name: "g", preconditions: Preconditions(uid: "other")) }
        _ = try store.delete(.gatewayAgents, name: "g", preconditions: Preconditions(uid: created[path: "metadata", "uid"]?.stringValue))
        #expect(throws: Status.self) { try store.get(.gatewayAgents, name: "g") }

        try store.create(.pods, ["metadata": ["name": "p", "namespace": "fab"], "spec": ["nodeName": "gw-1"]])
        store.setEvictionRefused(true, namespace: "fab", name: "p")
        do { try store.evict(namespace: "fab", name: "p"); Issue.record("expected 429") } catch { #expect(error.code == 429) }
        store.setEvictionRefused(false, namespace: "fab", name: "p")
        try store.evict(namespace: "fab", name: "p")
        #expect(try store.list(.pods, namespace: "fab").items.isEmpty)
    }

    @Test func crdObjectRegistersItsResource() throws {
        let widgets = ResourceType(group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true)
        #expect(throws: Status.self) { try store.create(widgets, ["metadata": ["name": "w"]]) }
        try store.create(.customResourceDefinitions, [
            "metadata": ["name": "widgets.example.com"],
            "spec": ["group": "example.com", "scope": "Namespaced", "names": ["plural": "widgets", "kind": "Widget", "shortNames": ["wd"]],
                     "versions": [["name": "v1", "served": true, "storage": true]]],
        ])
        let w = try store.create(widgets, ["metadata": ["name": "w"], "spec": ["size": 3]])
        #expect(w["kind"] == "Widget")
        #expect(store.resource(group: "example.com", version: "v1", plural: "widgets")?.shortNames == ["wd"])
    }

    /// metadata.generation of custom resources as kube-apiserver's custom resource strategy sets
    /// it: 1 on create, +1 for a change to anything but metadata and status, unchanged by labels
    /// and by /status writes. Without a status subresource, status is content and counts.
    @Test func customResourceGenerationFollowsTheAPIServer() throws {
        let health: JSONValue = ["metadata": ["name": "gw-1", "namespace": "default"],
                                 "spec": ["gatewayAgent": ["name": "gw-1", "namespace": "default"]]]
        let created = try store.create(.gatewayHealths, health)
        #expect(created[path: "metadata", "generation"] == .int(1))
        let status = try store.patch(.gatewayHealths, name: "gw-1", ["status": ["state": "UP", "observedGeneration": 1]], subresource: "status")
        #expect(status[path: "metadata", "generation"] == .int(1) && status[path: "status", "state"] == "UP")
        let labelled = try store.patch(.gatewayHealths, name: "gw-1", ["metadata": ["labels": ["team": "net"]]])
        #expect(labelled[path: "metadata", "generation"] == .int(1))
        let edited = try store.patch(.gatewayHealths, name: "gw-1", ["spec": ["gatewayAgent": ["namespace": "fab"]]])
        #expect(edited[path: "metadata", "generation"] == .int(2))
        let again = try store.patch(.gatewayHealths, name: "gw-1", ["status": ["state": "DOWN"]], subresource: "status")
        #expect(again[path: "metadata", "generation"] == .int(2))

        let widgets = ResourceType(group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true)
        try store.create(.customResourceDefinitions, [
            "metadata": ["name": "widgets.example.com"],
            "spec": ["group": "example.com", "scope": "Namespaced", "names": ["plural": "widgets", "kind": "Widget"],
                     "versions": [["name": "v1", "served": true, "storage": true]]],
        ])
        try store.create(widgets, ["metadata": ["name": "w"], "spec": ["size": 3]])
        let widgetStatus = try store.patch(widgets, name: "w", ["status": ["ready": true]])
        #expect(widgetStatus[path: "metadata", "generation"] == .int(2), "no status subresource: status is content")
        #expect(widgetStatus[path: "status", "ready"] == true)
    }

    @Test func managedFieldsRecordWhoChangedSpecAndWhen() throws {
        let created = try store.create(.gatewayAgents, agent("g"), fieldManager: "fabric-controller")
        _ = try store.updateStatus(.gatewayAgents, created.with(status: ["lastAppliedGen": 1]), fieldManager: "dataplane")
        let current = try store.get(.gatewayAgents, name: "g")
        let entries = current[path: "metadata", "managedFields"]?.arrayValue ?? []
        let spec = entries.first { $0["fieldsV1"]?["f:spec"] != nil && $0["subresource"] == nil }
        #expect(spec?["manager"] == "fabric-controller")
        let status = entries.first { $0["subresource"] == "status" }
        #expect(status?["manager"] == "dataplane")
    }

    @Test func watchSeesChangesAndSelectorTransitions() async throws {
        try store.create(.gatewayAgents, agent("a", labels: ["watch": "yes"]))
        let watch = try store.watch(.gatewayAgents, labelSelector: "watch=yes")
        #expect(watch.initialEvents.map(\.type) == [.added])
        try store.create(.gatewayAgents, agent("b", labels: ["watch": "no"]))
        _ = try store.patch(.gatewayAgents, name: "b", ["metadata": ["labels": ["watch": "yes"]]])
        _ = try store.patch(.gatewayAgents, name: "a", ["metadata": ["labels": ["watch": "no"]]])
        var iterator = watch.events.makeAsyncIterator()
        let first = await iterator.next()
        let second = await iterator.next()
        #expect(first?.type == .added && first?.object[path: "metadata", "name"] == "b")
        #expect(second?.type == .deleted && second?.object[path: "metadata", "name"] == "a")
        watch.cancel()
        #expect(store.watcherCount == 0)
    }

    @Test func slowWatcherIsClosedNotBuffered() async throws {
        let small = ObjectStore(configuration: { var c = EmulatorConfiguration(); c.watchBufferLimit = 5; c.registerFabricResources = false; return c }())
        let watch = try small.watch(.configMaps)
        for i in 0..<20 { try small.create(.configMaps, ["metadata": ["name": .string("c\(i)")]]) }
        var count = 0
        for await _ in watch.events { count += 1 }
        #expect(count == 5)
        #expect(small.watcherCount == 0)
    }
}

extension JSONValue {
    func with(status: JSONValue) -> JSONValue {
        var copy = self
        copy["status"] = status
        return copy
    }
}
