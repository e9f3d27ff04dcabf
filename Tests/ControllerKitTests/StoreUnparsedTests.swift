import Foundation
import KubeAPI
import Locking
import Testing
@testable import ControllerKit

/// Unparsed watch events: the store reads them through its byte projection when that answers,
/// through the tree projection when it does not, and deletes them without reading either.
@Suite struct StoreUnparsedTests {
    func event(_ type: WatchEvent.Kind, _ name: String, rv: String, state: String) throws -> WatchEvent {
        let object: JSONValue = ["metadata": ["name": .string(name), "namespace": "fab", "resourceVersion": .string(rv)],
                                 "spec": ["state": .string(state)]]
        let line = ArraySlice(JSONValue.object(["type": .string(type.rawValue), "object": object]).serialized())
        let (kind, unparsed) = try #require(WatchEvent.Unparsed.scan(line: line))
        return WatchEvent(type: kind, unparsed: unparsed)
    }

    @Test func bytesFirstThenTheTree() async throws {
        let readFromBytes = Locked(0)
        // Answers only for UP; the tree projection reads the rest.
        let store = Store<String>(projection: stateOf, byteProjection: { bytes in
            guard String(decoding: Array(bytes), as: UTF8.self).contains(#""state":"UP""#) else { return nil }
            readFromBytes.withLock { $0 += 1 }
            return "UP (bytes)"
        })
        let key = ObjectKey(namespace: "fab", name: "a")
        let added = store.apply(try event(.added, "a", rv: "1", state: "UP"))
        #expect(added?.key == key)
        #expect(added?.newValue == "UP (bytes)")
        let updated = store.apply(try event(.modified, "a", rv: "2", state: "DOWN"))
        #expect(updated?.newValue == "DOWN")
        #expect(store.lastResourceVersion == "2")
        #expect(store.apply(try event(.modified, "a", rv: "2", state: "DOWN")) == nil)  // same version: no change
        let deleted = store.apply(try event(.deleted, "a", rv: "3", state: "DOWN"))
        #expect(deleted?.oldValue == "DOWN")
        #expect(store.count == 0)
        #expect(store.lastResourceVersion == "3")
        #expect(readFromBytes.current == 1)
    }

    /// A view the watch read with the identity (`WatchObjectReader`) is taken as it is: the
    /// store does not read the bytes again, in a watch event as in a streaming list's.
    @Test func aViewReadByTheWatchIsTakenAsItIs() async throws {
        let readFromBytes = Locked(0)
        let store = Store<String>(projection: stateOf, byteProjection: { _ in
            readFromBytes.withLock { $0 += 1 }
            return "bytes"
        })
        let reader = WatchObjectReader { (s: inout JSONScanner) throws(JSONScanner.Miss) in
            try s.skipValue()
            return (WatchObjectReader.Identity(name: "a", namespace: "fab", resourceVersion: "1"), "read with the identity")
        }
        let line = ArraySlice(JSONValue.object(["type": "ADDED", "object": ["metadata": ["name": "a", "namespace": "fab", "resourceVersion": "1"]]]).serialized())
        let (kind, unparsed) = try #require(WatchEvent.Unparsed.scan(line: line, reader: reader))
        #expect(store.apply(WatchEvent(type: kind, unparsed: unparsed))?.newValue == "read with the identity")
        store.beginRelist()
        store.relistApply(WatchEvent(type: kind, unparsed: unparsed))
        #expect(store.finishRelist(resourceVersion: "1").isEmpty)
        #expect(store.get(ObjectKey(namespace: "fab", name: "a")) == "read with the identity")
        #expect(readFromBytes.current == 0)
        // A view of another type is not the store's: its byte projection reads the bytes.
        let other = WatchObjectReader { (s: inout JSONScanner) throws(JSONScanner.Miss) in
            try s.skipValue()
            return (WatchObjectReader.Identity(name: "a", namespace: "fab", resourceVersion: "1"), 42)
        }
        let (_, unparsedOther) = try #require(WatchEvent.Unparsed.scan(line: line, reader: other))
        store.beginRelist()
        store.relistApply(WatchEvent(type: kind, unparsed: unparsedOther))
        _ = store.finishRelist(resourceVersion: "1")
        #expect(store.get(ObjectKey(namespace: "fab", name: "a")) == "bytes")
        #expect(readFromBytes.current == 1)
    }
}
