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

    /// Comparing a key or string's bytes with a literal or a string (`Key.isEqual(to:)`,
    /// `same`) compares words, then the bytes left, without `memcmp`: it answers as comparing
    /// the byte arrays does at every length and wherever the first different byte is (the
    /// tail of 1 to 7 bytes and the two overlapping words of 4 to 7 included).
    @Test func comparingBytesAgreesWithComparingArraysAtEveryLengthAndPlace() {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-.:/é".utf8)
        for length in 0..<40 {
            let text = Array((0..<length).map { alphabet[$0 % alphabet.count] })
            var variants: [[UInt8]] = [text, Array(text.dropLast()), text + [UInt8(ascii: "x")], Array(text.dropFirst())]
            for at in 0..<length {
                var changed = text
                changed[at] ^= 0x01
                variants.append(changed)
                changed[at] ^= 0x81  // the high bit too
                variants.append(changed)
            }
            let string = String(decoding: text, as: UTF8.self)
            for variant in variants {
                let expected = variant == text
                let object = "{\"" + String(decoding: variant, as: UTF8.self) + "\":1}"
                let viaKey = Self.scan(object) { (s: inout JSONScanner) throws(JSONScanner.Miss) -> Bool in
                    try s.beginObject()
                    guard let key = try s.nextKey() else { throw JSONScanner.Miss() }
                    _ = try s.int()
                    _ = try s.nextKey()
                    return key.isEqual(to: string)
                }
                if String(decoding: variant, as: UTF8.self).utf8.elementsEqual(variant) {  // valid UTF-8: it can be scanned as written
                    #expect(viaKey == expected, "\(length) \(variant)")
                }
                variant.withUnsafeBufferPointer { bytes in
                    #expect(JSONScanner.same(bytes, string) == expected, "\(length) \(variant)")
                }
            }
        }
        // A literal: the first byte, then the rest.
        for (key, literal, expected) in [("p", "p", true), ("d", "p", false), ("pps", "p", false), ("sent", "sent", true), ("senT", "sent", false),
                                         ("received", "received", true), ("receivex", "received", false), ("xeceived", "received", false),
                                         ("sessionState", "sessionState", true), ("sessionStatf", "sessionState", false),
                                         ("establishedTransitions", "establishedTransitions", true),
                                         ("establishedTransitiona", "establishedTransitions", false),
                                         ("establishedTransitionsX", "establishedTransitions", false), ("", "", true)] {
            let found = Self.scan(#"{"\#(key)":1}"#) { (s: inout JSONScanner) throws(JSONScanner.Miss) -> Bool in
                try s.beginObject()
                guard let k = try s.nextKey() else { throw JSONScanner.Miss() }
                _ = try s.int()
                _ = try s.nextKey()
                switch literal {
                case "p": return k.isEqual(to: "p")
                case "sent": return k.isEqual(to: "sent")
                case "received": return k.isEqual(to: "received")
                case "sessionState": return k.isEqual(to: "sessionState")
                case "establishedTransitions": return k.isEqual(to: "establishedTransitions")
                default: return k.isEqual(to: "")
                }
            }
            #expect(found == expected, "\(key) \(literal)")
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
