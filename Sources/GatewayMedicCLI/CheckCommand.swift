import ArgumentParser
import Foundation
import KubeAPI
import Logging
import OperatorRuntime

/// `gateway-medic check` (also `kubectl gateway-medic check`): evaluate gateways once and print
/// the verdicts, with kubectl's habits (-n, names, -l, -o, --no-headers, --as, -v). Reads only.
/// Exit 0 when every gateway is UP and none is known not to forward, 1 when one is not, 2 when the
/// check could not be made.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Evaluate gateways once and print their state (writes nothing).",
        discussion: """
            Accepts only the settings that change a verdict (health thresholds and namespaces); the operator's \
            own settings (--remediate, --leader-elect, ...) are `run` flags. Durations take 90s, 2m, 1h or bare seconds.
            Exit status: 0 when every gateway is UP and none's Forwarding is False, 1 when at least one is not UP or not
            forwarding, 2 on error or a gateway not found.

            """ + SettingFlags.help(for: .check))

    @OptionGroup var cluster: ClusterOptions
    @Option(name: [.customShort("n"), .customLong("namespace"), .customLong("fabric-namespace")],
            help: "Namespace of the GatewayAgents and Gateways (default: fabric namespace of the config, else default).")
    var namespace: String?
    @Option(name: [.customShort("l"), .customLong("selector")], help: "Label selector on Gateway objects, e.g. -l tier=edge.")
    var selector: String?
    @Option(name: [.customShort("o"), .long], help: "Output format: table, wide, json, yaml or name.")
    var output: CheckOutputFormat = .table
    @Flag(help: "Print the table without its header line.")
    var noHeaders = false
    @Option(help: "How long one request to the API server may take, e.g. 30s (default: 15s).")
    var requestTimeout: DurationArgument?
    @Option(name: .customLong("as"), help: "Username to impersonate (replaces the kubeconfig's `as`).")
    var impersonateUser: String?
    @Option(name: .customLong("as-group"), help: "Group to impersonate; repeat for several.")
    var impersonateGroup: [String] = []
    @Option(name: [.customShort("v"), .customLong("v")], help: "Log verbosity: 0 errors only, 4 info, 6 debug, 8 trace.")
    var verbosity: Int = 0
    /// Gateway names and the setting flags that change a verdict (`SettingFlags`); anything
    /// else is refused in `validate`.
    @Argument(parsing: .allUnrecognized, help: "Gateway names (default: all).")
    var words: [String] = []

    /// The gateways named.
    var gateways: [String] { (try? SettingFlags.parse(words, for: .check).rest) ?? [] }
    /// The verdict settings given as flags.
    var thresholds: ConfigOverrides { (try? SettingFlags.parse(words, for: .check).overrides) ?? ConfigOverrides() }

    func validate() throws {
        _ = try SettingFlags.parse(words, for: .check)
        if verbosity < 0 { throw ValidationError("-v must be 0 or more") }
        if let timeout = requestTimeout, timeout.seconds <= 0 {
            throw ValidationError("--request-timeout must be more than 0 (e.g. 30s)")
        }
    }

    func run() async throws {
        var overrides = thresholds
        overrides["fabricNamespace"] = namespace.map(SettingValue.text)
        let runner = CheckCommandRunner(
            kubeconfig: cluster.kubeconfig, context: cluster.context, configFile: cluster.configFile, overrides: overrides,
            format: output, noHeaders: noHeaders, selection: CheckSelection(names: gateways, labelSelector: selector),
            impersonateUser: impersonateUser, impersonateGroups: impersonateGroup,
            requestTimeout: requestTimeout.map { .milliseconds(Int(($0.seconds * 1000).rounded())) } ?? .seconds(15))
        var logger = Logger(label: "gateway-medic.check")
        logger.logLevel = Self.logLevel(verbosity: verbosity)
        let code = await runner.execute(
            now: Date(), logger: logger,
            stdout: { FileHandle.standardOutput.write(Data($0.utf8)) },
            stderr: { FileHandle.standardError.write(Data($0.utf8)) })
        if code != 0 { throw ExitCode(code) }
    }

    /// kubectl's -v levels mapped onto log levels.
    static func logLevel(verbosity: Int) -> Logger.Level {
        switch verbosity {
        case ..<1: return .error
        case 1...3: return .warning
        case 4...5: return .info
        case 6...7: return .debug
        default: return .trace
        }
    }
}

/// A duration flag: `90s`, `2m`, `1h30m`, or bare seconds.
struct DurationArgument: ExpressibleByArgument, Sendable {
    var seconds: Double
    init?(argument: String) {
        guard let seconds = DurationText.seconds(argument) else { return nil }
        self.seconds = seconds
    }
    static var defaultCompletionKind: CompletionKind { .default }
}
