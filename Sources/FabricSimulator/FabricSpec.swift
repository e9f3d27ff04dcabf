import Foundation

/// The shape of a simulated Hedgehog fabric. Gateways are `gateway-1` … `gateway-N`; they are
/// cut into gateway groups of `gatewaysPerGroup` consecutive gateways (`gw-group-1`, …, the first
/// member has the highest priority) and each group carries one GatewayPeering between two VPCs.
/// Every `gatewaysPerLeafSet` consecutive gateways share a set of `leavesPerGateway` leaves, with
/// one BGP session from each gateway to each leaf of its set.
public struct FabricSpec: Sendable, Equatable {
    public var gatewayCount: Int
    public var gatewaysPerGroup: Int
    public var leavesPerGateway: Int
    public var gatewaysPerLeafSet: Int
    /// Where the gateway pods live (Hedgehog's default is `fab`).
    public var gatewayNamespace: String
    /// Where Gateway, GatewayAgent, GatewayGroup, GatewayPeering and switch Agent objects live.
    public var fabricNamespace: String
    public var gatewayASN: Int64
    /// The first leaf's ASN; leaf j gets `firstLeafASN + j`.
    public var firstLeafASN: Int64
    public var agentVersion: String
    public var dataplaneVersion: String
    public var switchAgentVersion: String
    public var timing: FabricTiming
    public var traffic: FabricTraffic
    /// Seeds every random choice (pod suffixes, start jitter, traffic rates).
    public var seed: UInt64

    public init(
        gatewayCount: Int = 4,
        gatewaysPerGroup: Int = 2,
        leavesPerGateway: Int = 2,
        gatewaysPerLeafSet: Int = 4,
        gatewayNamespace: String = "fab",
        fabricNamespace: String = "default",
        gatewayASN: Int64 = 65534,
        firstLeafASN: Int64 = 65100,
        agentVersion: String = "v0.42.0",
        dataplaneVersion: String = "v0.42.0",
        switchAgentVersion: String = "v0.87.4",
        timing: FabricTiming = FabricTiming(),
        traffic: FabricTraffic = FabricTraffic(),
        seed: UInt64 = 1
    ) {
        self.gatewayCount = gatewayCount
        self.gatewaysPerGroup = gatewaysPerGroup
        self.leavesPerGateway = leavesPerGateway
        self.gatewaysPerLeafSet = gatewaysPerLeafSet
        self.gatewayNamespace = gatewayNamespace
        self.fabricNamespace = fabricNamespace
        self.gatewayASN = gatewayASN
        self.firstLeafASN = firstLeafASN
        self.agentVersion = agentVersion
        self.dataplaneVersion = dataplaneVersion
        self.switchAgentVersion = switchAgentVersion
        self.timing = timing
        self.traffic = traffic
        self.seed = seed
    }

    public var groupCount: Int { (gatewayCount + gatewaysPerGroup - 1) / max(1, gatewaysPerGroup) }
    public var leafCount: Int { leavesPerGateway * ((gatewayCount + gatewaysPerLeafSet - 1) / max(1, gatewaysPerLeafSet)) }

    /// The address plan has room for this many gateways and this many gateway–leaf links.
    public static let maximumGateways = 20_000
    public static let maximumLinks = 32_768

    public func validate() throws(FabricSimulatorError) {
        func fail(_ field: String, _ reason: String) -> FabricSimulatorError { .invalidSpec(field: field, reason: reason) }
        guard (1...Self.maximumGateways).contains(gatewayCount) else {
            throw fail("gatewayCount", "must be between 1 and \(Self.maximumGateways), got \(gatewayCount)")
        }
        guard gatewaysPerGroup >= 1 else { throw fail("gatewaysPerGroup", "must be at least 1, got \(gatewaysPerGroup)") }
        guard (1...8).contains(leavesPerGateway) else {
            throw fail("leavesPerGateway", "must be between 1 and 8, got \(leavesPerGateway)")
        }
        guard gatewaysPerLeafSet >= 1 else { throw fail("gatewaysPerLeafSet", "must be at least 1, got \(gatewaysPerLeafSet)") }
        guard gatewayCount * leavesPerGateway <= Self.maximumLinks else {
            throw fail("leavesPerGateway", "gatewayCount × leavesPerGateway must not exceed \(Self.maximumLinks)")
        }
        for (field, value) in [("gatewayNamespace", gatewayNamespace), ("fabricNamespace", fabricNamespace)]
        where !Self.isDNSLabel(value) {
            throw fail(field, "'\(value)' is not a valid namespace name (lowercase letters, digits, '-', at most 63)")
        }
        try timing.validate()
        try traffic.validate()
    }

    static func isDNSLabel(_ s: String) -> Bool {
        guard (1...63).contains(s.utf8.count), s.first != "-", s.last != "-" else { return false }
        return s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }
}

/// How fast things happen in the simulated fabric (seconds).
public struct FabricTiming: Sendable, Equatable {
    /// The dataplane's GatewayAgent status heartbeat (Hedgehog: 15 s).
    public var heartbeatInterval: TimeInterval
    /// How often a switch agent writes its Agent status.
    public var leafHeartbeatInterval: TimeInterval
    /// After bootstrap, each dataplane starts at `startupDelay` plus a random share of
    /// `startupSpread`, so heartbeats of many gateways are spread evenly over time.
    public var startupDelay: TimeInterval
    public var startupSpread: TimeInterval
    /// How long the dataplane takes to apply a generation it has seen.
    public var applyDelay: TimeInterval
    /// How long the DaemonSet takes to recreate a deleted or evicted pod.
    public var podRecreateDelay: TimeInterval
    /// The kubelet's first crash-loop back-off; it doubles up to `maximumCrashLoopBackoff`.
    public var crashLoopBackoff: TimeInterval
    public var maximumCrashLoopBackoff: TimeInterval
    /// How often the simulator lists the gateway pods to notice deletions made by others;
    /// nil turns the sweep off (then call `podDeleted(namespace:name:)` on every deletion).
    public var podSweepInterval: TimeInterval?
    /// BGP keepalive interval, for the message counters.
    public var bgpKeepaliveInterval: TimeInterval

    public init(
        heartbeatInterval: TimeInterval = 15,
        leafHeartbeatInterval: TimeInterval = 15,
        startupDelay: TimeInterval = 1,
        startupSpread: TimeInterval = 15,
        applyDelay: TimeInterval = 1,
        podRecreateDelay: TimeInterval = 2,
        crashLoopBackoff: TimeInterval = 10,
        maximumCrashLoopBackoff: TimeInterval = 300,
        podSweepInterval: TimeInterval? = 5,
        bgpKeepaliveInterval: TimeInterval = 3
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.leafHeartbeatInterval = leafHeartbeatInterval
        self.startupDelay = startupDelay
        self.startupSpread = startupSpread
        self.applyDelay = applyDelay
        self.podRecreateDelay = podRecreateDelay
        self.crashLoopBackoff = crashLoopBackoff
        self.maximumCrashLoopBackoff = maximumCrashLoopBackoff
        self.podSweepInterval = podSweepInterval
        self.bgpKeepaliveInterval = bgpKeepaliveInterval
    }

    func validate() throws(FabricSimulatorError) {
        let positive: [(String, TimeInterval)] = [
            ("heartbeatInterval", heartbeatInterval), ("leafHeartbeatInterval", leafHeartbeatInterval),
            ("crashLoopBackoff", crashLoopBackoff), ("bgpKeepaliveInterval", bgpKeepaliveInterval),
            ("podSweepInterval", podSweepInterval ?? 1),
        ]
        for (field, value) in positive where !(value > 0 && value.isFinite) {
            throw .invalidSpec(field: "timing.\(field)", reason: "must be a positive number of seconds, got \(value)")
        }
        let nonNegative: [(String, TimeInterval)] = [
            ("startupDelay", startupDelay), ("startupSpread", startupSpread), ("applyDelay", applyDelay),
            ("podRecreateDelay", podRecreateDelay), ("maximumCrashLoopBackoff", maximumCrashLoopBackoff),
        ]
        for (field, value) in nonNegative where !(value >= 0 && value.isFinite) {
            throw .invalidSpec(field: "timing.\(field)", reason: "must be zero or more seconds, got \(value)")
        }
    }
}

/// Traffic through each peering direction; each direction gets its own seeded rate around these.
public struct FabricTraffic: Sendable, Equatable {
    public var packetsPerSecond: Double
    public var bytesPerPacket: Double

    public init(packetsPerSecond: Double = 60, bytesPerPacket: Double = 700) {
        self.packetsPerSecond = packetsPerSecond
        self.bytesPerPacket = bytesPerPacket
    }

    func validate() throws(FabricSimulatorError) {
        guard packetsPerSecond >= 0, packetsPerSecond.isFinite else {
            throw .invalidSpec(field: "traffic.packetsPerSecond", reason: "must be zero or more, got \(packetsPerSecond)")
        }
        guard bytesPerPacket >= 0, bytesPerPacket.isFinite else {
            throw .invalidSpec(field: "traffic.bytesPerPacket", reason: "must be zero or more, got \(bytesPerPacket)")
        }
    }
}
