import Remediation

extension OperatorConfig {
    /// Every setting, each declared once (docs/architecture.md "Add a setting"). The order is the
    /// order of the help text and of validation. Defaults are the initial values of
    /// `OperatorConfig` and its sections; nothing here repeats them.
    public static let settings: [Setting] = [
        .value("fabricNamespace", \.fabricNamespace, flag: "fabric-namespace",
               doc: "Namespace of GatewayAgents, Gateways and switch Agents.", rule: SettingRule.notEmpty),
        .value("gatewayNamespace", \.gatewayNamespace, flag: "gateway-namespace", verdict: true,
               doc: "Namespace of the gateways' dataplane and frr pods.", rule: SettingRule.notEmpty),
        .optional("operatorNamespace", \.operatorNamespace, flag: "operator-namespace",
                  unset: "the service account's or the kubeconfig context's namespace",
                  doc: "The operator's own namespace for its Lease and ticket ConfigMaps."),
        .value("dryRun", \.dryRun, flag: "dry-run", doc: "Read and evaluate but write nothing; print what would be written."),

        .value("health.startupGrace", \.health.startupGrace, flag: "startup-grace", kind: .duration, verdict: true,
               doc: "How long a new or starting gateway is WAITING.", rule: SettingRule.seconds()),
        .value("health.podGrace", \.health.podGrace, flag: "pod-grace", kind: .duration, verdict: true,
               doc: "How long a pod container may be not ready before DOWN.", rule: SettingRule.seconds()),
        .value("health.keepaliveInterval", \.health.keepaliveInterval, flag: "keepalive-interval", kind: .duration, verdict: true,
               doc: "Time between dataplane heartbeats.", rule: SettingRule.seconds(positive: true)),
        .value("health.missedKeepalives", \.health.missedKeepalives, flag: "missed-keepalives", verdict: true,
               doc: "Heartbeats that may be missed before the heartbeat is stale.", rule: SettingRule.atLeast(1)),
        .value("health.applyTimeout", \.health.applyTimeout, flag: "apply-timeout", kind: .duration, verdict: true,
               doc: "How long the applied generation may lag before CONFIG_FAIL.", rule: SettingRule.seconds()),
        .value("health.bgpFlapThreshold", \.health.bgpFlapThreshold, flag: "bgp-flap-threshold", verdict: true,
               doc: "BGP session flaps within the window that make BGPStable False.", rule: SettingRule.atLeast(0)),
        .value("health.bgpFlapWindow", \.health.bgpFlapWindow, flag: "bgp-flap-window", kind: .duration, verdict: true,
               doc: "Duration of the BGP flap window.", rule: SettingRule.seconds()),
        .value("health.dropRatioThreshold", \.health.dropRatioThreshold, flag: "drop-ratio-threshold", verdict: true,
               doc: "Fraction of packets dropped that makes TrafficHealthy False.",
               rule: { $0.isFinite && (0...1).contains($0) ? nil : "must be a fraction between 0 and 1, got \($0)" }),
        .value("health.heartbeatFutureTolerance", \.health.heartbeatFutureTolerance, flag: "heartbeat-future-tolerance",
               kind: .duration, verdict: true,
               doc: "How long a heartbeat may be ahead of this clock and count as now.", rule: SettingRule.seconds()),
        .value("health.switchAgentStaleAfter", \.health.switchAgentStaleAfter, flag: "switch-agent-stale-after",
               kind: .duration, verdict: true,
               doc: "Time after which a switch Agent's BGP sessions no longer count.", rule: SettingRule.seconds()),
        .value("health.immediateFailureReasons", \.health.immediateFailureReasons, flag: "immediate-failure-reason", verdict: true,
               doc: "A container waiting reason that makes a pod down at once; repeat for several; replaces the list."),
        .value("health.containerRestartThreshold", \.health.containerRestartThreshold, flag: "container-restart-threshold", verdict: true,
               doc: "Container restarts within the window that make PodsReady False (ContainerRestarting).", rule: SettingRule.atLeast(0)),
        .value("health.containerRestartWindow", \.health.containerRestartWindow, flag: "container-restart-window", kind: .duration,
               verdict: true, doc: "Duration of the container restart window.", rule: SettingRule.seconds()),
        .value("health.peeringActivityWindow", \.health.peeringActivityWindow, flag: "peering-activity-window", kind: .duration, verdict: true,
               doc: "A peering whose packets rose within this long is expected to carry traffic.", rule: SettingRule.seconds(positive: true)),
        .value("health.peeringStoppedAfter", \.health.peeringStoppedAfter, flag: "peering-stopped-after", kind: .duration, verdict: true,
               doc: "No new packets for longer than this on such a peering's active member: PeeringTrafficStopped.",
               rule: SettingRule.seconds(positive: true)),

        .value("leaderElection.enabled", \.leaderElection.enabled, flag: "leader-elect", doc: "Elect a leader on a Lease before writing."),
        .value("leaderElection.leaseName", \.leaderElection.leaseName, flag: "lease-name",
               doc: "Name of the leader-election Lease.", rule: SettingRule.notEmpty),
        .value("leaderElection.leaseDuration", \.leaderElection.leaseDuration, flag: "lease-duration", kind: .duration,
               doc: "How long a lease is valid without renewal.", rule: SettingRule.seconds(positive: true)),
        .value("leaderElection.renewDeadline", \.leaderElection.renewDeadline, flag: "renew-deadline", kind: .duration,
               doc: "How long a leader keeps trying to renew before it steps down.", rule: SettingRule.seconds(positive: true)),
        .value("leaderElection.retryPeriod", \.leaderElection.retryPeriod, flag: "retry-period", kind: .duration,
               doc: "Time between attempts to acquire or renew the lease.", rule: SettingRule.seconds(positive: true)),

        .value("queue.workers", \.queue.workers, flag: "workers", doc: "Concurrent reconciles.", rule: SettingRule.atLeast(1)),
        .value("queue.retryBaseDelay", \.queue.retryBaseDelay, flag: "retry-base-delay", kind: .duration,
               doc: "First retry delay after a failed reconcile; doubles per failure.", rule: SettingRule.seconds(positive: true)),
        .value("queue.retryMaxDelay", \.queue.retryMaxDelay, flag: "retry-max-delay", kind: .duration,
               doc: "Longest retry delay.", rule: SettingRule.seconds(positive: true)),

        .value("events.burst", \.events.burst, flag: "event-burst", doc: "New Events one GatewayAgent may get in a burst.",
               rule: SettingRule.atLeast(1)),
        .value("events.refillInterval", \.events.refillInterval, flag: "event-refill-interval", kind: .duration,
               doc: "Time to earn back one Event after the burst.", rule: SettingRule.seconds(positive: true)),

        .value("server.host", \.server.host, flag: "server-host", doc: "Address of /metrics, /healthz and /readyz.",
               rule: SettingRule.notEmpty),
        .value("server.port", \.server.port, flag: "server-port", doc: "Port of /metrics, /healthz and /readyz; 0 turns them off.",
               rule: { (0...65535).contains($0) ? nil : "must be 0 (off) to 65535, got \($0)" }),

        .value("informers.streamingLists", \.informers.streamingLists,
               doc: "Sync and relist with streaming lists (sendInitialEvents=true), falling back to LIST where refused."),
        .value("informers.watchDeliveryWindow", \.informers.watchDeliveryWindow, kind: .duration,
               doc: "How long a watch event may wait so that a busy watch wakes its reader once per batch.",
               rule: { $0.isFinite && (0...1).contains($0) ? nil : "must be 0 to 1 second, got \($0)" }),

        .value("remediation.enabled", \.remediation.enabled, flag: "remediate",
               doc: "Restart unhealthy dataplane and frr pods through the Eviction API, behind the guards."),
        .value("remediation.allowDelete", \.remediation.allowDelete, flag: "allow-delete", doc: "DELETE a pod when its eviction is refused."),
        .value("remediation.cooldown", \.remediation.cooldown, kind: .duration,
               doc: "Minimum time between two restart attempts on one gateway."),
        .value("remediation.maxRestartsPerWindow", \.remediation.maxRestartsPerWindow, doc: "Restarts per gateway within the window."),
        .value("remediation.window", \.remediation.window, kind: .duration, doc: "The restart budget's window."),
        .value("remediation.maxInFlight", \.remediation.maxInFlight, doc: "Restarts in flight across the whole fleet."),
        .value("remediation.inFlightTimeout", \.remediation.inFlightTimeout, kind: .duration,
               doc: "A restart is in flight until the new pod is Ready, or this long at most."),
        .value("remediation.bgpDownRestartAfter", \.remediation.bgpDownRestartAfter, kind: .duration,
               doc: "frr is restarted when every BGP session has been down this long with a fresh heartbeat."),
        .value("remediation.ticketAfter", \.remediation.ticketAfter, kind: .duration,
               doc: "How long a KEEPALIVE_FAIL or CONFIG_FAIL must last before a ticket draft opens."),
        .value("remediation.ticketAfterDown", \.remediation.ticketAfterDown, kind: .duration,
               doc: "How long any other DOWN must last before a ticket draft opens.", rule: SettingRule.seconds()),
        .value("remediation.ticketAfterRefusals", \.remediation.ticketAfterRefusals,
               doc: "Refused restarts in a row that open a ticket draft.", rule: SettingRule.atLeast(1)),
        .value("remediation.ticketReopenWindow", \.remediation.ticketReopenWindow, kind: .duration,
               doc: "A state returning within this long after its draft was resolved continues that draft."),
        .value("remediation.ticketRefreshInterval", \.remediation.ticketRefreshInterval, kind: .duration,
               doc: "An open draft is rewritten at most this often unless its material facts changed."),
        .value("remediation.resolvedTicketTTL", \.remediation.resolvedTicketTTL, kind: .duration,
               doc: "Resolved drafts are removed this long after resolution."),

        .value("tickets.configMaps", \.tickets.configMaps, doc: "Drafts as ConfigMaps in the operator namespace."),
        .optional("tickets.directory", \.tickets.directory, flag: "ticket-dir", unset: "none",
                  doc: "Also write ticket drafts as <id>.md and <id>.json into this folder.",
                  rule: { $0.isEmpty ? "must not be empty (leave it out for no folder)" : nil }),
    ] + TicketSettings.sinkSettings

    /// The setting with this file key.
    public static func setting(key: String) -> Setting? { settingsByKey[key] }

    /// The setting with this flag (without dashes).
    public static func setting(flag: String) -> Setting? { settingsByFlag[flag] }

    // A key or flag declared twice keeps its first declaration (a test refuses duplicates).
    private static let settingsByKey = Dictionary(settings.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    private static let settingsByFlag = Dictionary(settings.compactMap { s in s.flag.map { ($0, s) } }, uniquingKeysWith: { first, _ in first })
}
