import Foundation

/// BGP counters of one neighbour at the last observation.
public struct BGPCounterSample: Sendable, Equatable, Codable {
    public var transitions: Int64?
    public var dropped: Int64?
    public init(transitions: Int64?, dropped: Int64?) {
        self.transitions = transitions
        self.dropped = dropped
    }
}

/// A rise of one neighbour's flap counters, remembered while inside the flap window.
public struct FlapRecord: Sendable, Equatable {
    public var neighbor: String
    public var at: Date
    public var transitions: Int64
    public var dropped: Int64
    public init(neighbor: String, at: Date, transitions: Int64, dropped: Int64) {
        self.neighbor = neighbor
        self.at = at
        self.transitions = transitions
        self.dropped = dropped
    }
}

/// Packet and drop counters of one VPC or peering at the last observation.
public struct TrafficSample: Sendable, Equatable, Codable {
    public var packets: Int64
    public var drops: Int64
    public init(packets: Int64, drops: Int64) {
        self.packets = packets
        self.drops = drops
    }
}

/// A pod and those of its containers whose failure made the gateway DOWN (docs §2.2 "One
/// incident, one DOWN"): while that pod lives, the DOWN lasts until they are Ready again.
public struct FailedContainers: Sendable, Equatable {
    /// The pod's `metadata.uid` (its name when it has none): a replacement pod is another pod.
    public var pod: String
    public var containers: [String]
    public init(pod: String, containers: [String]) {
        self.pod = pod
        self.containers = containers
    }
}

/// A rise of a container's `restartCount` between two observations, remembered while inside
/// the restart window (docs §3.5 `ContainerRestarting`).
public struct RestartRise: Sendable, Equatable {
    /// `<role>/<container>`, e.g. `dataplane/dataplane`.
    public var container: String
    public var at: Date
    public var restarts: Int64
    public init(container: String, at: Date, restarts: Int64) {
        self.container = container
        self.at = at
        self.restarts = restarts
    }
}

/// What the evaluator must remember between evaluations. It is persisted in the GatewayHealth
/// status (see Persistence.swift), so restarting the operator resets no timer. An empty memory
/// means "first sight": timers are then seeded from the objects themselves (docs §5).
public struct HealthMemory: Sendable, Equatable {
    /// When this memory was last written by an evaluation.
    public var evaluatedAt: Date?
    /// When the operator first saw this gateway (used when no creationTimestamp is known).
    public var firstSeen: Date?
    /// The heartbeat value last seen (`status.lastHeartbeat` normalised, `raw:<text>` when it does
    /// not parse, `unreadable:<resourceVersion>` for an unreadable GatewayAgent) and when the
    /// operator first saw that exact value: a heartbeat whose time cannot be trusted is judged by
    /// whether its value still changes, on the operator's own clock (docs §3.2).
    public var heartbeatKey: String?
    public var heartbeatSeenAt: Date?
    /// How far the gateway's clock runs behind the operator's, in seconds (negative: ahead), as
    /// measured on the last heartbeat the operator saw arrive (its value changed while it was
    /// watching): when first seen minus its stamp. Nil until one was seen arriving.
    public var heartbeatClockOffset: Double?
    /// When `lastAppliedGen` started lagging `metadata.generation`.
    public var configLagSince: Date?
    /// When `state.frr.lastAppliedGen` started lagging `lastAppliedGen`.
    public var routingLagSince: Date?
    /// Per pod role: when a not-ready container was first seen, if the pod gives no better time.
    public var podIssueSince: [String: Date]
    /// Per pod role: the containers whose failure made the gateway DOWN, kept while it is DOWN.
    public var failedContainers: [String: FailedContainers]
    /// Per `<role>/<container>`: `restartCount` at the last observation; nil when never
    /// observed (first sight: a baseline, not a rise).
    public var containerRestarts: [String: Int64]?
    /// Restart count rises still inside the restart window.
    public var restartRises: [RestartRise]
    /// Per `vrf/address`: BGP flap counters at the last observation.
    public var bgpCounters: SmallMap<BGPCounterSample>
    /// Counter rises still inside the flap window.
    public var flaps: [FlapRecord]
    /// Identifies the counter collection last compared (`lastCollectedTime`, else the heartbeat).
    public var trafficStamp: String?
    /// Per `vpc:<name>` / `peering:<a>-><b>`: traffic counters at the last observation.
    public var traffic: SmallMap<TrafficSample>
    /// Per expected peering (its `spec.peerings` name): the last collection in which its packets
    /// rose, kept while within `peeringActivityWindow` (PeeringsHealthy, docs §3.10).
    public var peeringRises: SmallMap<Date> = [:]

    public init(evaluatedAt: Date? = nil, firstSeen: Date? = nil, heartbeatKey: String? = nil, heartbeatSeenAt: Date? = nil,
                heartbeatClockOffset: Double? = nil, configLagSince: Date? = nil, routingLagSince: Date? = nil, podIssueSince: [String: Date] = [:],
                failedContainers: [String: FailedContainers] = [:], containerRestarts: [String: Int64]? = nil,
                restartRises: [RestartRise] = [], bgpCounters: SmallMap<BGPCounterSample> = [:], flaps: [FlapRecord] = [], trafficStamp: String? = nil,
                traffic: SmallMap<TrafficSample> = [:]) {
        self.evaluatedAt = evaluatedAt
        self.firstSeen = firstSeen
        self.heartbeatKey = heartbeatKey
        self.heartbeatSeenAt = heartbeatSeenAt
        self.heartbeatClockOffset = heartbeatClockOffset
        self.configLagSince = configLagSince
        self.routingLagSince = routingLagSince
        self.podIssueSince = podIssueSince
        self.failedContainers = failedContainers
        self.containerRestarts = containerRestarts
        self.restartRises = restartRises
        self.bgpCounters = bgpCounters
        self.flaps = flaps
        self.trafficStamp = trafficStamp
        self.traffic = traffic
    }
}
