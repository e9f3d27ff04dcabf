import KubeAPI

/// YAML 1.1 scalar resolution as Kubernetes (go-yaml v2) applies it.
enum ScalarResolver {
    static let stringTag = "tag:yaml.org,2002:str"
    static let intTag = "tag:yaml.org,2002:int"
    static let floatTag = "tag:yaml.org,2002:float"
    static let boolTag = "tag:yaml.org,2002:bool"
    static let nullTag = "tag:yaml.org,2002:null"
    static let mergeTag = "tag:yaml.org,2002:merge"
    /// Tags whose text is taken as is.
    static let textTags: Set<String> = [stringTag, "tag:yaml.org,2002:binary", "tag:yaml.org,2002:timestamp", "!"]

    private static let trueWords: Set<String> = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
    private static let falseWords: Set<String> = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]
    private static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

    enum Failure: Error { case tagMismatch(String) }

    /// The value of a scalar, given its tag (nil when none) and whether it was plain (unquoted, not a block).
    static func resolve(_ text: String, tag: String?, plain: Bool) throws(Failure) -> JSONValue {
        guard let tag else { return plain ? resolvePlain(text) : .string(text) }
        if textTags.contains(tag) { return .string(text) }
        switch tag {
        case nullTag:
            guard nullWords.contains(text) else { throw .tagMismatch("cannot read \(quoted(text)) as !!null") }
            return .null
        case boolTag:
            if trueWords.contains(text) { return .bool(true) }
            if falseWords.contains(text) { return .bool(false) }
            throw .tagMismatch("cannot read \(quoted(text)) as !!bool")
        case intTag:
            if let v = integer(text) { return v }
            throw .tagMismatch("cannot read \(quoted(text)) as !!int")
        case floatTag:
            switch resolvePlain(text) {
            case .int(let i): return .double(Double(i))
            case .double(let d): return .double(d)
            default: throw .tagMismatch("cannot read \(quoted(text)) as !!float")
            }
        default:
            // A tag we do not know (a local `!thing`): read the text as if untagged.
            return plain ? resolvePlain(text) : .string(text)
        }
    }

    /// Plain (untagged, unquoted) scalar: null, bool, int, float, else string.
    static func resolvePlain(_ text: String) -> JSONValue {
        if nullWords.contains(text) { return .null }
        if trueWords.contains(text) { return .bool(true) }
        if falseWords.contains(text) { return .bool(false) }
        switch text {
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        default: break
        }
        // Only text starting with a digit, a sign or a dot can be a number.
        guard let first = text.utf8.first, isDigit(first) || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: ".")
        else { return .string(text) }
        if let v = integer(text) { return v }
        let plain = text.replacingAll("_")
        if isFloatSyntax(plain), let d = Double(plain) { return .double(d) }
        return .string(text)
    }

    /// Decimal, `0x`, `0o`, `0b`, leading-zero octal, with an optional sign; underscores ignored.
    /// Values beyond Int64 become doubles (JSON has one number type).
    static func integer(_ text: String) -> JSONValue? {
        var digits = Substring(text.replacingAll("_"))
        var negative = false
        if let s = digits.first, s == "+" || s == "-" {
            negative = s == "-"
            digits = digits.dropFirst()
        }
        var radix = 10
        let lower = digits.lowercased()
        if lower.hasPrefix("0x") { radix = 16; digits = digits.dropFirst(2) }
        else if lower.hasPrefix("0o") { radix = 8; digits = digits.dropFirst(2) }
        else if lower.hasPrefix("0b") { radix = 2; digits = digits.dropFirst(2) }
        else if digits.count > 1, digits.first == "0" { radix = 8; digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        guard let magnitude = UInt64(digits, radix: radix) else { return nil }
        if negative {
            if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
            if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
            return .double(-Double(magnitude))
        }
        if magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
        return .double(Double(magnitude))
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the float form go-yaml v2 accepts.
    static func isFloatSyntax(_ text: String) -> Bool {
        let b = Array(text.utf8)
        var i = 0
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        while i < b.count, isDigit(b[i]) { i += 1 }
        let intDigits = i - intStart
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            if intDigits == 0 && i == fracStart { return false }
        } else if intDigits == 0 {
            return false
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            let expStart = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            if i == expStart { return false }
        }
        return i == b.count
    }

    /// A mapping key as a JSON object key: strings as written, other scalars in canonical form
    /// (as sigs.k8s.io/yaml converts them).
    static func keyString(text: String, value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return ".nan" }
            if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
            return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .array, .object: return text
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    private static func quoted(_ text: String) -> String { "\"\(text.prefix(40))\"" }
}

extension String {
    fileprivate func replacingAll(_ character: Character) -> String {
        contains(character) ? String(filter { $0 != character }) : self
    }
}
