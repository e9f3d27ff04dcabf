import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KubeAPI

/// Credentials from an exec plugin (client.authentication.k8s.io v1 / v1beta1). The plugin runs
/// with the process environment plus the kubeconfig's `env`, as client-go runs it (so
/// `AWS_PROFILE=prod gateway-medic check` reaches the AWS plugin); with a terminal on standard
/// input and `interactiveMode` IfAvailable or Always it gets that terminal. Its ExecCredential
/// is cached until shortly before `expirationTimestamp` (absent: forever), and it runs again on
/// `refresh: true` (after a 401). Concurrent callers share one run.
public actor ExecCredentials: CredentialProvider {
    public nonisolated let config: ExecConfig
    private let origin: String
    private let field: String
    private let environment: [String: String]
    private let clusterInfo: JSONValue?
    private let timeout: TimeInterval
    private let terminal: Bool
    private let now: @Sendable () -> Date
    /// Re-run this long before the stated expiry, so a request does not race the deadline.
    private let expiryLeeway: TimeInterval = 5

    private var cached: Issued?
    private var inFlight: Task<Issued, any Error>?

    struct Issued: Sendable {
        var credentials: Credentials
        var expiry: Date?
    }

    /// - Parameters:
    ///   - origin: the kubeconfig file (relative commands resolve against its folder; errors name it).
    ///   - field: the `exec` field path, for errors (`users["dev"].user.exec`).
    ///   - environment: what the plugin inherits (the kubeconfig's `env` is laid over it).
    ///   - clusterInfo: `spec.cluster` for `provideClusterInfo: true`.
    ///   - terminal: whether standard input is a terminal the plugin may use (asked of the process when nil).
    public init(config: ExecConfig, origin: String, field: String, environment: [String: String],
                clusterInfo: JSONValue? = nil, timeout: TimeInterval = 30, terminal: Bool? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.terminal = terminal ?? (isatty(STDIN_FILENO) == 1)
        self.config = config
        self.origin = origin
        self.field = field
        self.environment = environment
        self.clusterInfo = clusterInfo
        self.timeout = timeout
        self.now = now
    }

    public func credentials(refresh: Bool) async throws -> Credentials {
        if !refresh, let cached, isFresh(cached) { return cached.credentials }
        if let inFlight { return try await inFlight.value.credentials }
        let task = Task { [config, origin, field, environment, clusterInfo, timeout, terminal] in
            try await ExecPluginRun(config: config, origin: origin, field: field, environment: environment,
                                    clusterInfo: clusterInfo, timeout: timeout, terminal: terminal).issue()
        }
        inFlight = task
        do {
            let issued = try await task.value
            cached = issued
            inFlight = nil
            return issued.credentials
        } catch {
            inFlight = nil
            throw error
        }
    }

    private func isFresh(_ issued: Issued) -> Bool {
        guard let expiry = issued.expiry else { return true }
        return now() < expiry.addingTimeInterval(-expiryLeeway)
    }
}

/// One run of the plugin: environment, launch, output checks. Errors never include stdout.
struct ExecPluginRun: Sendable {
    var config: ExecConfig
    var origin: String
    var field: String
    var environment: [String: String]
    var clusterInfo: JSONValue?
    var timeout: TimeInterval
    /// Standard input is a terminal.
    var terminal: Bool = false

    /// As client-go: interactive when the mode allows it and there is a terminal; `Always`
    /// without a terminal is refused before the plugin runs.
    var interactive: Bool { config.interactiveMode != .never && terminal }

    func issue() async throws(KubeConfigError) -> ExecCredentials.Issued {
        guard config.interactiveMode != .always || terminal else {
            throw failure("interactiveMode is Always, but standard input is not a terminal (run it from a terminal, or set interactiveMode: IfAvailable)")
        }
        let executable = try resolveExecutable()
        let output: PluginProcessOutput
        do {
            output = try await PluginProcess.run(executable: executable, arguments: config.args,
                                                 environment: pluginEnvironment(), timeout: timeout,
                                                 passTerminal: interactive)
        } catch {
            throw failure(error.detail)
        }
        if output.timedOut { throw failure("timed out after \(Int(timeout)) s\(stderrNote(output))") }
        if output.signaled { throw failure("killed by signal \(output.status)\(stderrNote(output))") }
        if output.status != 0 { throw failure("exited with status \(output.status)\(stderrNote(output))") }
        return try decode(output.stdout)
    }

    /// The inherited environment, the kubeconfig's `env` over it, and KUBERNETES_EXEC_INFO.
    func pluginEnvironment() -> [String: String] {
        var env = environment
        for entry in config.env { env[entry.name] = entry.value }
        var spec: [String: JSONValue] = ["interactive": .bool(interactive)]
        if config.provideClusterInfo, let clusterInfo { spec["cluster"] = clusterInfo }
        let info: JSONValue = ["apiVersion": .string(config.apiVersion), "kind": "ExecCredential", "spec": .object(spec)]
        env["KUBERNETES_EXEC_INFO"] = info.jsonString
        return env
    }

    /// A command with a `/` is a path (relative to the kubeconfig's folder); otherwise it is looked up in PATH.
    func resolveExecutable() throws(KubeConfigError) -> String {
        let fm = FileManager.default
        if config.command.contains("/") {
            let path = FileText.resolve(config.command, against: (origin as NSString).deletingLastPathComponent)
            guard fm.isExecutableFile(atPath: path) else { throw failure("\(path) is not an executable file\(hint)") }
            return path
        }
        let searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in searchPath.split(separator: ":") where !dir.isEmpty {
            let candidate = (String(dir) as NSString).appendingPathComponent(config.command)
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw failure("not found in PATH (\(searchPath))\(hint)")
    }

    func decode(_ stdout: [UInt8]) throws(KubeConfigError) -> ExecCredentials.Issued {
        guard let value = try? JSONValue.parse(stdout), value.objectValue != nil else {
            throw failure("its output is not a JSON ExecCredential")
        }
        guard value["kind"]?.stringValue == "ExecCredential" else { throw failure("its output's kind is not ExecCredential") }
        let version = value["apiVersion"]?.stringValue ?? "(none)"
        guard version == config.apiVersion else {
            throw failure("its output has apiVersion \"\(version.prefix(80))\" but the kubeconfig asks for \"\(config.apiVersion)\"")
        }
        guard let status = value["status"]?.objectValue else { throw failure("its output has no status") }
        let token = status["token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let certificate = status["clientCertificateData"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let key = status["clientKeyData"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if (certificate == nil) != (key == nil) {
            throw failure("its output has only one of status.clientCertificateData and status.clientKeyData")
        }
        guard token != nil || certificate != nil else {
            throw failure("its output's status holds neither a token nor a client certificate and key")
        }
        var expiry: Date?
        if let text = status["expirationTimestamp"]?.stringValue {
            guard let date = KubeTime.parse(text) else { throw failure("its output's status.expirationTimestamp is not an RFC 3339 time") }
            expiry = date
        }
        let credentials = Credentials(bearerToken: token.map(SecretString.init),
                                      clientCertificatePEM: certificate.map { SecretBytes($0) },
                                      clientKeyPEM: key.map { SecretBytes($0) })
        return ExecCredentials.Issued(credentials: credentials, expiry: expiry)
    }

    private var hint: String { config.installHint.map { "\n\($0)" } ?? "" }

    private func stderrNote(_ output: PluginProcessOutput) -> String {
        let text = String(decoding: output.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return "" }
        return "; stderr: " + (text.count > 512 ? String(text.prefix(512)) + "…" : text)
    }

    private func failure(_ detail: String) -> KubeConfigError {
        KubeConfigError(file: origin, field: field, reason: .execPluginFailed(command: config.command, detail: detail))
    }
}
