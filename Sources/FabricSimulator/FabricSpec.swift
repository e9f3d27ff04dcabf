import Foundation

/// The shape of a simulated Hedgehog fabric. Gateways are `gateway-1` … `gateway-N`; they are
/// cut into gateway groups of `gatewaysPerGroup` consecutive gateways (`gw-group-1`, …, the first
/// member has the highest priority) and each group carries one GatewayPeering between two VPCs.
/// Every `gatewaysPerLeafSet` consecutive gateways share a set of `leavesPerGateway` leaves, with
/// one BGP session from each gateway to each leaf of its set. Peerings stay on these small groups
/// (never on `default`, which holds every gateway): a gateway's group is what the health model
/// compares it with, and a peering on `default` would make that the whole fleet.
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
    /// The NAT of each peering's first VPC, in turn by peering (peering k gets
    /// `peeringNAT[k % count]`); empty means no NAT anywhere.
    public var peeringNAT: [PeeringNAT]
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
        peeringNAT: [PeeringNAT] = PeeringNAT.everyKind,
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
        self.peeringNAT = peeringNAT
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
        for (i, nat) in peeringNAT.enumerated() {
            if let timeout = nat.idleTimeout, !PeeringNAT.isGoDuration(timeout) {
                throw fail("peeringNAT[\(i)]", "idleTimeout '\(timeout)' is not a Go duration such as 2m0s")
            }
        }
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

/// The NAT a peering applies to its first VPC's exposed addresses, as
/// `GatewayPeering.spec.peering.<vpc>.expose[].nat` holds it: one of `masquerade`, `portForward`
/// (both with an `idleTimeout`, after which idle flows leave the connection table) or `static`.
public enum PeeringNAT: Sendable, Equatable {
    case noNAT
    case masquerade(idleTimeout: String)
    case portForward(idleTimeout: String)
    case `static`

    /// One of each kind, the default rotation over peerings: the first peering has no NAT.
    public static let everyKind: [PeeringNAT] = [.noNAT, .masquerade(idleTimeout: "2m0s"), .portForward(idleTimeout: "5m0s"), .static]

    /// The kind's key under `nat` (nil without NAT).
    public var kind: String? {
        switch self {
        case .noNAT: nil
        case .masquerade: "masquerade"
        case .portForward: "portForward"
        case .static: "static"
        }
    }

    public var idleTimeout: String? {
        switch self {
        case .masquerade(let timeout), .portForward(let timeout): timeout
        case .noNAT, .static: nil
        }
    }

    /// A duration as Go's time.ParseDuration (metav1.Duration) reads it: `2m0s`, `90s`, `1.5h`.
    static func isGoDuration(_ text: String) -> Bool {
        var rest = Substring(text)
        guard !rest.isEmpty else { return false }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, Double(number) != nil else { return false }
            rest = rest.dropFirst(number.count)
            // Two-letter units first, so `ms` is not read as minutes followed by junk.
            guard let unit = ["ns", "us", "µs", "ms", "s", "m", "h"].first(where: { rest.hasPrefix($0) }) else { return false }
            rest = rest.dropFirst(unit.count)
        }
        return true
    }
}
