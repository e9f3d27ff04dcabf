/// Settings given on the command line, by the setting's file key (`health.podGrace`). A setting
/// not given keeps the value of the config file (or the default): the defaults themselves live
/// only in `OperatorConfig`. The flags fill it from the declarations (`OperatorConfig.settings`).
public struct ConfigOverrides: Sendable, Equatable {
    public private(set) var values: [String: SettingValue] = [:]

    public init() {}

    /// The value given for the setting with this file key; nil when none was given. A key that no
    /// setting declares changes nothing.
    public subscript(key: String) -> SettingValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// `config` with every given setting applied.
    public func applied(to config: OperatorConfig, settings: [Setting] = OperatorConfig.settings) -> OperatorConfig {
        var c = config
        for setting in settings {
            if let value = values[setting.key] { setting.set(value, in: &c) }
        }
        return c
    }
}

extension OperatorConfig {
    /// The configuration a command runs with: the file's settings over the defaults, then the
    /// flags, then validated.
    public static func resolve(file: String?, overrides: ConfigOverrides) throws(ConfigError) -> OperatorConfig {
        let merged = overrides.applied(to: try load(file: file))
        try merged.validate()
        return merged
    }
}
