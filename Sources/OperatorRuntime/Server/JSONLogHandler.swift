import Foundation
import KubeAPI
import Logging

/// One JSON object per line, as log collectors expect:
/// `{"time":"…","level":"info","logger":"…","msg":"…", <metadata>…}`. Metadata whose key looks
/// like a credential is redacted: a token must not reach a log even by mistake.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// `write` receives each line with its newline; the default writes to standard error.
    public init(label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil,
                write: @escaping @Sendable (String) -> Void = StandardErrorWriter.write) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: JSONValue] = [:]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for (key, value) in merged { fields[key] = Self.redacted(key) ? .string("[redacted]") : Self.json(value) }
        fields["time"] = .string(KubeTime.formatMicro(Date()))
        fields["level"] = .string(event.level.rawValue)
        fields["logger"] = .string(label)
        fields["msg"] = .string("\(event.message)")
        if event.level >= .error { fields["source"] = .string("\(event.file):\(event.line)") }
        write(JSONValue.object(fields).jsonString + "\n")
    }

    /// Keys that name credentials (matched case-insensitively, anywhere in the key).
    static let secretKeyFragments = ["token", "password", "secret", "authorization", "credential", "key-data", "keydata", "privatekey"]

    static func redacted(_ key: String) -> Bool {
        let lower = key.lowercased()
        return secretKeyFragments.contains { lower.contains($0) }
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let items): return .array(items.map(json))
        case .dictionary(let d):
            return .object(Dictionary(uniqueKeysWithValues: d.map { ($0.key, redacted($0.key) ? .string("[redacted]") : json($0.value)) }))
        }
    }
}

/// Whole lines to standard error, one write each so concurrent lines do not interleave.
public enum StandardErrorWriter {
    @Sendable public static func write(_ line: String) {
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// How the process logs: `text` for people, `json` for collectors.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

public enum LogSetup {
    /// The handler factory for `LoggingSystem.bootstrap` (global: call once, in the executable).
    public static func factory(format: LogFormat, level: Logger.Level) -> @Sendable (String) -> any LogHandler {
        switch format {
        case .json:
            return { label in JSONLogHandler(label: label, level: level) }
        case .text:
            return { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
