/// Settings given on the command line. Every field is optional: nil keeps the value of the config
/// file (or the default). The defaults themselves live only in `OperatorConfig`.
public struct ConfigOverrides: Sendable, Equatable {
    public var fabricNamespace: String?
    public var gatewayNamespace: String?
    public var operatorNamespace: String?
    public var dryRun: Bool?

    // health
    public var startupGrace: Double?
    public var podGrace: Double?
    public var keepaliveInterval: Double?
    public var missedKeepalives: Int?
    public var applyTimeout: Double?
    public var bgpFlapThreshold: Int?
    public var bgpFlapWindow: Double?
    public var dropRatioThreshold: Double?
    public var heartbeatFutureTolerance: Double?
    public var switchAgentStaleAfter: Double?
    /// Replaces the whole list when given.
    public var immediateFailureReasons: [String]?

    // leaderElection
    public var leaderElection: Bool?
    public var leaseName: String?
    public var leaseDuration: Double?
    public var renewDeadline: Double?
    public var retryPeriod: Double?

    // queue
    public var workers: Int?
    public var retryBaseDelay: Double?
    public var retryMaxDelay: Double?

    // events
    public var eventBurst: Int?
    public var eventRefillInterval: Double?

    // server
    public var serverHost: String?
    public var serverPort: Int?

    // remediation and tickets
    public var remediate: Bool?
    public var allowDelete: Bool?
    public var ticketDirectory: String?

    public init() {}

    /// `config` with every given flag applied.
    public func applied(to config: OperatorConfig) -> OperatorConfig {
        var c = config
        func set<T>(_ value: T?, _ target: inout T) { if let value { target = value } }
        set(fabricNamespace, &c.fabricNamespace)
        set(gatewayNamespace, &c.gatewayNamespace)
        if let operatorNamespace { c.operatorNamespace = operatorNamespace }
        set(dryRun, &c.dryRun)
        set(startupGrace, &c.health.startupGrace)
        set(podGrace, &c.health.podGrace)
        set(keepaliveInterval, &c.health.keepaliveInterval)
        set(missedKeepalives, &c.health.missedKeepalives)
        set(applyTimeout, &c.health.applyTimeout)
        set(bgpFlapThreshold, &c.health.bgpFlapThreshold)
        set(bgpFlapWindow, &c.health.bgpFlapWindow)
        set(dropRatioThreshold, &c.health.dropRatioThreshold)
        set(heartbeatFutureTolerance, &c.health.heartbeatFutureTolerance)
        set(switchAgentStaleAfter, &c.health.switchAgentStaleAfter)
        set(immediateFailureReasons, &c.health.immediateFailureReasons)
        set(leaderElection, &c.leaderElection.enabled)
        set(leaseName, &c.leaderElection.leaseName)
        set(leaseDuration, &c.leaderElection.leaseDuration)
        set(renewDeadline, &c.leaderElection.renewDeadline)
        set(retryPeriod, &c.leaderElection.retryPeriod)
        set(workers, &c.queue.workers)
        set(retryBaseDelay, &c.queue.retryBaseDelay)
        set(retryMaxDelay, &c.queue.retryMaxDelay)
        set(eventBurst, &c.events.burst)
        set(eventRefillInterval, &c.events.refillInterval)
        set(serverHost, &c.server.host)
        set(serverPort, &c.server.port)
        set(remediate, &c.remediation.enabled)
        set(allowDelete, &c.remediation.allowDelete)
        if let ticketDirectory { c.tickets.directory = ticketDirectory }
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
