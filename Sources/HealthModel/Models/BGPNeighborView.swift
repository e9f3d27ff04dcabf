import Foundation

/// `sessionState` of a gateway's BGP neighbour (the GatewayAgent CRD enum).
public enum BGPSessionState: String, Sendable, Codable, CaseIterable {
    case unset, idle, connect, active, open, established
}

/// One entry of `status.state.bgp.vrfs.<vrf>.neighbors.<address>` of a GatewayAgent.
///
/// Its fields are declared widest first and the one-byte ones last (Swift lays them out in
/// declaration order): 120 bytes a neighbour instead of 128.
public struct BGPNeighborView: Sendable, Equatable {
    public var vrf: String
    /// The map key: the neighbour's address.
    public var address: String
    public var remoteRouterID: String?
    /// `ipv4UnicastPrefixes` (`received`, `sent`): `.absent` when the session reports no such
    /// object; a count the object omits is 0 (Go omits a zero).
    public var ipv4Prefixes: Reading<PrefixCounts>
    public var peerAS: Int64?
    public var establishedTransitions: Reading<Int64>
    public var connectionsDropped: Reading<Int64>
    /// `enabled`; nil when not reported (treated as enabled).
    public var enabled: Bool?
    public var sessionState: Reading<BGPSessionState>

    public init(vrf: String, address: String, enabled: Bool? = nil, sessionState: Reading<BGPSessionState>,
                remoteRouterID: String? = nil, peerAS: Int64? = nil,
                establishedTransitions: Reading<Int64> = .absent, connectionsDropped: Reading<Int64> = .absent,
                ipv4Prefixes: Reading<PrefixCounts> = .absent) {
        self.vrf = vrf
        self.address = address
        self.enabled = enabled
        self.sessionState = sessionState
        self.remoteRouterID = remoteRouterID
        self.peerAS = peerAS
        self.establishedTransitions = establishedTransitions
        self.connectionsDropped = connectionsDropped
        self.ipv4Prefixes = ipv4Prefixes
    }

    /// `vrf/address`, the key under which counters are remembered.
    public var key: String { "\(vrf)/\(address)" }
}

/// Prefixes a BGP session received from and sent to its peer.
public struct PrefixCounts: Sendable, Equatable {
    public var received: Int64
    public var sent: Int64
    public init(received: Int64, sent: Int64) {
        self.received = received
        self.sent = sent
    }
}

/// A traffic counter set of a GatewayAgent: `status.state.vpcs.<vpc>` or
/// `status.state.peerings.<a>-><b>` (`p` packets, `d` drops).
///
/// `kind` is declared last so that it fills the padding after `drops`: 48 bytes a counter, not 56.
public struct TrafficCounterView: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable { case vpc, peering }
    public var name: String
    public var packets: Reading<Int64>
    public var drops: Reading<Int64>
    public var kind: Kind

    public init(kind: Kind, name: String, packets: Reading<Int64>, drops: Reading<Int64>) {
        self.kind = kind
        self.name = name
        self.packets = packets
        self.drops = drops
    }

    /// `vpc:<name>` or `peering:<a>-><b>`, the key under which counters are remembered.
    public var key: String { "\(kind.rawValue):\(name)" }
}
