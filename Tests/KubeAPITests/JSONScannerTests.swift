import Testing
import KubeAPI

/// The scanner's string lexing reads eight bytes at a time where it can; these pin that it
/// finds exactly what a byte-at-a-time reading finds, wherever the quote, backslash or
/// control byte falls in a word.
@Suite struct JSONScannerTests {
    /// `body` run over the whole of `text`; nil on a miss.
    static func scan<T>(_ text: String, _ body: (inout JSONScanner) throws(JSONScanner.Miss) -> T) -> T? {
        ArraySlice(Array(text.utf8)).withUnsafeBufferPointer { buffer -> T? in
            var s = JSONScanner(buffer)
            do throws(JSONScanner.Miss) {
                let value = try body(&s)
                try s.end()
                return value
            } catch {
                return nil
            }
        }
    }

    @Test func stringsOfEveryLengthAndEveryPlaceOfTheByteThatEndsThem() {
        for length in 0..<40 {
            let plain = String(repeating: "a", count: length)
            #expect(Self.scan("\"\(plain)\"") { (s: inout JSONScanner) throws(JSONScanner.Miss) in try s.string() } == plain)
            #expect(Self.scan("[\"\(plain)é\"]") { (s: inout JSONScanner) throws(JSONScanner.Miss) in try s.skipValue() } != nil)
            for at in 0...length {
                let head = String(plain.prefix(at)), tail = String(plain.dropFirst(at))
                // An escape or a control byte anywhere: `string()` misses, `skipValue` takes a
                // valid escape and misses on a raw control byte.
                #expect(Self.scan("\"\(head)\\n\(tail)\"") { (s: inout JSONScanner) throws(JSONScanner.Miss) in try s.string() } == nil)
                #expect(Self.scan("\"\(head)\\n\(tail)\"") { (s: inout JSONScanner) throws(JSONScanner.Miss) in try s.skipValue() } != nil)
                #expect(Self.scan("\"\(head)\\q\(tail)\"") { (s: inout JSONScanner) throws(JSONScanner.Miss) in try s.skipValue() } == nil)
                #expect(Self.scan("\"\(head)\u{01}\(tail)\"") { (s: inout JSONScanner) throws(JSONScanner.Miss) in try s.string() } == nil)
                #expect(Self.scan("\"\(head)\u{1F}\(tail)\"") { (s: inout JSONScanner) throws(JSONScanner.Miss) in try s.skipValue() } == nil)
                // A quote ends it: what follows is another value.
                #expect(Self.scan("[\"\(head)\",\"\(tail)\"]") { (s: inout JSONScanner) throws(JSONScanner.Miss) -> [String] in
                    try s.beginArray()
                    var out: [String] = []
                    while try s.nextElement() { out.append(try s.string()) }
                    return out
                } == [head, tail])
            }
            // Unterminated.
            #expect(Self.scan("\"\(plain)") { (s: inout JSONScanner) throws(JSONScanner.Miss) in try s.skipValue() } == nil)
        }
    }

    /// On valid JSON the unvalidated skip ends where `skipValue` ends: brackets and quotes
    /// inside strings, escapes of every kind, nesting, any value kind.
    @Test func theUnvalidatedSkipEndsWhereSkipValueEnds() {
        let values = [#"{}"#, #"[]"#, #"{"a":[1,{"b":"}]\"{[","c":"\\"}],"d":null}"#, #"[{"x":"a\\\"]"},[[[]]],-1.5e3,true]"#,
                      #"{"s":"\u00e9\ud83d\ude00 ]}","t":{"u":["\/","\\\\"]}}"#, #""plain""#, #"42"#, #"{ "spaced" : [ 1 , 2 ] }"#,
                      #"{"long":"abcdefghijklmnopqrstuvwxyz0123456789","n":{"m":{"o":"p"}}}"#]
        for value in values {
            let text = "[" + value + ",7]"
            func end(_ skip: (inout JSONScanner) throws(JSONScanner.Miss) -> Void) -> Int? {
                Self.scan(text) { (s: inout JSONScanner) throws(JSONScanner.Miss) -> Int in
                    try s.beginArray()
                    _ = try s.nextElement()
                    try skip(&s)
                    let at = s.index
                    _ = try s.nextElement()
                    let seven = try s.int()
                    #expect(seven == 7)
                    _ = try s.nextElement()
                    return at
                }
            }
            let validated = end { (s: inout JSONScanner) throws(JSONScanner.Miss) in try s.skipValue() }
            #expect(validated != nil, "\(value)")
            #expect(end { (s: inout JSONScanner) throws(JSONScanner.Miss) in try s.skipValueUnvalidated() } == validated, "\(value)")
        }
        // No end: a miss.
        for broken in [#"{"a":[1}"#, #"{"a":"open}"#, #"[[["#] {
            #expect(Self.scan(broken) { (s: inout JSONScanner) throws(JSONScanner.Miss) in try s.skipValueUnvalidated() } == nil, "\(broken)")
        }
    }
}
