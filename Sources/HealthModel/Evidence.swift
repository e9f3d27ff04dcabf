import Foundation

/// Which evidence showed the data plane alive while the heartbeat was stale (docs §2.3).
public enum LivenessEvidence: String, Sendable, Codable {
    /// The heartbeat is fresh: no liveness evidence was needed.
    case notNeeded = "NotNeeded"
    /// A switch Agent with a fresh heartbeat reports an established session to the gateway.
    case switchAgentBGP = "SwitchAgentBGP"
    /// No switch Agent is visible; the gateway's pods are Running and Ready (weaker).
    case podsRunningReady = "PodsRunningReady"
    /// Nothing shows the data plane alive.
    case none = "None"
}

/// One BGP neighbour as judged by BGPEstablished.
public struct NeighborEvidence: Sendable, Hashable, Codable {
    public var vrf: String?
    public var address: String
    /// The session state, `absent` (expected but not reported) or `invalid`.
    public var state: String
    /// Listed in the Gateway's `spec.neighbors`.
    public var expected: Bool
    public var enabled: Bool?
    public var established: Bool
}

/// One traffic counter and how it moved since the last observation.
public struct CounterEvidence: Sendable, Equatable, Codable {
    public var key: String
    public var packets: Int64?
    public var drops: Int64?
    public var deltaPackets: Int64?
    public var deltaDrops: Int64?
    /// `new` (baseline recorded), `reset` (went down: dataplane restart), `compared`, `invalid`.
    public var note: String
}

/// One gateway pod as judged by PodsReady.
public struct PodEvidence: Sendable, Hashable, Codable {
    public var name: String
    public var role: String
    public var phase: String
    public var ready: String
    public var restarts: Int64
    public var terminating: Bool
    public var detail: String?
}

/// The facts behind a verdict, for the SRE who is paged.
public struct Evidence: Sendable, Equatable, Codable {
    /// `status.lastHeartbeat` as reported (normalised to RFC 3339 when it parses). The persisted
    /// status leaves it out while the heartbeat is fresh (see `Assessment.persistedEvidence`).
    public var heartbeat: String?
    public var appliedGeneration: Int64?
    public var currentGeneration: Int64?
    public var frrAppliedGeneration: Int64?
    /// When the configuration (or FRR) began to lag, RFC 3339; nil when not lagging.
    public var configLagSince: String?
    public var routingLagSince: String?
    public var bgpEstablished: Int
    public var bgpTotal: Int
    public var neighbors: [NeighborEvidence]
    public var counters: [CounterEvidence]
    public var pods: [PodEvidence]
    public var podsSummary: String
    public var liveness: LivenessEvidence
    public var livenessDetail: String
    public var groups: [String]
    public var problems: [FieldProblem]

    public init() {
        bgpEstablished = 0
        bgpTotal = 0
        neighbors = []
        counters = []
        pods = []
        podsSummary = ""
        liveness = .notNeeded
        livenessDetail = ""
        groups = []
        problems = []
    }

    /// `established/total`, for the printer column.
    public var bgpSummary: String { "\(bgpEstablished)/\(bgpTotal)" }
}
