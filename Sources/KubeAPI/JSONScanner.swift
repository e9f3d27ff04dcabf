import Foundation

/// A forward-only reader over JSON bytes that builds nothing it is not asked for: a caller walks
/// the members it knows, materializes the few values it keeps and skips the rest. It is the
/// fast path of decoding a watched object straight into a view, beside `JSONValue.parse`.
///
/// It accepts only the plain case and throws `Miss` on anything else: escapes in keys or kept
/// strings, numbers that are not plain integers where an integer is read, a wrong type, nesting
/// deeper than `maximumDepth`. A miss is not an error: the caller falls back to the full parser,
/// which owns every unusual case (and reports it as a problem the same way as always). So that
/// the fallback never fails where the scanner succeeded, the scanner validates at least as
/// strictly as `JSONParser` everything it passes over.
public struct JSONScanner {
    /// "Not the plain case": parse the whole document instead.
    public struct Miss: Error, Equatable {
        public init() {}
    }

    /// An object member's key, as its raw bytes (never escaped: keys with escapes miss).
    public struct Key {
        let bytes: UnsafeBufferPointer<UInt8>

        public func isEqual(to literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard bytes.count == count else { return false }
            guard count > 0 else { return true }
            // The first byte tells most keys of one length apart without a call to memcmp (a
            // reader asks each key against the few it knows, in turn).
            let start = literal.utf8Start
            guard bytes[0] == start[0] else { return false }
            return JSONScanner.sameBytes(bytes.baseAddress! + 1, start + 1, count - 1)
        }

        public var string: String { String(decoding: bytes, as: UTF8.self) }

        /// Whether the key is `text` (its UTF-8, byte for byte): a reader that compares what it
        /// reads with a view read before tells an unchanged key without making a string of it.
        public func isEqual(to text: String) -> Bool { JSONScanner.same(bytes, text) }
    }

    /// Whether `bytes` are `text`'s UTF-8. Bytes equal to a string that was decoded from bytes
    /// decode to that string again (`String(decoding:as:)` of valid UTF-8 is the identity), so a
    /// reader may take `text` for them.
    public static func same(_ bytes: UnsafeBufferPointer<UInt8>, _ text: String) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == bytes.count else { return false }
        guard !bytes.isEmpty else { return true }
        return utf8.withContiguousStorageIfAvailable { stored in
            sameBytes(stored.baseAddress!, bytes.baseAddress!, stored.count)
        } ?? utf8.elementsEqual(bytes)
    }

    /// `memcmp(a, b, count) == 0`, without the call for the short runs a reader compares most
    /// (keys, VRF names, addresses, states: a call to `memcmp` per key, often of zero or one
    /// byte after the first, was a tenth of reading a heartbeat beside its cached view).
    @inline(__always)
    static func sameBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var i = 0
        while i + 8 <= count {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self)
            let y = UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self)
            guard x == y else { return false }
            i += 8
        }
        guard count - i >= 4 else {
            while i < count {
                guard a[i] == b[i] else { return false }
                i += 1
            }
            return true
        }
        // 4 to 7 left: two overlapping 4-byte words cover them.
        let x0 = UnsafeRawPointer(a + i).loadUnaligned(as: UInt32.self), y0 = UnsafeRawPointer(b + i).loadUnaligned(as: UInt32.self)
        let x1 = UnsafeRawPointer(a + count - 4).loadUnaligned(as: UInt32.self), y1 = UnsafeRawPointer(b + count - 4).loadUnaligned(as: UInt32.self)
        return x0 == y0 && x1 == y1
    }

    /// Shallower than `JSONValue.maximumDepth`: a document near the parser's limit is left to it.
    public static let maximumDepth = JSONValue.maximumDepth - 8

    private let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var index = 0
    private var depth = 0

    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Structure

    /// Moves past `{`; then call `nextKey()` until it returns nil.
    public mutating func beginObject() throws(Miss) {
        guard try peek() == UInt8(ascii: "{") else { throw Miss() }
        try enter()
        first = true
    }

    /// The next member's key (the scanner is then at its value, which the caller must read or
    /// skip), or nil after the object's closing brace.
    public mutating func nextKey() throws(Miss) -> Key? {
        guard try advance(closing: UInt8(ascii: "}")) else { return nil }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Miss() }
        let key = Key(bytes: try plainString())
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Miss() }
        index += 1
        return key
    }

    /// Moves past `[`; then call `nextElement()` until it returns false.
    public mutating func beginArray() throws(Miss) {
        guard try peek() == UInt8(ascii: "[") else { throw Miss() }
        try enter()
        first = true
    }

    /// True when another element follows (the scanner is then at it); false after the `]`.
    public mutating func nextElement() throws(Miss) -> Bool {
        try advance(closing: UInt8(ascii: "]"))
    }

    /// Past the container's closing byte (false), or past the comma before its next member or
    /// element (true; none before the first).
    private mutating func advance(closing: UInt8) throws(Miss) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw Miss() }
        if bytes[index] == closing {
            index += 1
            depth -= 1
            first = false
            return false
        }
        if !first {
            guard bytes[index] == UInt8(ascii: ",") else { throw Miss() }
            index += 1
        }
        first = false
        return true
    }

    /// Whether the next element or member is the first of its container (set by `begin…`).
    private var first = false

    private mutating func enter() throws(Miss) {
        depth += 1
        guard depth < Self.maximumDepth else { throw Miss() }
        index += 1
    }

    /// After the top-level value: only whitespace may follow.
    public mutating func end() throws(Miss) {
        skipWhitespace()
        guard index == bytes.count else { throw Miss() }
    }

    // MARK: Values

    /// The next value's first byte (after whitespace).
    public mutating func peek() throws(Miss) -> UInt8 {
        skipWhitespace()
        guard index < bytes.count else { throw Miss() }
        return bytes[index]
    }

    /// Consumes a `null` if one is next (a null field reads as absent, as in `FieldReader`).
    public mutating func skipNull() throws(Miss) -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    public mutating func string() throws(Miss) -> String {
        guard try peek() == UInt8(ascii: "\"") else { throw Miss() }
        return String(decoding: try plainString(), as: UTF8.self)
    }

    /// The raw bytes of a string without escapes (what `string()` would decode).
    public mutating func stringBytes() throws(Miss) -> UnsafeBufferPointer<UInt8> {
        guard try peek() == UInt8(ascii: "\"") else { throw Miss() }
        return try plainString()
    }

    public mutating func bool() throws(Miss) -> Bool {
        switch try peek() {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        default: throw Miss()
        }
    }

    /// A plain integer (optional minus, digits); fractions, exponents and overflow miss.
    public mutating func int() throws(Miss) -> Int64 {
        let negative = try peek() == UInt8(ascii: "-")
        if negative { index += 1 }
        let start = index
        var magnitude: Int64 = 0
        while index < bytes.count, (48...57).contains(bytes[index]) {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(bytes[index] - 48))
            guard !o1, !o2 else { throw Miss() }
            magnitude = next
            index += 1
        }
        guard index > start else { throw Miss() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e") { throw Miss() }
        return negative ? -magnitude : magnitude
    }

    /// The bytes from `start` (an earlier `index`) to here: what was read or skipped since.
    public func bytes(since start: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<index]))
    }

    /// Moves past one value of any kind, validating it as `JSONParser` would.
    public mutating func skipValue() throws(Miss) {
        switch try peek() {
        case UInt8(ascii: "{"):
            try beginObject()
            while try nextKey() != nil { try skipValue() }
        case UInt8(ascii: "["):
            try beginArray()
            while try nextElement() { try skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw Miss()
        }
    }

    /// Moves past one object or array following only its strings and brackets, without
    /// validating anything else (any other value is skipped as `skipValue` does). Only for bytes
    /// known to be valid otherwise: a reader that finds them to be bytes it read (validating)
    /// before, by a digest of them, and reads them again, validating, when they are not. Misses
    /// where it finds no end. For valid JSON it ends where `skipValue` does.
    public mutating func skipValueUnvalidated() throws(Miss) {
        let opening = try peek()
        guard opening == UInt8(ascii: "{") || opening == UInt8(ascii: "[") else { return try skipValue() }
        var nesting = 0
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                skipPlainBytes()
                while true {
                    guard index < bytes.count else { throw Miss() }
                    let c = bytes[index]
                    index += 1
                    if c == UInt8(ascii: "\"") { break }
                    if c == UInt8(ascii: "\\") {
                        index += 1
                        skipPlainBytes()
                    }
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                nesting += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                nesting -= 1
                if nesting == 0 { return }
            default:
                continue
            }
        }
        throw Miss()
    }

    /// Moves past the next `count` bytes (after whitespace) without looking at them, and gives
    /// them; nil (and nothing moved) when fewer are left. Only for a caller that then proves
    /// them to be the bytes of one whole value it read, validating, before (`skipValueUnvalidated`
    /// has the same contract; this one does not even follow the brackets): a reader that kept
    /// the length and a digest of a value's bytes, where a digest that matches means these are
    /// those bytes, and the value ends where they end.
    public mutating func skipKnownBytes(_ count: Int) throws(Miss) -> UnsafeRawBufferPointer? {
        _ = try peek()
        guard count > 0, count <= bytes.count - index else { return nil }
        let start = index
        index += count
        return bytes(since: start)
    }

    // MARK: Lexing

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func literal(_ text: StaticString) throws(Miss) {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count, memcmp(bytes.baseAddress! + index, text.utf8Start, count) == 0 else { throw Miss() }
        index += count
    }

    /// At an opening quote: the string's bytes; escapes miss.
    private mutating func plainString() throws(Miss) -> UnsafeBufferPointer<UInt8> {
        index += 1
        let start = index
        skipPlainBytes()
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                return UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)])
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { throw Miss() }
            index += 1
        }
        throw Miss()
    }

    /// At an opening quote: past the string, checking its escapes.
    private mutating func skipString() throws(Miss) {
        index += 1
        // Once at the start and once after each escape: called per byte, it would look at the
        // same word again for each of the last bytes of every string.
        skipPlainBytes()
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: "\"") { return }
            if b < 0x20 { throw Miss() }
            guard b == UInt8(ascii: "\\") else { continue }
            guard index < bytes.count else { throw Miss() }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                continue
            case UInt8(ascii: "u"):
                guard index + 4 <= bytes.count else { throw Miss() }
                for _ in 0..<4 {
                    guard bytes[index].isHexDigit else { throw Miss() }
                    index += 1
                }
            default: throw Miss()
            }
            skipPlainBytes()
        }
        throw Miss()
    }

    /// Past the bytes of a string that need no look, eight at a time: up to the first quote,
    /// backslash or control byte (which the byte loops then read). Most of a watched object's
    /// bytes are in strings; a byte at a time, this was the scanner's largest cost.
    private mutating func skipPlainBytes() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        guard let base = bytes.baseAddress else { return }
        while index + 8 <= bytes.count {
            // The first byte in memory is the lowest (whatever the machine's byte order).
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
            let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
            // Per byte: has a zero byte (quote, backslash), or a byte below 0x20. A borrow may
            // mark a byte above a marked one too, never one below: the lowest mark is the first
            // such byte, exactly, and the scan stops there (a short string's closing quote is
            // then read once, not again by the byte loop with the bytes before it).
            let found = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)) & highs
            if found != 0 {
                index += found.trailingZeroBitCount >> 3
                return
            }
            index += 8
        }
    }

    /// The grammar `JSONParser.parseNumber` accepts: `-? digit+ (. digit+)? ([eE] [+-]? digit+)?`.
    private mutating func number() throws(Miss) {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        try digits()
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            try digits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            try digits()
        }
    }

    private mutating func digits() throws(Miss) {
        let start = index
        while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
        guard index > start else { throw Miss() }
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (48...57).contains(self) || (65...70).contains(self) || (97...102).contains(self)
    }
}
