import ArgumentParser
import KubeAPI
import OperatorRuntime

/// The flags of the settings, derived from their declarations (`OperatorConfig.settings`): a
/// setting with a flag is a flag of `run`, and of `check` too when it changes a verdict. A flag
/// that is given overrides the config file; one that is not keeps the file's value or the default.
/// ArgumentParser declares its options statically, so these are read from the words it does not
/// recognise, and their help is the command's discussion. docs/configuration.md lists them all.
enum SettingFlags {
    enum Command { case run, check }

    /// The settings `command` takes as flags, in declaration order.
    static func settings(of command: Command, among all: [Setting] = OperatorConfig.settings) -> [Setting] {
        all.filter { $0.flag != nil && (command == .run || $0.changesVerdict) }
    }

    /// The overrides the setting flags among `words` give, and the other words (the gateway
    /// names of `check`); a flag no setting has, or a `run` flag given to `check`, is an error.
    static func parse(_ words: [String], for command: Command,
                      among all: [Setting] = OperatorConfig.settings) throws -> (overrides: ConfigOverrides, rest: [String]) {
        let byFlag = Dictionary(all.compactMap { s in s.flag.map { ($0, s) } }, uniquingKeysWith: { first, _ in first })
        var overrides = ConfigOverrides()
        var rest: [String] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("-"), word.count > 1 else { rest.append(word); continue }
            let parts = word.drop { $0 == "-" }.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let inline = parts.count > 1 ? String(parts[1]) : nil
            let negated = name.hasPrefix("no-") && byFlag[String(name.dropFirst(3))]?.kind == .bool
            let flagName = negated ? String(name.dropFirst(3)) : name
            let shown = "--" + name
            guard word.hasPrefix("--"), let setting = byFlag[flagName] else {
                throw ValidationError("unknown option \(word.split(separator: "=")[0]) (see gateway-medic \(command) --help)")
            }
            if command == .check && !setting.changesVerdict {
                throw ValidationError("\(shown) is a `run` flag: check reads and evaluates only, so it takes only the settings "
                                      + "that change a verdict (see gateway-medic check --help)")
            }
            if setting.kind == .bool {
                if inline != nil { throw ValidationError("\(shown) takes no value") }
                overrides[setting.key] = .bool(!negated)
                continue
            }
            guard let text = inline ?? (index < words.count ? words[index] : nil) else {
                throw ValidationError("missing value for \(shown) (\(setting.kind.placeholderText))")
            }
            if inline == nil { index += 1 }
            guard let value = Self.value(text, kind: setting.kind, adding: overrides[setting.key]) else {
                throw ValidationError("the value '\(text)' is invalid for \(shown): expected \(setting.kind.placeholderText)")
            }
            overrides[setting.key] = value
        }
        return (overrides, rest)
    }

    /// `text` as a value of `kind`; a list flag given again adds to the list.
    private static func value(_ text: String, kind: SettingKind, adding previous: SettingValue?) -> SettingValue? {
        switch kind {
        case .bool: return nil
        case .duration: return DurationText.seconds(text).map { .number($0) }
        case .number: return Double(text).flatMap { $0.isFinite ? .number($0) : nil }
        case .wholeNumber: return Int(text).map { .wholeNumber($0) }
        case .text: return .text(text)
        case .list:
            if case .list(let items) = previous { return .list(items + [text]) }
            return .list([text])
        }
    }

    /// The help of `command`'s setting flags, in ArgumentParser's layout, wrapped at 80 columns.
    static func help(for command: Command, among all: [Setting] = OperatorConfig.settings) -> String {
        var lines = ["SETTINGS (each overrides --config; durations take 90s, 2m, 1h30m or seconds):"]
        for setting in settings(of: command, among: all) {
            guard let flag = setting.flag else { continue }
            let synopsis = setting.kind == .bool ? "--\(flag)/--no-\(flag)" : "--\(flag) \(setting.kind.placeholder)"
            lines.append("  " + synopsis)
            let text = setting.doc.dropLast(setting.doc.hasSuffix(".") ? 1 : 0) + " (default: \(setting.defaultDescription))."
            lines += wrap(String(text), indent: 8, width: 80)
        }
        return lines.joined(separator: "\n")
    }

    private static func wrap(_ text: String, indent: Int, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && indent + line.count + 1 + word.count > width {
                lines.append(String(repeating: " ", count: indent) + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(String(repeating: " ", count: indent) + line) }
        return lines
    }
}

extension SettingKind {
    /// What a flag's value must be, for its error.
    var placeholderText: String {
        switch self {
        case .duration: "a duration such as 90s, 2m, 1h30m or seconds"
        case .number: "a number"
        case .wholeNumber: "a whole number"
        case .text, .list: "a text"
        case .bool: "no value"
        }
    }

    var placeholder: String {
        switch self {
        case .duration: "<duration>"
        case .number: "<number>"
        case .wholeNumber: "<n>"
        case .text, .list: "<text>"
        case .bool: ""
        }
    }
}

/// Every setting flag of `run` (see `SettingFlags`).
struct ConfigFlags: ParsableArguments {
    /// The words ArgumentParser did not recognise: the setting flags and their values.
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var words: [String] = []

    mutating func validate() throws {
        let parsed = try SettingFlags.parse(words, for: .run)
        if let stray = parsed.rest.first { throw ValidationError("unexpected argument '\(stray)' (see gateway-medic run --help)") }
    }

    /// The settings given as flags (valid once `validate` has passed).
    var overrides: ConfigOverrides { (try? SettingFlags.parse(words, for: .run).overrides) ?? ConfigOverrides() }
}

/// Where the cluster is: a kubeconfig (and context), or the in-cluster service account.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Path of a kubeconfig file (default: $KUBECONFIG, else in a pod the service account, else ~/.kube/config).")
    var kubeconfig: String?
    @Option(help: "Kubeconfig context to use (default: its current-context).")
    var context: String?
    @Option(name: .customLong("config"), help: "YAML config file; flags override its settings (see docs/configuration.md).")
    var configFile: String?
}
