import Foundation
import KubeAPI

/// The kind of a setting's value, as the config file and the flags write it.
public enum SettingKind: Sendable, Equatable {
    case bool, wholeNumber, number, text, list
    /// Seconds, written `90s`, `2m`, `1h30m` or as a bare number.
    case duration

    /// What the error for a value of another kind says was expected.
    var expected: String {
        switch self {
        case .duration: "a duration (90s, 2m, 1h30m or a number of seconds)"
        case .number: "a number (seconds or a ratio)"
        case .wholeNumber: "a whole number"
        case .bool: "true or false"
        case .text: "a string (quote values such as yes, no or 0123)"
        case .list: "a list of strings"
        }
    }
}

/// A setting's value, whichever of the file or a flag gave it.
public enum SettingValue: Sendable, Equatable, CustomStringConvertible {
    case bool(Bool)
    case wholeNumber(Int)
    /// A number or a duration (in seconds).
    case number(Double)
    case text(String)
    case list([String])

    /// As the docs and the help text show it: `300`, not `300.0`; a list joined with commas.
    public var description: String {
        switch self {
        case .bool(let b): "\(b)"
        case .wholeNumber(let n): "\(n)"
        case .number(let d): OperatorConfig.display(d)
        case .text(let s): s
        case .list(let l): l.joined(separator: ",")
        }
    }
}

/// A Swift type a setting may have, and its `SettingValue`.
public protocol SettingValueType: Sendable {
    static var settingKind: SettingKind { get }
    var settingValue: SettingValue { get }
    init?(settingValue: SettingValue)
}

extension Bool: SettingValueType {
    public static var settingKind: SettingKind { .bool }
    public var settingValue: SettingValue { .bool(self) }
    public init?(settingValue: SettingValue) { guard case .bool(let b) = settingValue else { return nil }; self = b }
}

extension Int: SettingValueType {
    public static var settingKind: SettingKind { .wholeNumber }
    public var settingValue: SettingValue { .wholeNumber(self) }
    public init?(settingValue: SettingValue) { guard case .wholeNumber(let n) = settingValue else { return nil }; self = n }
}

extension Double: SettingValueType {
    public static var settingKind: SettingKind { .number }
    public var settingValue: SettingValue { .number(self) }
    public init?(settingValue: SettingValue) { guard case .number(let d) = settingValue else { return nil }; self = d }
}

extension String: SettingValueType {
    public static var settingKind: SettingKind { .text }
    public var settingValue: SettingValue { .text(self) }
    public init?(settingValue: SettingValue) { guard case .text(let s) = settingValue else { return nil }; self = s }
}

extension Array: SettingValueType where Element == String {
    public static var settingKind: SettingKind { .list }
    public var settingValue: SettingValue { .list(self) }
    public init?(settingValue: SettingValue) { guard case .list(let l) = settingValue else { return nil }; self = l }
}

/// One setting, declared once: its key in the config file, its flag (if any), its kind, a
/// one-line doc, where it lives in `OperatorConfig` (whose initial values are the defaults: the
/// one place defaults are written) and what values it refuses. The file decoder's keys, the
/// flags of `run` and `check`, their help, the validation and the docs test all derive from the
/// list of these, `OperatorConfig.settings`.
public struct Setting: Sendable {
    /// The dotted key in the config file (`health.podGrace`).
    public let key: String
    /// The long flag without its dashes (`pod-grace`); nil for a setting of the file only.
    public let flag: String?
    public let kind: SettingKind
    /// One line: the flag's help and the meaning in docs/configuration.md.
    public let doc: String
    /// A flag `check` takes too: it changes a verdict.
    public let changesVerdict: Bool
    /// Must be given when its section is (`tickets.webhook.url`).
    public let requiredInSection: Bool
    /// The default's description when the default is "unset" (e.g. "none").
    public let unsetDefault: String?
    private let read: @Sendable (OperatorConfig) -> SettingValue?
    private let write: @Sendable (inout OperatorConfig, SettingValue) -> Void
    private let refuse: @Sendable (OperatorConfig) -> String?

    init(key: String, flag: String?, kind: SettingKind, doc: String, changesVerdict: Bool, requiredInSection: Bool,
         unsetDefault: String?, read: @escaping @Sendable (OperatorConfig) -> SettingValue?,
         write: @escaping @Sendable (inout OperatorConfig, SettingValue) -> Void,
         refuse: @escaping @Sendable (OperatorConfig) -> String?) {
        self.key = key
        self.flag = flag
        self.kind = kind
        self.doc = doc
        self.changesVerdict = changesVerdict
        self.requiredInSection = requiredInSection
        self.unsetDefault = unsetDefault
        self.read = read
        self.write = write
        self.refuse = refuse
    }

    /// A setting stored at `path`. `rule` says why a value cannot be used (nil: it can).
    public static func value<T: SettingValueType>(
        _ key: String, _ path: any WritableKeyPath<OperatorConfig, T> & Sendable, flag: String? = nil,
        kind: SettingKind = T.settingKind, verdict: Bool = false, doc: String,
        rule: (@Sendable (T) -> String?)? = nil
    ) -> Setting {
        Setting(key: key, flag: flag, kind: kind, doc: doc, changesVerdict: verdict, requiredInSection: false, unsetDefault: nil,
                read: { $0[keyPath: path].settingValue },
                write: { config, value in if let typed = T(settingValue: value) { config[keyPath: path] = typed } },
                refuse: { config in rule?(config[keyPath: path]) })
    }

    /// A setting that is unset by default (`unset` describes what that means).
    public static func optional<T: SettingValueType>(
        _ key: String, _ path: any WritableKeyPath<OperatorConfig, T?> & Sendable, flag: String? = nil,
        unset: String, doc: String, rule: (@Sendable (T) -> String?)? = nil
    ) -> Setting {
        Setting(key: key, flag: flag, kind: T.settingKind, doc: doc, changesVerdict: false, requiredInSection: false, unsetDefault: unset,
                read: { $0[keyPath: path]?.settingValue },
                write: { config, value in if let typed = T(settingValue: value) { config[keyPath: path] = typed } },
                refuse: { config in config[keyPath: path].flatMap { rule?($0) } })
    }

    /// A setting of an optional section (`tickets.webhook`): setting any of its keys makes the
    /// section (from `make`); `required` keys must then be given too.
    public static func member<Section: Sendable, T: SettingValueType>(
        _ key: String, of section: any WritableKeyPath<OperatorConfig, Section?> & Sendable,
        _ path: any WritableKeyPath<Section, T> & Sendable, make: @escaping @Sendable () -> Section,
        kind: SettingKind = T.settingKind, required: Bool = false, doc: String, rule: (@Sendable (Section) -> String?)? = nil
    ) -> Setting {
        Setting(key: key, flag: nil, kind: kind, doc: doc, changesVerdict: false, requiredInSection: required,
                unsetDefault: "none",
                read: { config in config[keyPath: section].map { $0[keyPath: path].settingValue } },
                write: { config, value in
                    guard let typed = T(settingValue: value) else { return }
                    var made = config[keyPath: section] ?? make()
                    made[keyPath: path] = typed
                    config[keyPath: section] = made
                },
                refuse: { config in config[keyPath: section].flatMap { rule?($0) } })
    }

    /// A member of an optional section that is itself optional.
    public static func member<Section: Sendable, T: SettingValueType>(
        _ key: String, of section: any WritableKeyPath<OperatorConfig, Section?> & Sendable,
        _ path: any WritableKeyPath<Section, T?> & Sendable, make: @escaping @Sendable () -> Section,
        unset: String = "none", doc: String, rule: (@Sendable (Section) -> String?)? = nil
    ) -> Setting {
        Setting(key: key, flag: nil, kind: T.settingKind, doc: doc, changesVerdict: false, requiredInSection: false, unsetDefault: unset,
                read: { config in config[keyPath: section]?[keyPath: path]?.settingValue },
                write: { config, value in
                    guard let typed = T(settingValue: value) else { return }
                    var made = config[keyPath: section] ?? make()
                    made[keyPath: path] = typed
                    config[keyPath: section] = made
                },
                refuse: { config in config[keyPath: section].flatMap { rule?($0) } })
    }

    /// The value in `config`; nil when unset.
    public func value(in config: OperatorConfig) -> SettingValue? { read(config) }
    /// The default; nil when unset by default.
    public var defaultValue: SettingValue? { read(.default) }
    /// `config` with this setting set to `value` (of this setting's kind).
    public func set(_ value: SettingValue, in config: inout OperatorConfig) { write(&config, value) }
    /// Why this setting's value in `config` cannot be used; nil when it can.
    public func problem(in config: OperatorConfig) -> String? { refuse(config) }
    /// The default as the help text and the docs show it.
    public var defaultDescription: String { defaultValue?.description ?? unsetDefault ?? "none" }

    /// The section keys above it (`tickets`, `webhook` for `tickets.webhook.url`).
    var sectionPath: [String] { Array(key.split(separator: ".").map(String.init).dropLast()) }
    /// Its key within its section (`url`).
    var name: String { key.split(separator: ".").last.map(String.init) ?? key }
}

/// The common reasons a value is refused, worded once.
public enum SettingRule {
    public static func seconds(positive: Bool = false) -> @Sendable (Double) -> String? {
        { value in
            value.isFinite && (positive ? value > 0 : value >= 0) ? nil
                : "must be \(positive ? "more than zero" : "zero or more") seconds, got \(value)"
        }
    }

    public static func atLeast(_ minimum: Int) -> @Sendable (Int) -> String? {
        { value in value >= minimum ? nil : "must be \(minimum == 0 ? "zero or more" : "at least \(minimum)"), got \(value)" }
    }

    public static let notEmpty: @Sendable (String) -> String? = { $0.isEmpty ? "must not be empty" : nil }
}
