import ArgumentParser
import OperatorRuntime

/// A setting's default for the help text, read from `OperatorConfig` (never repeated here).
private let d = OperatorConfig.default
private func def(_ value: Double) -> String { "(default: \(OperatorConfig.display(value)))" }
private func def(_ value: Int) -> String { "(default: \(value))" }
private func def(_ value: String) -> String { "(default: \(value))" }
private func def(_ value: Bool) -> String { "(default: \(value))" }

/// Every setting of `OperatorConfig` as a flag; durations take `90s`, `2m`, `1h30m` or seconds.
/// A flag that is given overrides the config file; one that is not keeps the file's value or the
/// default. docs/configuration.md lists them all.
struct ConfigFlags: ParsableArguments {
    @Option(help: "Namespace of GatewayAgents, Gateways and switch Agents \(def(d.fabricNamespace)).")
    var fabricNamespace: String?
    @Option(help: "The operator's own namespace for its Lease (default: the service account's or the kubeconfig context's).")
    var operatorNamespace: String?
    @Flag(inversion: .prefixedNo, help: "Read and evaluate but write nothing; print what would be written \(def(d.dryRun)).")
    var dryRun: Bool?

    /// The settings that change a verdict (also `check`'s).
    @OptionGroup var verdict: VerdictFlags

    @Flag(inversion: .prefixedNo, help: "Elect a leader on a Lease before writing \(def(d.leaderElection.enabled)).")
    var leaderElect: Bool?
    @Option(help: "Name of the leader-election Lease \(def(d.leaderElection.leaseName)).")
    var leaseName: String?
    @Option(help: "How long a lease is valid without renewal \(def(d.leaderElection.leaseDuration)).")
    var leaseDuration: DurationArgument?
    @Option(help: "How long a leader keeps trying to renew before it steps down \(def(d.leaderElection.renewDeadline)).")
    var renewDeadline: DurationArgument?
    @Option(help: "Time between attempts to acquire or renew the lease \(def(d.leaderElection.retryPeriod)).")
    var retryPeriod: DurationArgument?

    @Option(help: "Concurrent reconciles \(def(d.queue.workers)).")
    var workers: Int?
    @Option(help: "First retry delay after a failed reconcile; doubles per failure \(def(d.queue.retryBaseDelay)).")
    var retryBaseDelay: DurationArgument?
    @Option(help: "Longest retry delay \(def(d.queue.retryMaxDelay)).")
    var retryMaxDelay: DurationArgument?

    @Option(help: "New Events one GatewayAgent may get in a burst \(def(d.events.burst)).")
    var eventBurst: Int?
    @Option(help: "Time to earn back one Event after the burst \(def(d.events.refillInterval)).")
    var eventRefillInterval: DurationArgument?

    @Option(help: "Address of /metrics, /healthz and /readyz \(def(d.server.host)).")
    var serverHost: String?
    @Option(help: "Port of /metrics, /healthz and /readyz; 0 turns them off \(def(d.server.port)).")
    var serverPort: Int?

    @Flag(inversion: .prefixedNo, help: "Restart unhealthy dataplane and frr pods through the Eviction API, behind the guards \(def(d.remediation.enabled)).")
    var remediate: Bool?
    @Flag(inversion: .prefixedNo, help: "DELETE a pod when its eviction is refused \(def(d.remediation.allowDelete)).")
    var allowDelete: Bool?
    @Option(help: "Also write ticket drafts as <id>.md and <id>.json into this folder (default: none).")
    var ticketDir: String?

    var overrides: ConfigOverrides {
        var o = ConfigOverrides()
        o.fabricNamespace = fabricNamespace
        o.operatorNamespace = operatorNamespace
        o.dryRun = dryRun
        verdict.apply(to: &o)
        o.leaderElection = leaderElect
        o.leaseName = leaseName
        o.leaseDuration = leaseDuration?.seconds
        o.renewDeadline = renewDeadline?.seconds
        o.retryPeriod = retryPeriod?.seconds
        o.workers = workers
        o.retryBaseDelay = retryBaseDelay?.seconds
        o.retryMaxDelay = retryMaxDelay?.seconds
        o.eventBurst = eventBurst
        o.eventRefillInterval = eventRefillInterval?.seconds
        o.serverHost = serverHost
        o.serverPort = serverPort
        o.remediate = remediate
        o.allowDelete = allowDelete
        o.ticketDirectory = ticketDir
        return o
    }
}

/// The settings that change a verdict: where the gateway pods are and the health thresholds.
/// `check` takes only these; `run` takes them among all the others (one declaration for both).
struct VerdictFlags: ParsableArguments {
    @Option(help: "Namespace of the gateways' dataplane and frr pods \(def(d.gatewayNamespace)).")
    var gatewayNamespace: String?
    @Option(help: "How long a new or starting gateway is WAITING \(def(d.health.startupGrace)).")
    var startupGrace: DurationArgument?
    @Option(help: "How long a pod container may be not ready before DOWN \(def(d.health.podGrace)).")
    var podGrace: DurationArgument?
    @Option(help: "Time between dataplane heartbeats \(def(d.health.keepaliveInterval)).")
    var keepaliveInterval: DurationArgument?
    @Option(help: "Heartbeats that may be missed before the heartbeat is stale \(def(d.health.missedKeepalives)).")
    var missedKeepalives: Int?
    @Option(help: "How long the applied generation may lag before CONFIG_FAIL \(def(d.health.applyTimeout)).")
    var applyTimeout: DurationArgument?
    @Option(help: "BGP session flaps within the window that make BGPStable False \(def(d.health.bgpFlapThreshold)).")
    var bgpFlapThreshold: Int?
    @Option(help: "Duration of the BGP flap window \(def(d.health.bgpFlapWindow)).")
    var bgpFlapWindow: DurationArgument?
    @Option(help: "Fraction of packets dropped that makes TrafficHealthy False \(def(d.health.dropRatioThreshold)).")
    var dropRatioThreshold: Double?
    @Option(help: "How long a heartbeat may be ahead of this clock and count as now \(def(d.health.heartbeatFutureTolerance)).")
    var heartbeatFutureTolerance: DurationArgument?
    @Option(help: "Time after which a switch Agent's BGP sessions no longer count \(def(d.health.switchAgentStaleAfter)).")
    var switchAgentStaleAfter: DurationArgument?
    @Option(help: "A container waiting reason that makes a pod down at once; repeat for several; replaces the list (default: \(d.health.immediateFailureReasons.joined(separator: ","))).")
    var immediateFailureReason: [String] = []

    var overrides: ConfigOverrides {
        var o = ConfigOverrides()
        apply(to: &o)
        return o
    }

    func apply(to o: inout ConfigOverrides) {
        o.gatewayNamespace = gatewayNamespace
        o.startupGrace = startupGrace?.seconds
        o.podGrace = podGrace?.seconds
        o.keepaliveInterval = keepaliveInterval?.seconds
        o.missedKeepalives = missedKeepalives
        o.applyTimeout = applyTimeout?.seconds
        o.bgpFlapThreshold = bgpFlapThreshold
        o.bgpFlapWindow = bgpFlapWindow?.seconds
        o.dropRatioThreshold = dropRatioThreshold
        o.heartbeatFutureTolerance = heartbeatFutureTolerance?.seconds
        o.switchAgentStaleAfter = switchAgentStaleAfter?.seconds
        o.immediateFailureReasons = immediateFailureReason.isEmpty ? nil : immediateFailureReason
    }
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
