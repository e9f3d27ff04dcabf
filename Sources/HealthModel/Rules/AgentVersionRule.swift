import Foundation

/// AgentVersionCurrent: the dataplane runs the version the fabric controller asks for
/// (`status.agentVersion` equals `spec.agentVersion`, docs §3.12). A mismatch is an upgrade that
/// did not land; it is a finding and changes no state.
struct AgentVersionRule: HealthRule {
    let condition = ConditionType.agentVersionCurrent
    let docSection = "§3.12"
    let reasons = ["VersionsMatch", "NoVersionExpected", "AgentVersionMismatch", "AgentVersionNotReported", "AgentVersionInvalid"]
    let reads: Set<RuleInput> = [.agentVersion]
    /// How much of a version a message quotes: a version is short; a field gone wrong need not
    /// fill the condition.
    static let quoted = 128

    func evaluate(_ context: inout RuleContext) -> RuleOutcome {
        RuleOutcome(Self.evaluate(context.inputs.agent))
    }

    static func evaluate(_ agent: GatewayAgentView?) -> ConditionDraft {
        let type = ConditionType.agentVersionCurrent
        guard let agent else { return .unknown(type, "AgentVersionNotReported", "no GatewayAgent reports a version") }
        let wanted: String
        switch agent.expectedAgentVersion {
        case .invalid: return .unknown(type, "AgentVersionInvalid", "spec.agentVersion is malformed (see evidence.problems)")
        case .absent: return .isTrue(type, "NoVersionExpected", "spec.agentVersion is not set: no version is expected")
        case .value(let text) where text.isEmpty: return .isTrue(type, "NoVersionExpected", "spec.agentVersion is empty: no version is expected")
        case .value(let text): wanted = text
        }
        guard let running = agent.agentVersion, !running.isEmpty else {
            if agent.problems.contains(where: { $0.path == "status.agentVersion" }) {
                return .unknown(type, "AgentVersionInvalid", "status.agentVersion is malformed (see evidence.problems); spec.agentVersion is \(wanted.prefix(Self.quoted))")
            }
            return .unknown(type, "AgentVersionNotReported", "the GatewayAgent reports no status.agentVersion; spec.agentVersion is \(wanted.prefix(Self.quoted))")
        }
        guard running == wanted else {
            return .isFalse(type, "AgentVersionMismatch",
                            "status.agentVersion \(running.prefix(Self.quoted)) is not spec.agentVersion \(wanted.prefix(Self.quoted)): an upgrade that did not land")
        }
        return .isTrue(type, "VersionsMatch", "status.agentVersion \(running.prefix(Self.quoted)) is spec.agentVersion")
    }
}
