import Foundation

/// Durations as Kubernetes tools write them (Go's `time.ParseDuration`): `90s`, `2m`, `1h30m`,
/// `1.5s`, `500ms`; a bare number is seconds, for settings that used to be bare seconds.
public enum DurationText {
    private static let units: [(suffix: String, seconds: Double)] = [
        ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
    ]

    /// Seconds, or nil when `text` is not a duration (negative ones included).
    public static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("-") else { return nil }
        if let plain = Double(trimmed) { return plain.isFinite ? plain : nil }
        var rest = Substring(trimmed.hasPrefix("+") ? String(trimmed.dropFirst()) : trimmed)
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            // Longest unit first: "ms" before "m".
            guard let unit = units.sorted(by: { $0.suffix.count > $1.suffix.count }).first(where: { rest.hasPrefix($0.suffix) }) else {
                return nil
            }
            rest = rest.dropFirst(unit.suffix.count)
            total += value * unit.seconds
        }
        return total
    }
}

/// A duration setting as a config file writes it: a number of seconds (`90`, `0.5`) or a text
/// such as `90s`, `2m`, `1h30m`. The same words as the flags, so a value copied from one to the
/// other means the same.
public struct DurationSetting: Decodable, Sendable {
    public var seconds: Double

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self) {
            self.seconds = seconds
            return
        }
        let text = try container.decode(String.self)
        guard let seconds = DurationText.seconds(text) else {
            throw DecodingError.typeMismatch(DurationSetting.self, .init(
                codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not a duration: write 90s, 2m, 1h30m or a number of seconds"))
        }
        self.seconds = seconds
    }
}

extension KeyedDecodingContainer {
    /// A duration setting (`DurationSetting`) in seconds, nil when the key is absent.
    public func decodeDurationIfPresent(forKey key: Key) throws -> Double? {
        try decodeIfPresent(DurationSetting.self, forKey: key)?.seconds
    }
}
