import Foundation
import KubeAPI
import YAML

extension OperatorConfig {
    /// The settings of `file` over the defaults; nil loads the defaults. Keys are exactly the
    /// camelCase keys the settings declare (`OperatorConfig.settings`, `settingKeys`). An unknown key or a value of
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
    /// Each declared setting reads its own key, of its own kind: there is no other decoder.
    public static func parse(yaml text: String, source: String) throws(ConfigError) -> OperatorConfig {
        try parse(yaml: text, source: source, settings: settings, keys: settingKeys)
    }

    /// The same with another list of declarations (a test adds a throwaway setting).
    static func parse(yaml text: String, source: String, settings: [Setting],
                      keys: SettingKeys? = nil) throws(ConfigError) -> OperatorConfig {
        let document: JSONValue
        do {
            document = try YAML.parseSingle(text, source: source)
        } catch {
            throw ConfigError(file: source, key: nil, reason: .malformedYAML("line \(error.line), column \(error.column): \(error.problem)"))
        }
        if document.isNull { return .default }  // an empty file sets nothing
        try checkKeys(document, against: keys ?? SettingKeys(settings: settings), path: [], source: source)
        var config = OperatorConfig.default
        for setting in settings {
            let section = setting.sectionPath.reduce(Optional(document)) { node, key in node?[key] }
            guard let given = section?[setting.name], !given.isNull else {
                // A key its section needs (`tickets.webhook.url` once `tickets.webhook` is given).
                if setting.requiredInSection, let section, section.objectValue != nil {
                    throw ConfigError(file: source, key: setting.key, reason: .invalidValue("required but missing"))
                }
                continue
            }
            setting.set(try value(given, of: setting, source: source), in: &config)
        }
        return config
    }

    /// The value `given` for `setting`, or an error naming the key and what was found there.
    private static func value(_ given: JSONValue, of setting: Setting, source: String) throws(ConfigError) -> SettingValue {
        func wrong(_ found: String? = nil) -> ConfigError {
            ConfigError(file: source, key: setting.key, reason: .wrongType(expected: setting.kind.expected, found: found ?? describe(given)))
        }
        switch setting.kind {
        case .bool:
            guard let b = given.boolValue else { throw wrong() }
            return .bool(b)
        case .wholeNumber:
            if case .double(let d) = given, d.rounded() != d {
                throw ConfigError(file: source, key: setting.key, reason: .wrongType(expected: "a whole number", found: "a fraction"))
            }
            guard let n = given.intValue, let whole = Int(exactly: n) else { throw wrong() }
            return .wholeNumber(whole)
        case .number:
            guard let d = given.doubleValue else { throw wrong() }
            return .number(d)
        case .duration:
            if let d = given.doubleValue { return .number(d) }
            guard let text = given.stringValue, let seconds = DurationText.seconds(text) else { throw wrong() }
            return .number(seconds)
        case .text:
            guard let text = given.stringValue else { throw wrong() }
            return .text(text)
        case .list:
            guard let items = given.arrayValue else { throw wrong() }
            var texts: [String] = []
            for (index, item) in items.enumerated() {
                guard let text = item.stringValue else {
                    throw ConfigError(file: source, key: "\(setting.key)[\(index)]",
                                      reason: .wrongType(expected: SettingKind.text.expected, found: describe(item)))
                }
                texts.append(text)
            }
            return .list(texts)
        }
    }

    /// What was found where a value was expected, as the error says it.
    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return "the string \"\(s)\""
        case .int(let i): return "the number \(i)"
        case .double(let d): return "the number \(d)"
        case .bool(let b): return "\(b)"
        default: return "a \(value.typeName)"
        }
    }

    /// Every key the file may hold, nested as in the file: the declared settings' keys.
    public static let settingKeys = SettingKeys(settings: settings)

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
