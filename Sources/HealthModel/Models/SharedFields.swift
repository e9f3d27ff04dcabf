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
    /// included: it would not be written back the same).
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard bytes.count == 36 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        var digits = 0
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            if digits < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
            digits += 1
        }
        return (high, low)
    }
}
