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

/// What the evaluator must remember between evaluations. It is persisted in the GatewayHealth
/// status (see Persistence.swift), so restarting the operator resets no timer. An empty memory
/// means "first sight": timers are then seeded from the objects themselves (docs §5).
public struct HealthMemory: Sendable, Equatable {
    /// When this memory was last written by an evaluation.
    public var evaluatedAt: Date?
    /// When the operator first saw this gateway (used when no creationTimestamp is known).
    public var firstSeen: Date?
    /// A heartbeat that cannot be trusted (unparseable or far in the future) and when the operator
    /// first saw that exact value: its staleness is measured on the operator's clock instead.
    public var heartbeatKey: String?
    public var heartbeatSeenAt: Date?
    /// When `lastAppliedGen` started lagging `metadata.generation`.
    public var configLagSince: Date?
    /// When `state.frr.lastAppliedGen` started lagging `lastAppliedGen`.
    public var routingLagSince: Date?
    /// Per pod role: when a not-ready container was first seen, if the pod gives no better time.
    public var podIssueSince: [String: Date]
    /// Per `vrf/address`: BGP flap counters at the last observation.
    public var bgpCounters: SmallMap<BGPCounterSample>
    /// Counter rises still inside the flap window.
    public var flaps: [FlapRecord]
    /// Identifies the counter collection last compared (`lastCollectedTime`, else the heartbeat).
    public var trafficStamp: String?
    /// Per `vpc:<name>` / `peering:<a>-><b>`: traffic counters at the last observation.
    public var traffic: SmallMap<TrafficSample>

    public init(evaluatedAt: Date? = nil, firstSeen: Date? = nil, heartbeatKey: String? = nil, heartbeatSeenAt: Date? = nil,
                configLagSince: Date? = nil, routingLagSince: Date? = nil, podIssueSince: [String: Date] = [:],
                bgpCounters: SmallMap<BGPCounterSample> = [:], flaps: [FlapRecord] = [], trafficStamp: String? = nil,
                traffic: SmallMap<TrafficSample> = [:]) {
        self.evaluatedAt = evaluatedAt
        self.firstSeen = firstSeen
        self.heartbeatKey = heartbeatKey
        self.heartbeatSeenAt = heartbeatSeenAt
        self.configLagSince = configLagSince
        self.routingLagSince = routingLagSince
        self.podIssueSince = podIssueSince
        self.bgpCounters = bgpCounters
        self.flaps = flaps
        self.trafficStamp = trafficStamp
        self.traffic = traffic
    }
}
