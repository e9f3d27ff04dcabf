import Foundation
import KubeAPI

/// The containers a simulated fault can crash.
public enum GatewayContainer: String, Sendable, Hashable, CaseIterable {
    case dataplane
    case frr
}

/// The two DaemonSet pods every gateway runs.
enum PodRole: String, Sendable, Hashable, CaseIterable {
    case dataplane
    case frr

    var containers: [String] { self == .dataplane ? ["dataplane"] : ["frr", "frr-exporter"] }
}

struct SimContainer: Sendable {
    var name: String
    var restartCount: Int = 0
    var startedAt: Date
    var lastFailureAt: Date?
}

/// A pod as the kubelet knows it; `exists` turns false when someone deletes it.
struct SimPod: Sendable {
    var role: PodRole
    var name: String
    var createdAt: Date
    var containers: [SimContainer]
    var exists = true
    /// Recreated while the node was gone: scheduled but never started.
    var pending = false
    /// Counts pod creations, so a sweep ignores pods created while it was listing.
    var incarnation: Int
    /// Readiness as last written, and when it last flipped (the Ready condition's transition time).
    var ready = true
    var readyChangedAt: Date

    init(role: PodRole, name: String, at t: Date, incarnation: Int) {
        self.role = role
        self.name = name
        self.createdAt = t
        self.incarnation = incarnation
        readyChangedAt = t
        containers = role.containers.map { SimContainer(name: $0, startedAt: t) }
    }
}

/// BGP as both ends of the gateway's sessions see it (all its sessions share one fate).
struct BGPRuntime: Sendable {
    var up = false
    var upSince: Date?
    var lastEstablished: Date?
    var establishedTransitions: Int64 = 0
    var connectionsDropped: Int64 = 0
    var keepalivesBefore: Int64 = 0  // keepalives of earlier sessions
    var lastResetReason: String?

    func keepalives(at t: Date, interval: TimeInterval) -> Int64 {
        guard up, let since = upSince else { return keepalivesBefore }
        return keepalivesBefore + Int64(max(0, t.timeIntervalSince(since)) / interval)
    }
}

/// Routes not getting through although the gateway's sessions are established.
public enum RouteFault: Sendable, Equatable {
    case none
    /// The gateway advertises its routes but the leaves' import policy drops them: each leaf
    /// reports the session established with 0 prefixes received (`rec`) from the gateway.
    case leavesRejectRoutes
    /// Neither side takes the other's routes: the gateway reports 0 prefixes received and sent.
    case noRoutesExchanged
}

/// Traffic counters of one peering direction on one gateway.
struct DirectionCounters: Sendable {
    var packets = 0.0
    var bytes = 0.0
    var drops = 0.0
}

/// Everything that changes about one gateway while the simulation runs.
struct GatewayRuntime: Sendable {
    // Scripted faults.
    var heartbeatsStopped = false
    var rejectsConfig = false
    var frrStuck = false
    var nodeGone = false
    var bgpForcedDown = false
    /// Every leaf the gateway peers with is in maintenance: no session can come up.
    var leavesDown = false
    var dropRatio = 0.0
    /// How far the gateway node's clock runs behind the fabric's (negative: ahead): the
    /// dataplane stamps its status with its own clock.
    var clockBehind: TimeInterval = 0
    var crashing: Set<GatewayContainer> = []
    var crashEpochs: [GatewayContainer: Int] = [:]
    var crashBackoff: [GatewayContainer: TimeInterval] = [:]
    /// Healed containers running again whose readiness probe has not passed yet (`heal(readyAfter:)`).
    var awaitingReadiness: Set<GatewayContainer> = []
    /// Sessions established but routes not getting through (`setRouteFault`).
    var routeFault: RouteFault = .none
    /// Links whose session FRR runs with the wrong remote AS: link index → the AS it reports.
    var peerASMismatch: [Int: Int64] = [:]
    /// The dataplane's collector has stopped: `state` stays as collected then (nil until the
    /// first collection after the stall) while the heartbeat goes on.
    var collectorStalled = false
    var frozenState: JSONValue?
    /// The agent version the dataplane reports (nil: the spec's), and the one a pending upgrade
    /// brings with the next applied generation.
    var agentVersion: String?
    var upgradeTo: String?

    // Pods.
    var pods: [PodRole: SimPod] = [:]

    // The dataplane process. `epoch` changes on every start and stop, so events scheduled for
    // an earlier incarnation are recognised and dropped when they come due.
    var epoch = 0
    var dataplaneUp = false
    var heartbeatOrigin = Date(timeIntervalSince1970: 0)
    var reconcilePending = false
    var knownGeneration: Int64 = 1
    var appliedGeneration: Int64 = 0
    var appliedTime: Date?
    var frrAppliedGeneration: Int64?

    var bgp = BGPRuntime()

    // Traffic: one entry per direction of each peering the gateway's group carries.
    var carrying = false
    var counters: [DirectionCounters] = []
    var countersSettledAt = Date(timeIntervalSince1970: 0)

    /// The leaves route the group's traffic here: a session is established that is not refused
    /// for its AS, and the leaves take the gateway's routes.
    func forwarding(linkCount: Int) -> Bool {
        bgp.up && routeFault == .none && peerASMismatch.count < linkCount
    }

    func pod(_ role: PodRole) -> SimPod? { pods[role].flatMap { $0.exists ? $0 : nil } }

    var frrRunning: Bool { pod(.frr).map { !$0.pending } == true && !nodeGone && !crashing.contains(.frr) }

    var dataplaneCanRun: Bool {
        pod(.dataplane).map { !$0.pending } == true && !nodeGone && !crashing.contains(.dataplane)
    }

    /// Sessions run over the dataplane's interfaces, which exist once it has applied a
    /// configuration, and need an FRR that has been handed one.
    var bgpShouldBeUp: Bool {
        dataplaneUp && appliedGeneration > 0 && frrRunning && !bgpForcedDown && !leavesDown && frrAppliedGeneration != nil
    }
}
