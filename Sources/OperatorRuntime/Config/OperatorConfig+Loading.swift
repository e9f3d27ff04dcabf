import Foundation
import KubeAPI
import YAML

extension OperatorConfig {
    /// The settings of `file` over the defaults; nil loads the defaults. Keys are exactly the
    /// camelCase names the settings' decoders read (`settingKeys`). An unknown key or a value of
    /// the wrong type is an error naming the key and the file: a typo must not silently fall back
    /// to a default on a production cluster.
    public static func load(file: String?) throws(ConfigError) -> OperatorConfig {
        guard let file else { return .default }
        guard FileManager.default.fileExists(atPath: file) else { throw ConfigError(file: file, key: nil, reason: .fileNotFound) }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError(file: file, key: nil, reason: .unreadable("\(error.localizedDescription)"))
        }
        return try parse(yaml: text, source: file)
    }

    /// The settings of a YAML (or JSON) document over the defaults; `source` names it in errors.
    public static func parse(yaml text: String, source: String) throws(ConfigError) -> OperatorConfig {
        let document: JSONValue
        do {
            document = try YAML.parseSingle(text, source: source)
        } catch {
            throw ConfigError(file: source, key: nil, reason: .malformedYAML("line \(error.line), column \(error.column): \(error.problem)"))
        }
        if document.isNull { return .default }  // an empty file sets nothing
        try checkKeys(document, against: settingKeys, path: [], source: source)
        do {
            return try document.decode(OperatorConfig.self)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, let key = fractionalKey(in: document) {
                // Foundation reports 2.5 for an integer setting without saying where: find it.
                throw ConfigError(file: source, key: key, reason: .wrongType(expected: "a whole number", found: "a fraction"))
            }
            throw ConfigError(decoding: error, document: document, source: source)
        } catch {
            throw ConfigError(file: source, key: nil, reason: .invalidValue("\(error)"))
        }
    }

    /// The first key holding a fraction whose replacement by a whole number lets the document
    /// decode: the integer setting that was given a fraction.
    private static func fractionalKey(in document: JSONValue) -> String? {
        func leaves(_ value: JSONValue, _ path: [String]) -> [[String]] {
            switch value {
            case .object(let o): return o.keys.sorted().flatMap { leaves(o[$0] ?? .null, path + [$0]) }
            case .double(let d) where d.rounded() != d: return [path]
            default: return []
            }
        }
        func replacing(_ value: JSONValue, _ path: ArraySlice<String>) -> JSONValue {
            guard let key = path.first else { return .int(Int64((value.doubleValue ?? 0).rounded(.towardZero))) }
            var copy = value
            copy[key] = replacing(value[key] ?? .null, path.dropFirst())
            return copy
        }
        for path in leaves(document, []) where (try? replacing(document, path[...]).decode(OperatorConfig.self)) != nil {
            return path.joined(separator: ".")
        }
        return nil
    }

    /// Every key the file may hold, nested as in the file: the keys the settings' decoders read
    /// (`SettingKeys`), optional ones included.
    public static let settingKeys = SettingKeys.of(OperatorConfig.self)

    private static func checkKeys(_ value: JSONValue, against template: SettingKeys, path: [String], source: String) throws(ConfigError) {
        guard let allowed = template.children else { return }  // a value: its type is checked by decoding
        guard let given = value.objectValue else {
            if value.isNull && !path.isEmpty { return }  // `health:` with nothing under it keeps the defaults
            throw ConfigError(file: source, key: path.isEmpty ? nil : path.joined(separator: "."), reason: .notAMapping(found: value.typeName))
        }
        for key in given.keys.sorted() {
            guard let inner = allowed[key] else {
                throw ConfigError(file: source, key: (path + [key]).joined(separator: "."),
                                  reason: .unknownKey(suggestion: closest(to: key, among: Array(allowed.keys))))
            }
            try checkKeys(given[key] ?? .null, against: inner, path: path + [key], source: source)
        }
    }

    /// The allowed key a typo most likely meant: same letters ignoring case and separators, or
    /// within two edits.
    static func closest(to key: String, among candidates: [String]) -> String? {
        func fold(_ s: String) -> [Character] { Array(s.lowercased().filter { $0.isLetter || $0.isNumber }) }
        let wanted = fold(key)
        let scored = candidates.map { ($0, editDistance(wanted, fold($0))) }.filter { $0.1 <= 2 }
        return scored.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

extension ConfigError {
    /// Names the key a decoding error is about, and what was found there.
    init(decoding error: DecodingError, document: JSONValue, source: String) {
        func key(_ path: [any CodingKey]) -> String? {
            path.isEmpty ? nil : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        func found(_ path: [any CodingKey]) -> String {
            var value: JSONValue? = document
            for k in path {
                if let i = k.intValue {
                    value = value?.arrayValue.flatMap { i < $0.count ? $0[i] : nil }
                } else {
                    value = value?[k.stringValue]
                }
            }
            guard let value else { return "nothing" }
            switch value {
            case .string(let s): return "the string \"\(s)\""
            case .int(let i): return "the number \(i)"
            case .double(let d): return "the number \(d)"
            case .bool(let b): return "\(b)"
            default: return "a \(value.typeName)"
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            self.init(file: source, key: key(context.codingPath), reason: .wrongType(expected: Self.describe(type), found: found(context.codingPath)))
        case .valueNotFound(let type, let context):
            self.init(file: source, key: key(context.codingPath), reason: .wrongType(expected: Self.describe(type), found: "null"))
        case .dataCorrupted(let context):
            // JSONDecoder reports a number that does not fit the type (4.5 for an integer) this way.
            self.init(file: source, key: key(context.codingPath), reason: .wrongType(expected: "a whole number", found: found(context.codingPath)))
        case .keyNotFound(let k, let context):
            self.init(file: source, key: key(context.codingPath + [k]), reason: .invalidValue("required but missing"))
        @unknown default:
            self.init(file: source, key: nil, reason: .invalidValue("\(error)"))
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type: return "a number (seconds or a ratio)"
        case is Int.Type, is Int64.Type: return "a whole number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string (quote values such as yes, no or 0123)"
        case is [String].Type: return "a list of strings"
        default: return "a \(type)"
        }
    }
}
