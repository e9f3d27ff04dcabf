import Foundation
import KubeAPI

/// StateNotCollected (docs §3.9): the dataplane heartbeats, but its collector of BGP and traffic
/// state has stalled. `status.state.lastCollectedTime` older than the heartbeat's stale threshold
/// (keepaliveInterval × missedKeepalives) while the heartbeat is fresh makes every condition judged
/// from that state Unknown: BGPEstablished, BGPStable, TrafficHealthy, Forwarding, PeeringsHealthy.
enum StateCollection {
    static let reason = "StateNotCollected"

    /// The message when the state is not current; nil when it is (or when nothing says so: no
    /// `lastCollectedTime`, or one that does not parse). Aged against the heartbeat's own stamp:
    /// both are written by the gateway's clock, so a skewed clock (§3.2) changes nothing.
    static func notCollected(_ agent: GatewayAgentView?, heartbeatFresh: Bool, policy: HealthPolicy) -> String? {
        guard heartbeatFresh, let agent, let beat = agent.lastHeartbeat.value, let text = agent.lastCollectedTime,
              let collected = KubeTime.parse(text)?.wholeSeconds,
              beat.timeIntervalSince(collected) > policy.heartbeatStaleAfter else { return nil }
        return "status.state was last collected at \(KubeTime.format(collected)), more than \(describe(policy.heartbeatStaleAfter)) before the fresh heartbeat at \(KubeTime.format(beat)): the dataplane's state collector has stalled and its BGP and traffic state is not current"
    }

    /// The same for the gateway being evaluated (its heartbeat as the heartbeat rule judged it).
    static func notCollected(_ context: RuleContext) -> String? {
        notCollected(context.inputs.agent, heartbeatFresh: context.heartbeat?.status == .fresh, policy: context.policy)
    }
}
