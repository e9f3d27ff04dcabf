import Foundation
import HealthModel
import KubeAPI

/// A switch Agent at the other end of a gateway's BGP sessions, reduced to what fault attribution
/// reads (docs/remediation.md §2.1). The operator fills these from its fleet index: the Agents
/// reporting a session with the gateway, and for each how its sessions with *other* gateways fare.
public struct LeafPeer: Sendable, Equatable {
    /// The switch Agent's name.
    public var name: String
    /// Its `status.lastHeartbeat` (nil: absent or unparseable).
    public var lastHeartbeat: Date?
    /// Its sessions with gateways other than this one (any state), and how many are established.
    public var otherGatewaySessions: Int
    public var otherGatewaySessionsEstablished: Int

    public init(name: String, lastHeartbeat: Date?, otherGatewaySessions: Int, otherGatewaySessionsEstablished: Int) {
        self.name = name
        self.lastHeartbeat = lastHeartbeat
        self.otherGatewaySessions = otherGatewaySessions
        self.otherGatewaySessionsEstablished = otherGatewaySessionsEstablished
    }
}

/// Whose fault "every BGP session of the gateway is down" is, before frr is restarted for it
/// (docs/remediation.md §2.1). Pure: the leaves at the other end travel in the snapshot, the
/// other gateways in the fleet view.
enum FaultAttribution {
    enum Verdict: Equatable {
        /// The leaves are healthy, or the other gateways hold their sessions: the gateway's own fault.
        case gateway
        /// The leaves are down, or every other gateway lost its sessions too.
        case fabric(String)
        /// Nothing tells the two apart (a lone gateway): hold.
        case unattributed(String)
    }

    /// How many gateways a message names before it says "and N more".
    static let namedInMessage = 5

    static func judge(_ snap: GatewaySnapshot, fleet: FleetView, now: Date) -> Verdict {
        let name = snap.key.name
        if !snap.leaves.isEmpty { return judgeLeaves(snap.leaves, gateway: name, health: fleet.health, now: now) }
        // No leaf at the other end is known: the other gateways' own BGP evidence decides.
        let why = snap.inputs.switchAgentsVisible && snap.inputs.switchAgentCount > 0
            ? "no switch Agent reports a session with \(name)"
            : snap.inputs.switchAgentsVisible ? "no switch Agents exist" : "switch Agents are not readable"
        let others = fleet.gateways.values.filter { other in
            other.key != snap.key && other.assessment.evidence.liveness == .notNeeded && other.assessment.evidence.bgpTotal > 0
        }.sorted { $0.key < $1.key }
        if others.isEmpty {
            return .unattributed("\(why), and no other gateway with a fresh heartbeat reports BGP sessions: nothing tells a fault of \(name) from a fault of the fabric, so frr is not restarted")
        }
        if others.contains(where: { $0.assessment.evidence.bgpEstablished > 0 }) { return .gateway }
        let listed = others.prefix(namedInMessage).map { "\($0.key.name) (0 of \($0.assessment.evidence.bgpTotal) established)" }
        let more = others.count > namedInMessage ? " and \(others.count - namedInMessage) more" : ""
        return .fabric("\(why), and every other gateway's BGP sessions are down too: \(listed.joined(separator: ", "))\(more); the fault is the fabric's, frr is not restarted")
    }

    /// The gateway's own Forwarding verdict, for the hold's message: with the leaves down it is
    /// False too (no session, or the leaves receive nothing), and says so in the SRE's terms:
    /// `, Forwarding False (NoEstablishedSession: 0 of 2 sessions established)`. Empty when the
    /// assessment has no Forwarding condition.
    static func forwardingEvidence(_ a: Assessment) -> String {
        guard let c = a.condition(ConditionType.forwarding) else { return "" }
        let message = c.message.isEmpty ? "" : ": \(c.message.prefix(300))"
        return ", Forwarding \(c.status) (\(c.reason)\(message))"
    }

    /// Every leaf at the other end must be healthy: a fresh heartbeat and at least one established
    /// session with another gateway. A leaf that is stale, or whose sessions with other gateways
    /// are all down, is the fabric's fault; a fresh leaf with no other gateway proves nothing.
    private static func judgeLeaves(_ leaves: [LeafPeer], gateway name: String, health: HealthPolicy, now: Date) -> Verdict {
        var down: [String] = []
        var unproven: [String] = []
        for leaf in leaves {
            if !health.switchAgentHeartbeatIsFresh(leaf.lastHeartbeat, now: now) {
                let since = leaf.lastHeartbeat.map { "stale since \(KubeTime.format($0))" } ?? "has never reported a readable heartbeat"
                let sessions = leaf.otherGatewaySessions > 0
                    ? ", last reported \(leaf.otherGatewaySessionsEstablished) of \(leaf.otherGatewaySessions) sessions with other gateways established"
                    : ""
                down.append("\(leaf.name) (\(since)\(sessions))")
            } else if leaf.otherGatewaySessions == 0 {
                unproven.append(leaf.name)
            } else if leaf.otherGatewaySessionsEstablished == 0 {
                down.append("\(leaf.name) (heartbeat fresh, its sessions with other gateways are down too: 0 of \(leaf.otherGatewaySessions) established)")
            }
        }
        if !down.isEmpty {
            return .fabric("the leaves at the other end of \(name) are down: \(down.joined(separator: "; ")); the fault is the fabric's, frr is not restarted")
        }
        if !unproven.isEmpty {
            return .unattributed("\(unproven.joined(separator: ", ")) \(unproven.count == 1 ? "holds" : "hold") no session with another gateway: nothing shows \(unproven.count == 1 ? "it" : "them") able to hold one, so a fault of \(name) cannot be told from a fault of the fabric; frr is not restarted")
        }
        return .gateway
    }
}
