import Foundation
import KubeAPI
import Testing
@testable import ControllerKit
import TestSupport

/// The projection the tests cache: just the spec's `state`.
@Sendable func stateOf(_ value: JSONValue) -> String? { value[path: "spec", "state"]?.stringValue ?? "" }

@Suite struct StoreTests {
    @Test func appliesWatchEventsThroughTheProjection() async {
        let store = Store<String>(projection: stateOf)
        let added = await store.apply(WatchEvent(type: .added, object: object("a", rv: "1", spec: ["state": "UP"])))
        #expect(added?.key == ObjectKey(namespace: "fab", name: "a"))
        #expect(added?.newValue == "UP")
        let updated = await store.apply(WatchEvent(type: .modified, object: object("a", rv: "2", spec: ["state": "DOWN"])))
        #expect(updated?.oldValue == "UP")
        #expect(updated?.newValue == "DOWN")
        #expect(await store.get(ObjectKey(namespace: "fab", name: "a")) == "DOWN")
        let deleted = await store.apply(WatchEvent(type: .deleted, object: object("a", rv: "3")))
        #expect(deleted?.oldValue == "DOWN")
        #expect(deleted?.newValue == nil)
        #expect(await store.count == 0)
        #expect(await store.lastResourceVersion == "3")
    }

    @Test func bookmarksMoveTheVersionOnly() async {
        let store = Store<String>(projection: stateOf)
        let change = await store.apply(WatchEvent(type: .bookmark, object: ["metadata": ["resourceVersion": "99"]]))
        #expect(change == nil)
        #expect(await store.lastResourceVersion == "99")
        #expect(await store.count == 0)
    }

    @Test func unchangedProjectionAndSameVersionReportNothing() async {
        let store = Store<String>(projection: stateOf, isUnchanged: { $0 == $1 })
        await store.apply(WatchEvent(type: .added, object: object("a", rv: "1", spec: ["state": "UP", "noise": 1])))
        let same = await store.apply(WatchEvent(type: .modified, object: object("a", rv: "2", spec: ["state": "UP", "noise": 2])))
        #expect(same == nil)
        let replayed = await Store<String>(projection: stateOf).replace(
            with: [object("a", rv: "1")], resourceVersion: "1")
        #expect(replayed.count == 1)
    }

    @Test func projectionReturningNilFiltersAndDeletes() async {
        let store = Store<String>(projection: { $0[path: "spec", "state"]?.stringValue })
        #expect(await store.apply(WatchEvent(type: .added, object: object("a", rv: "1"))) == nil)
        await store.apply(WatchEvent(type: .added, object: object("b", rv: "2", spec: ["state": "UP"])))
        let gone = await store.apply(WatchEvent(type: .modified, object: object("b", rv: "3")))
        #expect(gone?.oldValue == "UP" && gone?.newValue == nil)
    }

    @Test func objectsWithoutANameAreSkipped() async {
        let store = Store<String>(projection: stateOf)
        #expect(await store.apply(WatchEvent(type: .added, object: ["metadata": [:]])) == nil)
        await store.relistApply(["spec": [:]])
        #expect(await store.skippedObjects == 2)
    }

    @Test func relistSwapsAtOnceAndReportsExactlyTheDifferences() async {
        let store = Store<String>(projection: stateOf)
        await store.replace(with: [object("a", rv: "1", spec: ["state": "UP"]),
                                   object("b", rv: "2", spec: ["state": "UP"]),
                                   object("c", rv: "3", spec: ["state": "UP"])], resourceVersion: "3")
        await store.beginRelist()
        await store.relistApply(object("b", rv: "7", spec: ["state": "DOWN"]))
        await store.relistApply(object("c", rv: "3", spec: ["state": "UP"]))
        await store.relistApply(object("d", rv: "8", spec: ["state": "WAITING"]))
        // The old set is served until the swap.
        #expect(await store.get(ObjectKey(namespace: "fab", name: "a")) == "UP")
        #expect(await store.get(ObjectKey(namespace: "fab", name: "d")) == nil)
        #expect(await store.isRelisting)
        let changes = await store.finishRelist(resourceVersion: "9")
        let described = changes.map { change -> String in
            switch change {
            case .added(let key, let value): "added \(key.name) \(value)"
            case .updated(let key, let old, let new): "updated \(key.name) \(old)->\(new)"
            case .deleted(let key, let value): "deleted \(key.name) \(value)"
            }
        }
        #expect(described == ["deleted a UP", "updated b UP->DOWN", "added d WAITING"])
        #expect(await store.keys.map(\.name) == ["b", "c", "d"])
        #expect(await store.lastResourceVersion == "9")
        #expect(await !store.isRelisting)
    }

    @Test func objectKeyParsesAndOrders() {
        #expect(ObjectKey(object: object("x", namespace: nil, rv: "1")) == ObjectKey(namespace: nil, name: "x"))
        #expect(ObjectKey(object: ["metadata": ["name": ""]]) == nil)
        #expect(ObjectKey(namespace: "fab", name: "gw-1").description == "fab/gw-1")
        #expect(ObjectKey(namespace: nil, name: "n").description == "n")
        #expect(ObjectKey(namespace: "a", name: "z") < ObjectKey(namespace: "b", name: "a"))
    }
}
