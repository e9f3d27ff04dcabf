import Foundation
import KubeAPI
import Locking
import Testing
@testable import ControllerKit
import TestSupport

/// The projection the tests cache: just the spec's `state`.
@Sendable func stateOf(_ value: JSONValue) -> String? { value[path: "spec", "state"]?.stringValue ?? "" }

@Suite struct StoreTests {
    @Test func appliesWatchEventsThroughTheProjection() async {
        let store = Store<String>(projection: stateOf)
        let added = store.apply(WatchEvent(type: .added, object: object("a", rv: "1", spec: ["state": "UP"])))
        #expect(added?.key == ObjectKey(namespace: "fab", name: "a"))
        #expect(added?.newValue == "UP")
        let updated = store.apply(WatchEvent(type: .modified, object: object("a", rv: "2", spec: ["state": "DOWN"])))
        #expect(updated?.oldValue == "UP")
        #expect(updated?.newValue == "DOWN")
        #expect(store.get(ObjectKey(namespace: "fab", name: "a")) == "DOWN")
        let deleted = store.apply(WatchEvent(type: .deleted, object: object("a", rv: "3")))
        #expect(deleted?.oldValue == "DOWN")
        #expect(deleted?.newValue == nil)
        #expect(store.count == 0)
        #expect(store.lastResourceVersion == "3")
    }

    @Test func bookmarksMoveTheVersionOnly() async {
        let store = Store<String>(projection: stateOf)
        let change = store.apply(WatchEvent(type: .bookmark, object: ["metadata": ["resourceVersion": "99"]]))
        #expect(change == nil)
        #expect(store.lastResourceVersion == "99")
        #expect(store.count == 0)
    }

    @Test func unchangedProjectionAndSameVersionReportNothing() async {
        let store = Store<String>(projection: stateOf, isUnchanged: { $0 == $1 })
        store.apply(WatchEvent(type: .added, object: object("a", rv: "1", spec: ["state": "UP", "noise": 1])))
        let same = store.apply(WatchEvent(type: .modified, object: object("a", rv: "2", spec: ["state": "UP", "noise": 2])))
        #expect(same == nil)
        let replayed = Store<String>(projection: stateOf).replace(
            with: [object("a", rv: "1")], resourceVersion: "1")
        #expect(replayed.count == 1)
    }

    @Test func projectionReturningNilFiltersAndDeletes() async {
        let store = Store<String>(projection: { $0[path: "spec", "state"]?.stringValue })
        #expect(store.apply(WatchEvent(type: .added, object: object("a", rv: "1"))) == nil)
        store.apply(WatchEvent(type: .added, object: object("b", rv: "2", spec: ["state": "UP"])))
        let gone = store.apply(WatchEvent(type: .modified, object: object("b", rv: "3")))
        #expect(gone?.oldValue == "UP" && gone?.newValue == nil)
    }

    @Test func objectsWithoutANameAreSkipped() async {
        let store = Store<String>(projection: stateOf)
        #expect(store.apply(WatchEvent(type: .added, object: ["metadata": [:]])) == nil)
        store.relistApply(["spec": [:]])
        #expect(store.skippedObjects == 2)
    }

    @Test func relistSwapsAtOnceAndReportsExactlyTheDifferences() async {
        let store = Store<String>(projection: stateOf)
        store.replace(with: [object("a", rv: "1", spec: ["state": "UP"]),
                                   object("b", rv: "2", spec: ["state": "UP"]),
                                   object("c", rv: "3", spec: ["state": "UP"])], resourceVersion: "3")
        store.beginRelist()
        store.relistApply(object("b", rv: "7", spec: ["state": "DOWN"]))
        store.relistApply(object("c", rv: "3", spec: ["state": "UP"]))
        store.relistApply(object("d", rv: "8", spec: ["state": "WAITING"]))
        // The old set is served until the swap.
        #expect(store.get(ObjectKey(namespace: "fab", name: "a")) == "UP")
        #expect(store.get(ObjectKey(namespace: "fab", name: "d")) == nil)
        #expect(store.isRelisting)
        let changes = store.finishRelist(resourceVersion: "9")
        let described = changes.map { change -> String in
            switch change {
            case .added(let key, let value): "added \(key.name) \(value)"
            case .updated(let key, let old, let new): "updated \(key.name) \(old)->\(new)"
            case .deleted(let key, let value): "deleted \(key.name) \(value)"
            }
        }
        #expect(described == ["deleted a UP", "updated b UP->DOWN", "added d WAITING"])
        #expect(store.keys.map(\.name) == ["b", "c", "d"])
        #expect(store.lastResourceVersion == "9")
        #expect(!store.isRelisting)
    }

    /// The store is locked state, not an actor: the informer applies events and reconciles read
    /// values synchronously, from any thread, without a hop (no `await` in this test).
    @Test func readsAndAppliesFromManyThreadsAtOnce() {
        let store = Store<String>(projection: stateOf, isUnchanged: { $0 == $1 })
        let key = ObjectKey(namespace: "fab", name: "a")
        let unexpected = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for i in 1...500 {
                if worker == 0 {
                    store.apply(WatchEvent(type: .modified, object: object("a", rv: "\(i)", spec: ["state": i.isMultiple(of: 2) ? "UP" : "DOWN"])))
                } else if let value = store.get(key), value != "UP", value != "DOWN" {
                    unexpected.withLock { $0 += 1 }
                }
            }
        }
        #expect(unexpected.current == 0)
        #expect(store.get(key) == "UP")
        #expect(store.lastResourceVersion == "500")
        #expect(store.count == 1)
    }

    /// `apply` runs the body the store's `init` compiled where `Value` was known
    /// (`specialisedApply`). A store made inside generic code, one made with a concrete type and
    /// the body called directly must report the same change for every event, each on its own
    /// store (the closure is handed the store; it captures none): random adds, updates (repeated
    /// versions, unchanged projections), deletions, filtered objects, nameless ones and bookmarks.
    @Test func applyThroughTheInitsClosureIsTheBody() {
        func madeGenerically<V: Sendable & Equatable>(_ projection: @escaping @Sendable (JSONValue) -> V?) -> Store<V> {
            Store<V>(projection: projection, isUnchanged: { $0 == $1 })
        }
        let project: @Sendable (JSONValue) -> String? = { $0[path: "spec", "state"]?.stringValue }
        let concrete = Store<String>(projection: project, isUnchanged: { $0 == $1 })
        let generic = madeGenerically(project)
        let direct = Store<String>(projection: project, isUnchanged: { $0 == $1 })
        let untouched = Store<String>(projection: project)
        func described(_ change: ObjectChange<String>?) -> String {
            switch change {
            case nil: "none"
            case .added(let key, let value)?: "added \(key) \(value)"
            case .updated(let key, let old, let new)?: "updated \(key) \(old)->\(new)"
            case .deleted(let key, let value)?: "deleted \(key) \(value)"
            }
        }
        var random = SystemRandomNumberGenerator()
        var kinds: Set<String> = []
        for i in 0..<2_000 {
            let name = "gw-\(Int.random(in: 0..<12, using: &random))"
            let rv = "\(Int.random(in: 0...(i / 2 + 1), using: &random))"
            let state: JSONValue = [.string("UP"), .string("DOWN"), .null].randomElement(using: &random)!
            let event: WatchEvent = switch Int.random(in: 0..<10, using: &random) {
            case 0: WatchEvent(type: .deleted, object: object(name, rv: rv))
            case 1: WatchEvent(type: .bookmark, object: ["metadata": ["resourceVersion": .string(rv)]])
            case 2: WatchEvent(type: .added, object: ["metadata": ["resourceVersion": .string(rv)], "spec": ["state": "UP"]])
            case 3: WatchEvent(type: .added, object: object(name, rv: rv, spec: ["state": state]))
            default: WatchEvent(type: .modified, object: object(name, rv: rv, spec: ["state": state]))
            }
            let expected = described(direct.applyInlined(event))
            #expect(described(concrete.apply(event)) == expected)
            #expect(described(generic.apply(event)) == expected)
            kinds.insert(String(expected.prefix(while: { $0 != " " })))
        }
        #expect(kinds == ["none", "added", "updated", "deleted"])
        #expect(concrete.snapshot() == direct.snapshot() && generic.snapshot() == direct.snapshot())
        #expect(concrete.lastResourceVersion == direct.lastResourceVersion && generic.lastResourceVersion == direct.lastResourceVersion)
        #expect(concrete.skippedObjects == direct.skippedObjects && concrete.skippedObjects > 0)
        #expect(untouched.count == 0 && untouched.lastResourceVersion == nil)
    }

    @Test func objectKeyParsesAndOrders() {
        #expect(ObjectKey(object: object("x", namespace: nil, rv: "1")) == ObjectKey(namespace: nil, name: "x"))
        #expect(ObjectKey(object: ["metadata": ["name": ""]]) == nil)
        #expect(ObjectKey(namespace: "fab", name: "gw-1").description == "fab/gw-1")
        #expect(ObjectKey(namespace: nil, name: "n").description == "n")
        #expect(ObjectKey(namespace: "a", name: "z") < ObjectKey(namespace: "b", name: "a"))
    }
}
