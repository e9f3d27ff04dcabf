import KubeAPI

/// Writes JSON values as block YAML. Written by hand rather than through libyaml's emitter so the
/// output is deterministic and every scalar is checked against our own resolver.
enum YAMLEmitter {
    static func emitDocument(_ value: JSONValue, into out: inout String) {
        switch value {
        case .object(let o) where !o.isEmpty: mapping(o, indent: 0, inline: false, into: &out)
        case .array(let a) where !a.isEmpty: sequence(a, indent: 0, inline: false, into: &out)
        case .string(let s) where literalLines(s) != nil:
            literal(s, indent: 2, into: &out)
        default: out += scalar(value) + "\n"
        }
    }

    /// `inline`: the first entry continues a line already started (after "- ").
    private static func mapping(_ o: [String: JSONValue], indent: Int, inline: Bool, into out: inout String) {
        var first = true
        for key in o.keys.sorted() {
            let value = o[key] ?? .null
            if !(first && inline) { out += String(repeating: " ", count: indent) }
            first = false
            if key.utf8.count > 1000 {
                // libyaml allows implicit keys up to 1024 characters: use an explicit key.
                out += "? " + quote(key) + "\n" + String(repeating: " ", count: indent) + ":"
            } else {
                out += string(key) + ":"
            }
            // Lists under a key sit at the key's own indentation, as kubectl writes them.
            afterIndicator(value, indent: indent + 2, sequenceIndent: indent, into: &out)
        }
    }

    private static func sequence(_ a: [JSONValue], indent: Int, inline: Bool, into out: inout String) {
        for (i, item) in a.enumerated() {
            if !(i == 0 && inline) { out += String(repeating: " ", count: indent) }
            out += "-"
            switch item {
            case .object(let o) where !o.isEmpty:
                out += " "
                mapping(o, indent: indent + 2, inline: true, into: &out)
            case .array(let inner) where !inner.isEmpty:
                out += " "
                sequence(inner, indent: indent + 2, inline: true, into: &out)
            default:
                afterIndicator(item, indent: indent + 2, sequenceIndent: indent + 2, into: &out)
            }
        }
    }

    /// The value after `key:` or `-`: nested collections on the next lines at `indent`.
    private static func afterIndicator(_ value: JSONValue, indent: Int, sequenceIndent: Int, into out: inout String) {
        switch value {
        case .object(let o) where !o.isEmpty:
            out += "\n"
            mapping(o, indent: indent, inline: false, into: &out)
        case .array(let a) where !a.isEmpty:
            out += "\n"
            sequence(a, indent: sequenceIndent, inline: false, into: &out)
        case .string(let s) where literalLines(s) != nil:
            out += " "
            literal(s, indent: indent, into: &out)
        default:
            out += " " + scalar(value) + "\n"
        }
    }

    private static func literal(_ s: String, indent: Int, into out: inout String) {
        guard let lines = literalLines(s) else { return }
        out += s.hasSuffix("\n") ? "|\n" : "|-\n"
        let pad = String(repeating: " ", count: indent)
        for line in lines { out += line.isEmpty ? "\n" : pad + line + "\n" }
    }

    /// The lines of a string that a literal block keeps exactly; nil when it must be quoted.
    static func literalLines(_ s: String) -> [Substring]? {
        guard s.contains("\n"), !s.hasSuffix("\n\n") else { return nil }
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v == 0x0A || v == 0x09 { continue }
            if v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029 || v == 0xFEFF { return nil }
        }
        var lines = s.split(separator: "\n", omittingEmptySubsequences: false)
        if s.hasSuffix("\n") { lines.removeLast() }
        // Indentation is detected from the first non-empty line: it must not start with a space.
        guard let firstContent = lines.first(where: { !$0.isEmpty }), firstContent.first != " ", firstContent.first != "\t" else { return nil }
        // Trailing spaces on the last line would be kept, but a final blank-only line is ambiguous.
        if let last = lines.last, last.allSatisfy({ $0 == " " }) { return nil }
        return lines
    }

    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return ".nan" }
            if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
            return String(d)
        case .string(let s): return string(s)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// Plain when it reads back as the same string, double-quoted otherwise.
    static func string(_ s: String) -> String { isPlainSafe(s) ? s : quote(s) }

    static func isPlainSafe(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return false }
        // Anything that might be a number, a date or a document marker is quoted.
        if "0123456789+-.".unicodeScalars.contains(first) { return false }
        if "?:,[]{}#&*!|>'\"%@`~<= \t".unicodeScalars.contains(first) { return false }
        if last == " " || last == "\t" || last == ":" { return false }
        if s.contains(": ") || s.contains(" #") { return false }
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029 || v == 0xFEFF { return false }
        }
        return ScalarResolver.resolvePlain(s) == .string(s)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0x00: out += "\\0"
            case let v where v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029 || v == 0xFEFF:
                let hex = String(v, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
