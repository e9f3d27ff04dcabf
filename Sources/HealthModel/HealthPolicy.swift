import Foundation
import KubeAPI

/// Every threshold of the health model, in seconds where it is a duration. Documented, with the
/// reasons for each default, in docs/health-model.md §4.
public struct HealthPolicy: Sendable, Codable, Equatable {
    /// A gateway that has never reported is WAITING for this long after creation; a dataplane in its
    /// init status is WAITING for this long after its container started. (§2.1)
    public var startupGrace: Double
    /// A pod container may be not ready for this long before the gateway is DOWN. (§2.2)
    public var podGrace: Double
    /// How often the dataplane writes its heartbeat. (§3.2)
    public var keepaliveInterval: Double
    /// How many heartbeats may be missed before the heartbeat is stale. (§3.2)
    public var missedKeepalives: Int
    /// How long `lastAppliedGen` (or FRR's) may lag before CONFIG_FAIL. (§2.4)
    public var applyTimeout: Double
    /// BGPStable turns False when a neighbour's counter rises by more than this within the window. (§3.7)
    public var bgpFlapThreshold: Int
    /// The window for bgpFlapThreshold. (§3.7)
    public var bgpFlapWindow: Double
    /// TrafficHealthy turns False when drops rise by this fraction of packets or more. (§3.8)
    public var dropRatioThreshold: Double
    /// A heartbeat up to this far ahead of the operator's clock counts as "just now"; a gateway
    /// clock off by more than this, either way, is skew: its heartbeats are judged by when they
    /// arrive. (§3.2)
    public var heartbeatFutureTolerance: Double
    /// A switch Agent's own heartbeat must be at most this old for its BGP sessions to count. (§2.3)
    public var switchAgentStaleAfter: Double
    /// Container waiting reasons that make a pod count as down at once, without the pod grace. (§2.2)
    public var immediateFailureReasons: [String]
    /// PodsReady turns False `ContainerRestarting` when a container's restartCount rises by more
    /// than this within the window, across observations. (§3.5)
    public var containerRestartThreshold: Int
    /// The window for containerRestartThreshold. (§3.5)
    public var containerRestartWindow: Double
    /// A peering whose packets rose within this long is expected to carry traffic. (§3.10)
    public var peeringActivityWindow: Double
    /// Such a peering showing no new packets for longer than this on its group's active member
    /// is PeeringTrafficStopped. (§3.10)
    public var peeringStoppedAfter: Double

    public init(startupGrace: Double = 300, podGrace: Double = 60, keepaliveInterval: Double = 15,
                missedKeepalives: Int = 3, applyTimeout: Double = 120, bgpFlapThreshold: Int = 2,
                bgpFlapWindow: Double = 600, dropRatioThreshold: Double = 0.01,
                heartbeatFutureTolerance: Double = 30, switchAgentStaleAfter: Double = 45,
                immediateFailureReasons: [String] = ["CrashLoopBackOff"], containerRestartThreshold: Int = 3,
                containerRestartWindow: Double = 3600,
                peeringActivityWindow: Double = 3600, peeringStoppedAfter: Double = 600) {
        self.startupGrace = startupGrace
        self.podGrace = podGrace
        self.keepaliveInterval = keepaliveInterval
        self.missedKeepalives = missedKeepalives
        self.applyTimeout = applyTimeout
        self.bgpFlapThreshold = bgpFlapThreshold
        self.bgpFlapWindow = bgpFlapWindow
        self.dropRatioThreshold = dropRatioThreshold
        self.heartbeatFutureTolerance = heartbeatFutureTolerance
        self.switchAgentStaleAfter = switchAgentStaleAfter
        self.immediateFailureReasons = immediateFailureReasons
        self.containerRestartThreshold = containerRestartThreshold
        self.containerRestartWindow = containerRestartWindow
        self.peeringActivityWindow = peeringActivityWindow
        self.peeringStoppedAfter = peeringStoppedAfter
    }

    public static let `default` = HealthPolicy()

    /// A heartbeat older than this is stale: keepaliveInterval × missedKeepalives (45 s by default).
    public var heartbeatStaleAfter: Double { keepaliveInterval * Double(missedKeepalives) }

    /// Whether a switch Agent's heartbeat at `beat` is fresh: at most `switchAgentStaleAfter` old;
    /// slightly in the future (within the skew tolerance) counts as fresh, far in the future does
    /// not (§2.3). Remediation's fault attribution judges the leaves by the same measure.
    public func switchAgentHeartbeatIsFresh(_ beat: Date?, now: Date) -> Bool {
        guard let beat else { return false }
        let age = now.timeIntervalSince(beat)
        return age >= -heartbeatFutureTolerance && age <= switchAgentStaleAfter
    }

    /// Missing keys take their defaults, so a config file may set only what it changes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HealthPolicy.default
        startupGrace = try c.decodeDurationIfPresent(forKey: .startupGrace) ?? d.startupGrace
        podGrace = try c.decodeDurationIfPresent(forKey: .podGrace) ?? d.podGrace
        keepaliveInterval = try c.decodeDurationIfPresent(forKey: .keepaliveInterval) ?? d.keepaliveInterval
        missedKeepalives = try c.decodeIfPresent(Int.self, forKey: .missedKeepalives) ?? d.missedKeepalives
        applyTimeout = try c.decodeDurationIfPresent(forKey: .applyTimeout) ?? d.applyTimeout
        bgpFlapThreshold = try c.decodeIfPresent(Int.self, forKey: .bgpFlapThreshold) ?? d.bgpFlapThreshold
        bgpFlapWindow = try c.decodeDurationIfPresent(forKey: .bgpFlapWindow) ?? d.bgpFlapWindow
        dropRatioThreshold = try c.decodeIfPresent(Double.self, forKey: .dropRatioThreshold) ?? d.dropRatioThreshold
        heartbeatFutureTolerance = try c.decodeDurationIfPresent(forKey: .heartbeatFutureTolerance) ?? d.heartbeatFutureTolerance
        switchAgentStaleAfter = try c.decodeDurationIfPresent(forKey: .switchAgentStaleAfter) ?? d.switchAgentStaleAfter
        immediateFailureReasons = try c.decodeIfPresent([String].self, forKey: .immediateFailureReasons) ?? d.immediateFailureReasons
        containerRestartThreshold = try c.decodeIfPresent(Int.self, forKey: .containerRestartThreshold) ?? d.containerRestartThreshold
        containerRestartWindow = try c.decodeDurationIfPresent(forKey: .containerRestartWindow) ?? d.containerRestartWindow
        peeringActivityWindow = try c.decodeDurationIfPresent(forKey: .peeringActivityWindow) ?? d.peeringActivityWindow
        peeringStoppedAfter = try c.decodeDurationIfPresent(forKey: .peeringStoppedAfter) ?? d.peeringStoppedAfter
    }
}
