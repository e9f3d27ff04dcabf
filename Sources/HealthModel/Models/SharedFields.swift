/// The fields of a view, behind one reference. A view of a watched object is held by the
/// informer's cache, the fleet index, each evaluation's inputs and the remediation coordinator;
/// inline, a view is a few hundred bytes per copy, behind a reference it is one pointer, and
/// equal views are usually the same box (`==` checks identity first). Immutable: a new object
/// makes a new view.
final class SharedFields<Fields: Sendable & Equatable>: Sendable {
    let fields: Fields
    init(_ fields: Fields) { self.fields = fields }

    static func same(_ a: SharedFields, _ b: SharedFields) -> Bool { a === b || a.fields == b.fields }
}

/// `metadata.uid` as a view keeps it. The API server writes a uid as a lowercase UUID
/// (`8-4-4-4-12` hex digits): its 16 bytes are kept instead of the 36-character text, which
/// took a separate allocation of 80 bytes in every cached pod, Gateway and GatewayAgent (50,000
/// at 10,000 gateways). Any other text is kept as it came; `text` gives back exactly what was read.
package struct StoredUID: Sendable, Equatable {
    private enum Storage: Sendable, Equatable {
        case uuid(UInt64, UInt64)
        case text(String)
    }

    private let storage: Storage

    package init(_ text: String) {
        storage = Self.parse(text).map { .uuid($0.0, $0.1) } ?? .text(text)
    }

    /// The uid read from a string's UTF-8 bytes, without making the string when they are a
    /// UUID: equal to `init(String(decoding: bytes, as: UTF8.self))` (a byte reader's
    /// metadata made the 36-character string for each watch event only to parse it).
    package init(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        storage = Self.parse(bytes).map { .uuid($0.0, $0.1) } ?? .text(String(decoding: bytes, as: UTF8.self))
    }

    package init?(_ text: String?) {
        guard let text else { return nil }
        self.init(text)
    }

    package var text: String {
        switch storage {
        case .text(let text): return text
        case .uuid(let high, let low):
            return String(unsafeUninitializedCapacity: 36) { out in
                var at = 0
                func put(_ value: UInt64, digits: Int) {
                    for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
                        out[at] = Self.hexDigits[Int((value >> UInt64(shift)) & 0xF)]
                        at += 1
                    }
                }
                func dash() { out[at] = UInt8(ascii: "-"); at += 1 }
                put(high >> 32, digits: 8); dash()
                put(high >> 16, digits: 4); dash()
                put(high, digits: 4); dash()
                put(low >> 48, digits: 4); dash()
                put(low, digits: 12)
                return at
            }
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `parse` of a string's UTF-8.
    private static func parse(_ text: String) -> (UInt64, UInt64)? {
        var text = text
        text.makeContiguousUTF8()  // a no-op for the native strings a JSON reader makes
        return text.utf8.withContiguousStorageIfAvailable { bytes -> (UInt64, UInt64)? in parse(bytes) } ?? nil
    }

    /// The two halves of a lowercase `8-4-4-4-12` UUID; nil for any other text (uppercase
    /// included: it would not be written back the same). Every watch event's metadata is parsed
    /// with it: eight digits at a time (a byte at a time, with a branch per byte, it was a
    /// quarter of reading an event's metadata). Package-visible for its test, which holds it to
    /// a byte-at-a-time reference on every byte at every place.
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard bytes.count == 36, let base = bytes.baseAddress else { return nil }
        let dash = UInt8(ascii: "-")
        guard base[8] == dash, base[13] == dash, base[18] == dash, base[23] == dash else { return nil }
        let raw = UnsafeRawPointer(base)
        func word(_ at: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        func half(_ at: Int) -> UInt64 { UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        // The 32 digits as four words of eight, the first digit in each word's lowest byte:
        // 0–7, 9–12 with 14–17, 19–22 with 24–27, 28–35 (the dashes between were checked).
        var valid = true
        let a = hexWord(word(0), valid: &valid)
        let b = hexWord(half(9) | half(14) << 32, valid: &valid)
        let c = hexWord(half(19) | half(24) << 32, valid: &valid)
        let d = hexWord(word(28), valid: &valid)
        guard valid else { return nil }
        return (a << 32 | b, c << 32 | d)
    }

    /// Eight ASCII digits `0-9a-f` (the first in the lowest byte) as their 32-bit value, the
    /// first digit highest; `valid` is cleared when any byte is not one.
    @inline(__always)
    private static func hexWord(_ w: UInt64, valid: inout Bool) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // Per byte below 0x80 (so no sum below carries into the next byte): its high bit after
        // adding 0x80 - n is set when the byte is at least n.
        let digit = (w &+ ones &* 0x50) & ~(w &+ ones &* 0x46) & highs          // 0x30...0x39
        let lower = (w &+ ones &* 0x1F) & ~(w &+ ones &* 0x19) & highs          // 0x61...0x66
        if w & highs != 0 || digit | lower != highs { valid = false }
        // A digit's value is its low nibble; a letter's, its low nibble plus 9.
        var v = (w & (ones &* 0x0F)) &+ (lower >> 7) &* 9
        // Gather the nibbles, first digit highest: byte-swap, then halve the lanes three times.
        v = v.byteSwapped
        v = (v | v >> 4) & 0x00FF_00FF_00FF_00FF
        v = (v | v >> 8) & 0x0000_FFFF_0000_FFFF
        v = (v | v >> 16) & 0x0000_0000_FFFF_FFFF
        return v
    }
}
