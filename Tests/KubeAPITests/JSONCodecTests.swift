import Testing
import KubeAPI

@Suite struct JSONCodecTests {
    @Test func parsesEveryKind() throws {
        let v = try JSONValue.parse(#"{"a":[1,-2.5,true,false,null,"x\"\n\u00e9\ud83d\ude00"],"b":{"c":9007199254740993}}"#)
        #expect(v["a"]?.arrayValue?.count == 6)
        #expect(v["a"]?.arrayValue?[1] == .double(-2.5))
        #expect(v["a"]?.arrayValue?[5] == .string("x\"\né😀"))
        #expect(v[path: "b", "c"] == .int(9007199254740993))
    }

    @Test func repeatedKeysKeepTheLastAndNestedObjectsStayApart() throws {
        let v = try JSONValue.parse(#"{"a":1,"o":{"a":2,"p":{"a":3}},"a":4,"e":{}}"#)
        #expect(v == ["a": 4, "o": ["a": 2, "p": ["a": 3]], "e": [:]])
    }

    @Test func readsOnlyTheKeptTopLevelFields() throws {
        let text = #"{"status":{"s":"a "quoted" } ] [ {","n":[1,{"x":[]}]},"metadata":{"name":"gw-1","resourceVersion":"7"},"kind":"K","n":-1.5e3}"#
        let v = try JSONValue.parse(Array(text.utf8), keeping: ["metadata"])
        #expect(v["metadata"] == ["name": "gw-1", "resourceVersion": "7"])
        #expect(v.objectValue?.keys.sorted() == ["metadata"])
        // A broken skipped part is still an error, not a silently short answer.
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(#"{"status":{"a":[1},"metadata":{}}"#.utf8), keeping: ["metadata"]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(#"{"status":{"a":"open}"#.utf8), keeping: ["metadata"]) }
    }

    @Test func roundTripsThroughSerialization() throws {
        let v: JSONValue = ["z": 1, "a": ["s": "tab\there", "q": "\"", "n": nil, "d": 1.5, "list": [true, "ctl\u{01}"]]]
        let bytes = v.serialized()
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"a":"#))
        #expect(try JSONValue.parse(bytes) == v)
    }

    @Test(arguments: ["", "{", "[1,]", #"{"a" 1}"#, "tru", "01x", #""\q""#, "1 2", "-", "1.", "1e"])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func refusesDeepNestingWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }

    @Test func replacesInvalidUTF8() throws {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x62, 0x22]
        #expect(try JSONValue.parse(bytes) == .string("a\u{FFFD}b"))
    }
}
