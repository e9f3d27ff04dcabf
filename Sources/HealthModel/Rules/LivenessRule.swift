import Foundation

/// Whether anything shows the data plane alive while the heartbeat is stale (docs §2.3).
struct LivenessFinding {
    var alive: Bool
    var evidence: LivenessEvidence
    var detail: String
}

enum LivenessRule {
    static func evaluate(_ inputs: GatewayInputs, podsRunningReady: Bool, policy: HealthPolicy, now: Date) -> LivenessFinding {
        let visible = inputs.switchAgentsVisible && inputs.switchAgentCount > 0
        guard visible else {
            let why = inputs.switchAgentsVisible ? "no switch Agents exist" : "switch Agents are not readable"
            if podsRunningReady {
                return LivenessFinding(alive: true, evidence: .podsRunningReady,
                                       detail: "\(why); weaker evidence used: the gateway's dataplane and frr pods are Running and Ready")
            }
            return LivenessFinding(alive: false, evidence: .none,
                                   detail: "\(why), and the gateway's pods are not all Running and Ready")
        }
        guard let routerID = inputs.protocolIP, !routerID.isEmpty else {
            return LivenessFinding(alive: false, evidence: .none,
                                   detail: "the gateway's protocol IP is unknown, so no leaf session can be matched to it")
        }
        var witnesses: [String] = []
        var staleWitnesses: [String] = []
        for agent in inputs.switchAgents {
            let sessions = agent.sessions.filter { $0.isEstablished && $0.remoteRouterID == routerID }
            guard let session = sessions.first else { continue }
            let line = "\(agent.name) (vrf \(session.vrf), neighbor \(session.neighbor))"
            if isFresh(agent, policy: policy, now: now) { witnesses.append(line) } else { staleWitnesses.append(line) }
        }
        if !witnesses.isEmpty {
            return LivenessFinding(alive: true, evidence: .switchAgentBGP,
                                   detail: "BGP established with router ID \(routerID) reported by \(witnesses.joined(separator: ", "))")
        }
        var detail = "no switch Agent with a fresh heartbeat reports an established BGP session with router ID \(routerID) (\(inputs.switchAgentCount) Agents checked)"
        if !staleWitnesses.isEmpty {
            detail += "; ignored because their own heartbeat is stale: \(staleWitnesses.joined(separator: ", "))"
        }
        return LivenessFinding(alive: false, evidence: .none, detail: detail)
    }

    /// A switch Agent's heartbeat is fresh when at most `switchAgentStaleAfter` old; one slightly
    /// in the future (within the skew tolerance) counts as fresh, one far in the future does not.
    static func isFresh(_ agent: SwitchAgentView, policy: HealthPolicy, now: Date) -> Bool {
        policy.switchAgentHeartbeatIsFresh(agent.lastHeartbeat.value, now: now)
    }
}
