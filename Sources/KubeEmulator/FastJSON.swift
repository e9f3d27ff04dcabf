import KubeAPI

/// A byte-level JSON reader and writer for the emulator's hot paths. Foundation's coders try each
/// JSON type in turn for every value; with 10,000 gateways that dominates a benchmark.
enum FastJSON {
    static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        var reader = Reader(bytes: bytes)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.index == bytes.count else { throw JSONParseError(message: "trailing characters", offset: reader.index) }
        return value
    }

    static func serialize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [110, 117, 108, 108])
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if d.isFinite { out.append(contentsOf: "\(d)".utf8) } else { out.append(contentsOf: [110, 117, 108, 108]) }
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(91)
            for (i, element) in a.enumerated() {
                if i > 0 { out.append(44) }
                write(element, into: &out)
            }
            out.append(93)
        case .object(let o):
            out.append(123)
            var first = true
            for key in o.keys.sorted() {
                if !first { out.append(44) }
                first = false
                writeString(key, into: &out)
                out.append(58)
                write(o[key] ?? .null, into: &out)
            }
            out.append(125)
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(34)
        for byte in s.utf8 {
            switch byte {
            case 34: out.append(contentsOf: [92, 34])
            case 92: out.append(contentsOf: [92, 92])
            case 10: out.append(contentsOf: [92, 110])
            case 13: out.append(contentsOf: [92, 114])
            case 9: out.append(contentsOf: [92, 116])
            case 0..<32:
                out.append(contentsOf: [92, 117, 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(34)
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: index) }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 32 || bytes[index] == 10 || bytes[index] == 13 || bytes[index] == 9 {
                index += 1
            }
        }

        mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth < 512 else { throw fail("nesting too deep") }
            guard index < bytes.count else { throw fail("unexpected end of input") }
            switch bytes[index] {
            case 123: return try object(depth: depth)
            case 91: return try array(depth: depth)
            case 34: return .string(try string())
            case 116: try literal("true"); return .bool(true)
            case 102: try literal("false"); return .bool(false)
            case 110: try literal("null"); return .null
            case 45, 48...57: return try number()
            default: throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: String) throws(JSONParseError) {
            for byte in word.utf8 {
                guard index < bytes.count, bytes[index] == byte else { throw fail("invalid literal") }
                index += 1
            }
        }

        mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
            index += 1
            var result: [String: JSONValue] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == 125 { index += 1; return .object(result) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == 34 else { throw fail("expected a string key") }
                let key = try string()
                skipSpace()
                guard index < bytes.count, bytes[index] == 58 else { throw fail("expected ':'") }
                index += 1
                skipSpace()
                result[key] = try value(depth: depth + 1)
                skipSpace()
                guard index < bytes.count else { throw fail("unterminated object") }
                if bytes[index] == 44 { index += 1; continue }
                if bytes[index] == 125 { index += 1; return .object(result) }
                throw fail("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
            index += 1
            var result: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == 93 { index += 1; return .array(result) }
            while true {
                skipSpace()
                result.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw fail("unterminated array") }
                if bytes[index] == 44 { index += 1; continue }
                if bytes[index] == 93 { index += 1; return .array(result) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func number() throws(JSONParseError) -> JSONValue {
            let start = index
            var isInteger = true
            if bytes[index] == 45 { index += 1 }
            while index < bytes.count {
                let b = bytes[index]
                if b >= 48 && b <= 57 { index += 1 } else if b == 46 || b == 101 || b == 69 || b == 43 || b == 45 {
                    isInteger = false
                    index += 1
                } else { break }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if isInteger, let i = Int64(text) { return .int(i) }
            guard let d = Double(text) else { throw JSONParseError(message: "invalid number", offset: start) }
            return .double(d)
        }

        mutating func string() throws(JSONParseError) -> String {
            index += 1
            var out: [UInt8] = []
            while index < bytes.count {
                let b = bytes[index]
                if b == 34 { index += 1; return String(decoding: out, as: UTF8.self) }
                if b == 92 {
                    index += 1
                    guard index < bytes.count else { break }
                    let e = bytes[index]
                    index += 1
                    switch e {
                    case 34, 92, 47: out.append(e)
                    case 98: out.append(8)
                    case 102: out.append(12)
                    case 110: out.append(10)
                    case 114: out.append(13)
                    case 116: out.append(9)
                    case 117:
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar), index + 1 < bytes.count, bytes[index] == 92, bytes[index + 1] == 117 {
                            index += 2
                            let low = try hex4()
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        let character = Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}"
                        out.append(contentsOf: String(character).utf8)
                    default: throw fail("invalid escape")
                    }
                } else {
                    guard b >= 32 else { throw fail("control character in string") }
                    out.append(b)
                    index += 1
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws(JSONParseError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("short unicode escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[index]
                let d: UInt32
                switch b {
                case 48...57: d = UInt32(b - 48)
                case 97...102: d = UInt32(b - 87)
                case 65...70: d = UInt32(b - 55)
                default: throw fail("invalid unicode escape")
                }
                v = v * 16 + d
                index += 1
            }
            return v
        }
    }
}
