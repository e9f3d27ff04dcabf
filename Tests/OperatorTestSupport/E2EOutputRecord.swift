import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// With GATEWAY_MEDIC_E2E_RECORD set to a folder (as `make test` does), the e2e suite keeps what
/// the operator produced, so that `scripts/check_e2e_record.py` can check the manifests against it
/// and search every output for every secret the suite handed out:
/// - `secrets.txt`: the tokens and webhook secrets the suite gave the operator, one per line;
/// - `logs.txt`: every log line of every in-process operator, at trace level and unredacted
///   (what the text log format would print), so a secret passed to a logger is caught whatever
///   its metadata key;
/// - `objects.jsonl`: every object left in the emulator when a world stops (Events, ticket
///   ConfigMaps, GatewayHealths, Leases…);
/// - `cli-output.txt`, `webhook-bodies.txt`: what `gateway-medic` processes printed and what
///   webhook receivers were sent.
package enum E2EOutputRecord {
    package static let folder: String? = {
        guard let folder = ProcessInfo.processInfo.environment["GATEWAY_MEDIC_E2E_RECORD"], !folder.isEmpty else { return nil }
        return folder
    }()

    package static var isRecording: Bool { folder != nil }

    /// For `ChildProcess`: what a child process prints goes to `cli-output.txt`.
    package static let cliOutput: @Sendable (String) -> Void = { append($0, to: "cli-output.txt") }

    /// Remembers a secret the suite handed to the operator (the scan looks for it everywhere).
    package static func secret(_ value: String) {
        guard !value.isEmpty, !value.contains("\n") else { return }
        append(value + "\n", to: "secrets.txt")
    }

    /// Appends with O_APPEND, one write per call: tests run in parallel, and a line written by one
    /// must not land in the middle of another's.
    package static func append(_ text: String, to name: String) {
        guard let folder, !text.isEmpty else { return }
        let fd = open(folder + "/" + name, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }
}

/// Every log event as one line, with all its metadata, into the record's `logs.txt`.
struct RecordingLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    private let label: String

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        E2EOutputRecord.append("\(label) \(event.level) \(event.message) \(fields)\n", to: "logs.txt")
    }
}

/// Silent on the console unless E2E_DEBUG is set; recorded at trace level when the suite records
/// its outputs (the secret scan reads them).
package func quietLogger(_ label: String) -> Logger {
    let debug = ProcessInfo.processInfo.environment["E2E_DEBUG"] != nil
    // Levels are set on the handlers: setting the Logger's level would set every handler's.
    return Logger(label: label) { label in
        var console = StreamLogHandler.standardError(label: label)
        console.logLevel = debug ? .debug : .critical
        guard E2EOutputRecord.isRecording else { return console }
        return MultiplexLogHandler([console, RecordingLogHandler(label: label)])
    }
}
