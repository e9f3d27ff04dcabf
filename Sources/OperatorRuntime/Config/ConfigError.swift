/// Why a configuration could not be used. Always names the file (when there is one) and the
/// dotted key (`health.podGrace`), so the user knows which line to fix.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case fileNotFound
        /// The file exists but could not be read.
        case unreadable(String)
        case malformedYAML(String)
        /// The document (or a nested key) is not a mapping of keys to values.
        case notAMapping(found: String)
        /// A key that is not a setting (a typo, or a setting of another version).
        case unknownKey(suggestion: String?)
        /// A value of the wrong type, e.g. a string where seconds are expected.
        case wrongType(expected: String, found: String)
        /// A value of the right type that cannot be used (negative seconds, no workers, ...).
        case invalidValue(String)
    }

    /// The config file, or nil for a problem of the merged settings (file and flags).
    public var file: String?
    /// The dotted key, e.g. `leaderElection.leaseDuration`; nil for the whole document.
    public var key: String?
    public var reason: Reason

    public init(file: String?, key: String?, reason: Reason) {
        self.file = file
        self.key = key
        self.reason = reason
    }

    public var description: String {
        let place = [file, key].compactMap { $0 }.joined(separator: ": ")
        let prefix = place.isEmpty ? "configuration" : place
        switch reason {
        case .fileNotFound: return "\(prefix): config file not found"
        case .unreadable(let detail): return "\(prefix): cannot read the config file: \(detail)"
        case .malformedYAML(let detail): return "\(prefix): malformed YAML: \(detail)"
        case .notAMapping(let found): return "\(prefix): expected a mapping of settings, found \(found)"
        case .unknownKey(let suggestion):
            return "\(prefix): unknown key" + (suggestion.map { " (did you mean \"\($0)\"?)" } ?? "")
        case .wrongType(let expected, let found): return "\(prefix): expected \(expected), found \(found)"
        case .invalidValue(let detail): return "\(prefix): \(detail)"
        }
    }
}
