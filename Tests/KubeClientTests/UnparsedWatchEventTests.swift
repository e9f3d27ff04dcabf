import KubeAPI
import Testing
@testable import KubeClient

/// A decoder asked to defer keeps plain objects as bytes, with their identity read out, and
/// leaves every other line to the whole parse.
@Suite struct UnparsedWatchEventTests {
    func line(_ s: String) -> ArraySlice<UInt8> { ArraySlice(Array(s.utf8)) }

    func decode(_ text: String, defers: Bool = true) throws -> WatchEvent? {
        var decoder = WatchEventDecoder(path: "/apis/x")
        decoder.defersObjects = defers
        guard case .event(let event) = try decoder.decodeTolerant(line(text)) else { return nil }
        return event
    }

    @Test func plainEventsInEitherMemberOrderAreKeptUnparsed() throws {
        let object = #"{"kind":"GatewayAgent","metadata":{"name":"gw-1","namespace":"fab","resourceVersion":"77"},"status":{"a":[1,2.5e3,"x\"y",null,true]}}"#
        for text in [#"{"type":"MODIFIED","object":"# + object + "}", #"{"object":"# + object + #", "type":"ADDED"} "#] {
            let event = try #require(try decode(text))
            let unparsed = try #require(event.unparsed)
            #expect(unparsed.name == "gw-1")
            #expect(unparsed.namespace == "fab")
            #expect(unparsed.resourceVersion == "77")
            #expect(event.resourceVersion == "77")
            #expect(String(decoding: Array(unparsed.bytes), as: UTF8.self) == object)
            // The tree is the same as the whole parse's.
            #expect(event.object == (try decode(text, defers: false))?.object)
            #expect(event == (try decode(text, defers: false)))
        }
    }

    /// `object` parses a deferred object once, at the first read; later reads (of the event or
    /// a copy) get the kept tree.
    @Test func aDeferredObjectIsParsedOnce() throws {
        let event = try #require(try decode(#"{"type":"MODIFIED","object":{"metadata":{"name":"gw-1","resourceVersion":"5"},"spec":{"a":1}}}"#))
        #expect(event.unparsed != nil && !event.hasTree, "nobody needed the tree yet")
        let copy = event
        let first = event.object
        #expect(first[path: "spec", "a"] == 1)
        #expect(event.hasTree && copy.hasTree, "kept for every later read, the copy's too")
        #expect(copy.object == first && event.unparsed != nil, "the bytes stay for a byte reader")
        var replaced = event
        replaced.object = ["metadata": ["name": "other"]]
        #expect(replaced.unparsed == nil && replaced.object[path: "metadata", "name"] == "other")
        #expect(event.object == first, "the original is untouched")
    }

    @Test func theDecoderTracksTheVersionOfUnparsedEvents() throws {
        var decoder = WatchEventDecoder(path: "/apis/x", resourceVersion: "1")
        decoder.defersObjects = true
        _ = try decoder.decodeTolerant(line(#"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"12"}}}"#))
        #expect(decoder.lastResourceVersion == "12")
    }

    @Test func otherLinesAreParsedWhole() throws {
        let unusual = [
            #"{"type":"BOOKMARK","object":{"metadata":{"name":"a","resourceVersion":"5"}}}"#,  // not an object change
            #"{"type":"ADDED","object":{"metadata":{"namespace":"x"}}}"#,  // no name
            #"{"type":"ADDED","object":{"metadata":{"name":"a\u0062"}}}"#,  // an escaped identity
            #"{"type":"ADDED","object":{"metadata":{"name":"a","name":"b"}}}"#,  // a repeated identity key
            #"{"type":"ADDED","extra":1,"object":{"metadata":{"name":"a"}}}"#,  // another member
            #"{"type":"ADDED","object":{"metadata":{"name":"a"},"spec":[01.5e]}}"#,  // not JSON: left to the tolerant parse
        ]
        for text in unusual {
            #expect(WatchEvent.Unparsed.scan(line: line(text)) == nil, "\(text)")
            #expect(try decode(text)?.unparsed == nil)
        }
        // The escaped name still reads through the tree.
        #expect(try decode(unusual[2])?.object[path: "metadata", "name"] == "ab")
    }

    /// The event type is read as bytes: exactly ADDED, MODIFIED and DELETED are kept unparsed,
    /// with their kind; any other word, case or spelling (an escape, a prefix, a longer word, a
    /// non-string, a repeated type) leaves the line to the whole parse, as `Kind(rawValue:)` did.
    @Test func theEventTypeIsReadAsBytes() throws {
        let object = #"{"metadata":{"name":"gw-1","resourceVersion":"5"}}"#
        for (word, kind) in [("ADDED", WatchEvent.Kind.added), ("MODIFIED", .modified), ("DELETED", .deleted)] {
            for text in [#"{"type":"\#(word)","object":\#(object)}"#, #"{"object":\#(object),"type":"\#(word)"}"#] {
                #expect(WatchEvent.Unparsed.scan(line: line(text))?.0 == kind, "\(text)")
                #expect(try decode(text)?.type == kind)
            }
        }
        for type in [#""BOOKMARK""#, #""ERROR""#, #""added""#, #""ADDE""#, #""ADDEDD""#, #""MODIFIE""#, #""DELETEDX""#, #""""#,
                     #""\u0041DDED""#, #""MODIFIED\n""#, "1", "null", #"["ADDED"]"#] {
            let text = #"{"type":\#(type),"object":\#(object)}"#
            #expect(WatchEvent.Unparsed.scan(line: line(text)) == nil, "\(text)")
        }
        let twice = #"{"type":"ADDED","type":"ADDED","object":\#(object)}"#
        #expect(WatchEvent.Unparsed.scan(line: line(twice)) == nil)
    }

    /// With an object reader, the view comes with the identity from one pass; where the reader
    /// misses, the identity is read alone, and the event is the same either way.
    @Test func anObjectReaderReadsTheViewWithTheIdentity() throws {
        let readsSpec = WatchObjectReader { (s: inout JSONScanner) throws(JSONScanner.Miss) in
            var identity: WatchObjectReader.Identity?
            var state: String?
            try s.beginObject()
            while let key = try s.nextKey() {
                if key.isEqual(to: "metadata") {
                    try s.beginObject()
                    var name = "", namespace: String?, version: String?
                    while let field = try s.nextKey() {
                        if field.isEqual(to: "name") { name = try s.string() }
                        else if field.isEqual(to: "namespace") { namespace = try s.string() }
                        else if field.isEqual(to: "resourceVersion") { version = try s.string() }
                        else { try s.skipValue() }
                    }
                    identity = WatchObjectReader.Identity(name: name, namespace: namespace, resourceVersion: version)
                } else if key.isEqual(to: "spec") {
                    try s.beginObject()
                    guard try s.nextKey()?.isEqual(to: "state") == true else { throw JSONScanner.Miss() }
                    state = try s.string()
                    guard try s.nextKey() == nil else { throw JSONScanner.Miss() }
                } else {
                    try s.skipValue()
                }
            }
            guard let identity, let state else { throw JSONScanner.Miss() }
            return (identity, state)
        }
        var decoder = WatchEventDecoder(path: "/apis/x")
        decoder.defersObjects = true
        decoder.objectReader = readsSpec
        let read = #"{"type":"MODIFIED","object":{"metadata":{"name":"a","namespace":"fab","resourceVersion":"9"},"spec":{"state":"UP"}}}"#
        let missed = #"{"type":"MODIFIED","object":{"metadata":{"name":"a","namespace":"fab","resourceVersion":"10"},"spec":{"other":1}}}"#
        guard case .event(let withView) = try decoder.decodeTolerant(line(read)),
              case .event(let withoutView) = try decoder.decodeTolerant(line(missed)) else {
            Issue.record("not decoded")
            return
        }
        #expect(withView.unparsed?.view as? String == "UP")
        #expect(withView.unparsed == WatchEvent.Unparsed.scan(line: line(read))?.1, "the same identity and bytes as the scan alone")
        #expect(withoutView.unparsed?.view == nil)
        #expect(withoutView.unparsed == WatchEvent.Unparsed.scan(line: line(missed))?.1)
        #expect(decoder.lastResourceVersion == "10")
        // The event with a view builds no tree until asked; asked, the tree is the whole
        // parse's, kept once for every later read and every copy.
        #expect(!withView.hasTree)
        let copy = withView
        #expect(withView.object == (try decode(read, defers: false))?.object)
        #expect(withView.hasTree && copy.hasTree)
        #expect(copy.object == withView.object)
        #expect(withView == (try decode(read, defers: false)))
        _ = withoutView.object
        #expect(withoutView.hasTree)
        // A line the scan alone refuses is refused with a reader too (here: a trailing comma).
        #expect(WatchEvent.Unparsed.scan(line: line(String(read.dropLast()) + ",}"), reader: readsSpec) == nil)
    }

    @Test func settingTheObjectDropsTheBytes() throws {
        var event = try #require(try decode(#"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"3"}}}"#))
        #expect(event.unparsed != nil)
        event.object = ["metadata": ["name": "b", "resourceVersion": "4"]]
        #expect(event.unparsed == nil)
        #expect(event.resourceVersion == "4")
    }
}
