import Foundation
import KubeAPI

/// `state` of a switch's BGP neighbour (the switch Agent CRD's FRR-style names).
public enum LeafSessionState: String, Sendable, Codable, CaseIterable {
    case idle, connect, active, openSent, openConfirm, established
}

/// One entry of an Agent's `status.state.bgpNeighbors.<vrf>.<neighbor-ip>`. The one-byte
/// fields are declared last (Swift lays fields out in declaration order): 64 bytes a session, not 80.
public struct LeafSessionView: Sendable, Equatable {
    public var vrf: String
    public var neighbor: String
    public var remoteRouterID: String?
    /// Prefixes the switch received on this session: the sum of `prefixes.<family>.rec` over the
    /// address families it reports (`IPV4_UNICAST`, `L2VPN_EVPN`…); nil when it reports none.
    public var receivedPrefixes: Int64?
    public var state: Reading<LeafSessionState>
    public var enabled: Bool?

    public init(vrf: String, neighbor: String, state: Reading<LeafSessionState>, remoteRouterID: String?, enabled: Bool? = nil,
                receivedPrefixes: Int64? = nil) {
        self.vrf = vrf
        self.neighbor = neighbor
        self.state = state
        self.remoteRouterID = remoteRouterID
        self.enabled = enabled
        self.receivedPrefixes = receivedPrefixes
    }

    public var isEstablished: Bool { state.value == .established && enabled != false }
}

/// The fields of an `agent.githedgehog.com/v1beta1` Agent (a switch) that the model reads: its own
/// heartbeat and its BGP sessions. A leaf with a fresh heartbeat reporting an established session
/// whose `remoteRouterID` is a gateway's protocol IP shows that gateway's data plane is alive.
public struct SwitchAgentView: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var resourceVersion: String?
    public var generation: Int64?
    public var lastHeartbeat: Reading<Date>
    public var sessions: [LeafSessionView]
    public var problems: [FieldProblem]

    /// Every field at once: the byte reader (`ViewScanning`) builds the view with it.
    package init(name: String, namespace: String, resourceVersion: String?, generation: Int64?,
                 lastHeartbeat: Reading<Date>, sessions: [LeafSessionView], problems: [FieldProblem]) {
        self.name = name
        self.namespace = namespace
        self.resourceVersion = resourceVersion
        self.generation = generation
        self.lastHeartbeat = lastHeartbeat
        self.sessions = sessions
        self.problems = problems
    }

    public init(json: JSONValue) {
        var reader = FieldReader()
        let meta = MetadataFields(json, &reader)
        name = meta.name
        namespace = meta.namespace
        resourceVersion = meta.resourceVersion
        generation = meta.generation.value
        lastHeartbeat = reader.time(json, ["status", "lastHeartbeat"])
        sessions = []
        let base = ["status", "state", "bgpNeighbors"]
        if let vrfs = reader.object(json, base).value {
            for vrf in vrfs.keys.sorted() {
                guard let neighbors = reader.object(json, base + [vrf]).value else { continue }
                for address in neighbors.keys.sorted() {
                    let path = base + [vrf, address]
                    let state: Reading<LeafSessionState>
                    switch reader.string(json, path + ["state"]) {
                    case .absent: state = .absent
                    case .invalid: state = .invalid
                    case .value(let text):
                        if let known = LeafSessionState(rawValue: text) {
                            state = .value(known)
                        } else {
                            reader.note(path + ["state"], "session state \"\(text.prefix(32))\" is not one of idle|connect|active|openSent|openConfirm|established")
                            state = .invalid
                        }
                    }
                    let routerID = reader.string(json, path + ["remoteRouterID"]).value.map(bareAddress)
                    var received: Int64?
                    if let families = reader.object(json, path + ["prefixes"]).value {
                        for family in families.keys.sorted() {
                            guard let rec = reader.int(json, path + ["prefixes", family, "rec"], nonNegative: true).value else { continue }
                            received = (received ?? 0) &+ rec
                        }
                    }
                    sessions.append(LeafSessionView(vrf: vrf, neighbor: address, state: state, remoteRouterID: routerID,
                                                    enabled: reader.bool(json, path + ["enabled"]).value, receivedPrefixes: received))
                }
            }
        }
        problems = reader.problems
    }
}
