import Foundation

/// Everything the evaluator looks at for one gateway.
public struct GatewayInputs: Sendable {
    public var gateway: GatewayView?
    public var agent: GatewayAgentView?
    /// The gateway's dataplane and frr pods (pods of other gateways are ignored).
    public var pods: [PodView]
    /// Switch Agents (leaves and spines) whose BGP sessions may show the gateway alive. A fleet
    /// index may narrow this to the Agents reporting a session with the gateway's router ID (the
    /// only ones the liveness rule can use) and give the fleet's count in `switchAgentTotal`.
    public var switchAgents: [SwitchAgentView]
    /// How many switch Agents the fleet has when `switchAgents` was narrowed; nil means
    /// `switchAgents` is all of them. Whether any exist at all decides the liveness fallback.
    public var switchAgentTotal: Int?
    /// False when the Agent CRD is absent or unreadable: the model then falls back to weaker evidence.
    public var switchAgentsVisible: Bool
    /// The other members of those of the gateway's groups that carry a peering (docs §3.10,
    /// §3.11), each once, by name. Empty when none of its groups carries a peering.
    public var groupPeers: [GroupPeer]

    public init(gateway: GatewayView?, agent: GatewayAgentView?, pods: [PodView] = [],
                switchAgents: [SwitchAgentView] = [], switchAgentsVisible: Bool = true, switchAgentTotal: Int? = nil,
                groupPeers: [GroupPeer] = []) {
        self.gateway = gateway
        self.agent = agent
        self.pods = pods
        self.switchAgents = switchAgents
        self.switchAgentsVisible = switchAgentsVisible
        self.switchAgentTotal = switchAgentTotal
        self.groupPeers = groupPeers
    }

    /// How many switch Agents the fleet has (narrowed or not).
    public var switchAgentCount: Int { switchAgentTotal ?? switchAgents.count }

    /// The gateway's name: the Gateway's, else its GatewayAgent's (they share it).
    public var gatewayName: String { gateway?.name ?? agent?.name ?? "" }

    /// The protocol IP (the gateway's BGP router ID), from the Gateway or else its GatewayAgent.
    public var protocolIP: String? { gateway?.protocolIP ?? agent?.protocolIP }
}

/// Another member of one of the gateway's peering-carrying groups: what its Forwarding is judged
/// from (the same pure function as the gateway's own, `ForwardingRule.judge`).
public struct GroupPeer: Sendable {
    public var gateway: GatewayView?
    public var agent: GatewayAgentView?
    /// The switch Agents reporting a session with its router ID.
    public var switchAgents: [SwitchAgentView]

    public init(gateway: GatewayView?, agent: GatewayAgentView?, switchAgents: [SwitchAgentView] = []) {
        self.gateway = gateway
        self.agent = agent
        self.switchAgents = switchAgents
    }

    public var name: String { gateway?.name ?? agent?.name ?? "" }
    public var protocolIP: String? { gateway?.protocolIP ?? agent?.protocolIP }
}

/// The five states, in the order the rules try them (docs §2).
public enum GatewayState: String, Codable, Sendable, CaseIterable {
    case waiting = "WAITING", up = "UP", down = "DOWN", keepaliveFail = "KEEPALIVE_FAIL", configFail = "CONFIG_FAIL"
}

/// The condition types of the standard rules, all of positive polarity (docs §3); their order in
/// the status is the registry's (`HealthRules.standard`).
public enum ConditionType {
    public static let ready = "Ready"
    public static let heartbeat = "Heartbeat"
    public static let configApplied = "ConfigApplied"
    public static let routingApplied = "RoutingApplied"
    public static let podsReady = "PodsReady"
    public static let bgpEstablished = "BGPEstablished"
    public static let bgpStable = "BGPStable"
    public static let trafficHealthy = "TrafficHealthy"
    public static let forwarding = "Forwarding"
    public static let peeringsHealthy = "PeeringsHealthy"
    public static let groupRedundancy = "GroupRedundancy"
    public static let agentVersionCurrent = "AgentVersionCurrent"
    /// The standard status's conditions in order: derived from the rule registry.
    public static var all: [String] { HealthRules.standard.conditions }
}
