import Remediation

extension OperatorConfig {
    /// Refuses settings the operator cannot run with, naming the key. Run after the file and the
    /// flags are merged, so the error is about the value that will actually be used.
    public func validate() throws(ConfigError) {
        func fail(_ key: String, _ detail: String) -> ConfigError { ConfigError(file: nil, key: key, reason: .invalidValue(detail)) }
        func seconds(_ key: String, _ value: Double, positive: Bool = false) throws(ConfigError) {
            guard value.isFinite, positive ? value > 0 : value >= 0 else {
                throw fail(key, "must be \(positive ? "more than zero" : "zero or more") seconds, got \(value)")
            }
        }
        for (key, value) in [("fabricNamespace", fabricNamespace), ("gatewayNamespace", gatewayNamespace)] where value.isEmpty {
            throw fail(key, "must not be empty")
        }
        let h = health
        try seconds("health.startupGrace", h.startupGrace)
        try seconds("health.podGrace", h.podGrace)
        try seconds("health.keepaliveInterval", h.keepaliveInterval, positive: true)
        guard h.missedKeepalives >= 1 else { throw fail("health.missedKeepalives", "must be at least 1, got \(h.missedKeepalives)") }
        try seconds("health.applyTimeout", h.applyTimeout)
        guard h.bgpFlapThreshold >= 0 else { throw fail("health.bgpFlapThreshold", "must be zero or more, got \(h.bgpFlapThreshold)") }
        try seconds("health.bgpFlapWindow", h.bgpFlapWindow)
        guard h.dropRatioThreshold.isFinite, (0...1).contains(h.dropRatioThreshold) else {
            throw fail("health.dropRatioThreshold", "must be a fraction between 0 and 1, got \(h.dropRatioThreshold)")
        }
        try seconds("health.heartbeatFutureTolerance", h.heartbeatFutureTolerance)
        try seconds("health.switchAgentStaleAfter", h.switchAgentStaleAfter)

        let l = leaderElection
        guard !l.leaseName.isEmpty else { throw fail("leaderElection.leaseName", "must not be empty") }
        try seconds("leaderElection.leaseDuration", l.leaseDuration, positive: true)
        try seconds("leaderElection.renewDeadline", l.renewDeadline, positive: true)
        try seconds("leaderElection.retryPeriod", l.retryPeriod, positive: true)
        // client-go's rule: a leader must give up before its lease can expire, with room for a retry.
        if l.enabled && !(l.leaseDuration > l.renewDeadline && l.renewDeadline > 1.2 * l.retryPeriod) {
            throw fail("leaderElection", "leaseDuration (\(l.leaseDuration)) must exceed renewDeadline (\(l.renewDeadline)), "
                + "which must exceed 1.2 × retryPeriod (\(l.retryPeriod))")
        }

        guard queue.workers >= 1 else { throw fail("queue.workers", "must be at least 1, got \(queue.workers)") }
        try seconds("queue.retryBaseDelay", queue.retryBaseDelay, positive: true)
        try seconds("queue.retryMaxDelay", queue.retryMaxDelay, positive: true)
        guard queue.retryMaxDelay >= queue.retryBaseDelay else {
            throw fail("queue.retryMaxDelay", "must be at least retryBaseDelay (\(queue.retryBaseDelay)), got \(queue.retryMaxDelay)")
        }

        guard events.burst >= 1 else { throw fail("events.burst", "must be at least 1, got \(events.burst)") }
        try seconds("events.refillInterval", events.refillInterval, positive: true)

        try seconds("remediation.ticketAfterDown", remediation.ticketAfterDown)
        guard remediation.ticketAfterRefusals >= 1 else {
            throw fail("remediation.ticketAfterRefusals", "must be at least 1, got \(remediation.ticketAfterRefusals)")
        }

        guard !server.host.isEmpty else { throw fail("server.host", "must not be empty") }
        guard (0...65535).contains(server.port) else { throw fail("server.port", "must be 0 (off) to 65535, got \(server.port)") }

        if tickets.directory?.isEmpty == true { throw fail("tickets.directory", "must not be empty (leave it out for no folder)") }
        if let problem = tickets.webhook?.problem { throw fail("tickets.webhook.\(problem.key)", problem.detail) }
    }

    /// A number as the docs and help text show it: `300`, not `300.0`.
    public static func display(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
