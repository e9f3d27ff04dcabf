import Foundation

/// `sessionState` of a gateway's BGP neighbour (the GatewayAgent CRD enum).
public enum BGPSessionState: String, Sendable, Codable, CaseIterable {
    case unset, idle, connect, active, open, established
}

/// One entry of `status.state.bgp.vrfs.<vrf>.neighbors.<address>` of a GatewayAgent.
public struct BGPNeighborView: Sendable, Equatable {
    public var vrf: String
    /// The map key: the neighbour's address.
    public var address: String
    /// `enabled`; nil when not reported (treated as enabled).
    public var enabled: Bool?
    public var sessionState: Reading<BGPSessionState>
    public var remoteRouterID: String?
    public var peerAS: Int64?
    public var establishedTransitions: Reading<Int64>
    public var connectionsDropped: Reading<Int64>

    public init(vrf: String, address: String, enabled: Bool? = nil, sessionState: Reading<BGPSessionState>,
                remoteRouterID: String? = nil, peerAS: Int64? = nil,
                establishedTransitions: Reading<Int64> = .absent, connectionsDropped: Reading<Int64> = .absent) {
        self.vrf = vrf
        self.address = address
        self.enabled = enabled
        self.sessionState = sessionState
        self.remoteRouterID = remoteRouterID
        self.peerAS = peerAS
        self.establishedTransitions = establishedTransitions
        self.connectionsDropped = connectionsDropped
    }

    /// `vrf/address`, the key under which counters are remembered.
    public var key: String { "\(vrf)/\(address)" }
}

/// A traffic counter set of a GatewayAgent: `status.state.vpcs.<vpc>` or
/// `status.state.peerings.<a>-><b>` (`p` packets, `d` drops).
public struct TrafficCounterView: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable { case vpc, peering }
    public var kind: Kind
    public var name: String
    public var packets: Reading<Int64>
    public var drops: Reading<Int64>

    public init(kind: Kind, name: String, packets: Reading<Int64>, drops: Reading<Int64>) {
        self.kind = kind
        self.name = name
        self.packets = packets
        self.drops = drops
    }

    /// `vpc:<name>` or `peering:<a>-><b>`, the key under which counters are remembered.
    public var key: String { "\(kind.rawValue):\(name)" }
}
