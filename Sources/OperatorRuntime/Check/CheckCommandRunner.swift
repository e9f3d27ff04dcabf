import Foundation
import KubeClient
import Logging

/// Everything `gateway-medic check` does, without the argument parsing, so it can be run
/// in-process: resolve the cluster, read, evaluate, print; return the exit code.
/// 0: every gateway is UP and forwarding (no `Forwarding` False). 1: at least one is not. 2: the
/// check could not be made.
public struct CheckCommandRunner: Sendable {
    public var kubeconfig: String?
    public var context: String?
    public var configFile: String?
    public var overrides: ConfigOverrides
    public var format: CheckOutputFormat
    /// `--no-headers` for the table formats.
    public var noHeaders: Bool
    /// Gateway names and `-l`.
    public var selection: CheckSelection
    /// `--as` / `--as-group`: replace the kubeconfig's impersonation when given, as kubectl's flags do.
    public var impersonateUser: String?
    public var impersonateGroups: [String]
    /// Seen by tests; the environment decides between in-cluster and kubeconfig as for `run`.
    public var environment: [String: String]
    /// Shorter than the client's default so a laptop pointed at a dead server gets an answer soon.
    public var requestTimeout: Duration
    public var retryAttempts: Int

    public init(kubeconfig: String? = nil, context: String? = nil, configFile: String? = nil,
                overrides: ConfigOverrides = ConfigOverrides(), format: CheckOutputFormat = .table, noHeaders: Bool = false,
                selection: CheckSelection = CheckSelection(), impersonateUser: String? = nil, impersonateGroups: [String] = [],
                environment: [String: String] = ProcessInfo.processInfo.environment,
                requestTimeout: Duration = .seconds(15), retryAttempts: Int = 2) {
        self.noHeaders = noHeaders
        self.selection = selection
        self.impersonateUser = impersonateUser
        self.impersonateGroups = impersonateGroups
        self.kubeconfig = kubeconfig
        self.context = context
        self.configFile = configFile
        self.overrides = overrides
        self.format = format
        self.environment = environment
        self.requestTimeout = requestTimeout
        self.retryAttempts = retryAttempts
    }

    public static let exitError: Int32 = 2

    /// Runs the check at `now`; the verdicts go to `stdout`, notes and errors to `stderr`.
    public func execute(now: Date, logger: Logger = Logger(label: "gateway-medic.check"),
                        stdout: @Sendable (String) -> Void, stderr: @Sendable (String) -> Void) async -> Int32 {
        let config: OperatorConfig
        do {
            config = try OperatorConfig.resolve(file: configFile, overrides: overrides)
        } catch {
            stderr("error: \(error)\n")
            return Self.exitError
        }
        let client: KubeClient
        do {
            var cluster = try ClusterConfigResolver.resolve(kubeconfig: kubeconfig, context: context, environment: environment)
            for warning in cluster.warnings { stderr("warning: \(warning)\n") }
            if impersonateUser != nil || !impersonateGroups.isEmpty {
                cluster.impersonation = Impersonation(user: impersonateUser, groups: impersonateGroups)
            }
            var retry = RetryPolicy()
            retry.maxAttempts = max(1, retryAttempts)
            client = try KubeClient(config: cluster, options: ClientOptions(userAgent: GatewayMedicVersion.userAgent, retry: retry, requestTimeout: requestTimeout), logger: logger)
        } catch {
            stderr("error: cannot configure the cluster connection: \(error)\n")
            return Self.exitError
        }
        defer { client.shutdown() }
        let result: CheckResult
        do {
            result = try await FleetCheck.evaluate(client: client, config: config, now: now, selection: selection)
        } catch {
            stderr("error: cannot read the fleet from \(client.server): \(error)\n")
            return Self.exitError
        }
        for note in result.notes { stderr("note: \(note)\n") }
        for name in result.notFound {
            stderr("error: gateway \"\(name)\" not found in namespace \"\(config.fabricNamespace)\"\(selection.labelSelector.map { " matching \"\($0)\"" } ?? "")\n")
        }
        if result.reports.isEmpty && result.notFound.isEmpty {
            stderr("note: no gateways found (GatewayAgents and Gateways in namespace \"\(config.fabricNamespace)\"\(selection.labelSelector.map { " matching \"\($0)\"" } ?? ""))\n")
        }
        stdout(CheckRenderer.render(result.reports, format: format, noHeaders: noHeaders))
        return result.exitCode
    }
}
