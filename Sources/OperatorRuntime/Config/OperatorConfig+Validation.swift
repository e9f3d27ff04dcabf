import Remediation

extension OperatorConfig {
    /// Refuses settings the operator cannot run with, naming the key. Run after the file and the
    /// flags are merged, so the error is about the value that will actually be used.
    public func validate() throws(ConfigError) {
        func fail(_ key: String, _ detail: String) -> ConfigError { ConfigError(file: nil, key: key, reason: .invalidValue(detail)) }
        // Each setting's own rule, in the order they are declared.
        for setting in Self.settings {
            if let problem = setting.problem(in: self) { throw fail(setting.key, problem) }
        }
        // The rules between settings.
        let l = leaderElection
        // client-go's rule: a leader must give up before its lease can expire, with room for a retry.
        if l.enabled && !(l.leaseDuration > l.renewDeadline && l.renewDeadline > 1.2 * l.retryPeriod) {
            throw fail("leaderElection", "leaseDuration (\(l.leaseDuration)) must exceed renewDeadline (\(l.renewDeadline)), "
                + "which must exceed 1.2 × retryPeriod (\(l.retryPeriod))")
        }

        guard queue.retryMaxDelay >= queue.retryBaseDelay else {
            throw fail("queue.retryMaxDelay", "must be at least retryBaseDelay (\(queue.retryBaseDelay)), got \(queue.retryMaxDelay)")
        }
    }

    /// A number as the docs and help text show it: `300`, not `300.0`.
    public static func display(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
