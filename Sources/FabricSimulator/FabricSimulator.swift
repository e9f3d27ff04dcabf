import Foundation
import KubeAPI
import KubeEmulator
import Scheduling

/// Something the simulation does at a given time. Events carry the epoch of the process or
/// fault they belong to; when that has moved on, the event is stale and dropped.
enum SimEvent: Sendable {
    case dataplaneStart(gateway: Int, epoch: Int)
    case reconcile(gateway: Int, epoch: Int)
    case heartbeat(gateway: Int, epoch: Int, beat: Int)
    case leafHeartbeat(leaf: Int, beat: Int)
    case recreatePod(gateway: Int, role: PodRole)
    case crashLoopTick(gateway: Int, container: GatewayContainer, epoch: Int)
    case readinessPassed(gateway: Int, container: GatewayContainer, epoch: Int)
    case podSweep
}

/// A simulated Hedgehog fabric writing to a `FabricObjectStore`: the fabric controller's objects,
/// the gateway dataplanes' GatewayAgent status heartbeats, the leaves' switch Agent status, and
/// the gateway pods as DaemonSets and kubelets would keep them. Time only moves when `step(now:)`
/// is called, so tests drive it with explicit instants and drivers sleep until `nextEventTime()`.
/// Work is scheduled in a heap: a heartbeat costs O(log N), never a pass over all gateways.
/// Call `step` from one task at a time; faults may be injected between or during steps.
public actor FabricSimulator {
    public nonisolated let spec: FabricSpec
    let store: any FabricObjectStore
    let topology: FabricTopology
    let objects: FabricObjects
    let statuses: StatusBuilder
    let podObjects: PodObjects

    var random: SplitMix64
    var queue = DeadlineHeap<SimEvent>()
    var gateways: [GatewayRuntime]
    var leafOrigins: [Date]
    /// Leaves in maintenance: their switch agents write nothing (see `startLeafMaintenance`).
    var leavesInMaintenance: Set<Int> = []
    /// Peerings whose traffic has stopped at its source (`stopPeeringTraffic`).
    var stoppedPeerings: Set<Int> = []
    var podOwners: [String: (gateway: Int, role: PodRole)] = [:]
    var daemonSetUIDs: [[PodRole: String]]
    var podIncarnations = 0
    var bootstrapped = false
    var bootTime: Date

    /// The simulation's clock: the latest instant it has been stepped to.
    public internal(set) var currentTime: Date
    /// GatewayAgent status writes made so far (heartbeats, init and apply writes).
    public internal(set) var gatewayStatusWrites = 0
    /// Store errors met while stepping; the simulation carries on past them.
    public internal(set) var errorCount = 0
    public internal(set) var recentErrors: [String] = []

    public init(spec: FabricSpec, store: any FabricObjectStore, startTime: Date) throws(FabricSimulatorError) {
        try spec.validate()
        self.spec = spec
        self.store = store
        var random = SplitMix64(seed: spec.seed)
        let topology = FabricTopology(spec: spec, random: &random)
        self.topology = topology
        objects = FabricObjects(spec: spec, topology: topology)
        statuses = StatusBuilder(spec: spec, topology: topology)
        podObjects = PodObjects(spec: spec)
        daemonSetUIDs = topology.gateways.map { _ in [.dataplane: random.uuid(), .frr: random.uuid()] }
        self.random = random
        var runtime = GatewayRuntime()
        runtime.countersSettledAt = startTime
        runtime.heartbeatOrigin = startTime
        gateways = Array(repeating: runtime, count: topology.gateways.count)
        leafOrigins = Array(repeating: startTime, count: topology.leaves.count)
        currentTime = startTime
        bootTime = startTime
    }

    // MARK: Names

    public nonisolated var gatewayNames: [String] { topology.gateways.map(\.name) }
    public nonisolated var leafNames: [String] { topology.leaves.map(\.name) }
    public nonisolated var groupNames: [String] { topology.groups.map(\.name) }
    public nonisolated var peeringNames: [String] { topology.peerings.map(\.name) }
    public nonisolated var vpcNames: [String] { topology.vpcs.map(\.name) }

    /// The gateway's BGP router ID: its protocol IP without the /32.
    public nonisolated func routerID(gateway: String) -> String? {
        topology.gatewayIndex[gateway].map { topology.gateways[$0].routerID }
    }

    /// The gateway's group, or nil for an unknown gateway.
    public nonisolated func group(gateway: String) -> String? {
        topology.gatewayIndex[gateway].map { topology.groups[topology.gateways[$0].group].name }
    }

    /// The leaves a gateway holds BGP sessions with.
    public nonisolated func leaves(gateway: String) -> [String] {
        guard let g = topology.gatewayIndex[gateway] else { return [] }
        return topology.gateways[g].links.map { topology.leaves[$0.leaf].name }
    }

    /// Whether the leaf is in maintenance (`startLeafMaintenance`).
    public func isInMaintenance(leaf: String) -> Bool {
        topology.leaves.firstIndex { $0.name == leaf }.map(leavesInMaintenance.contains) ?? false
    }

    /// The current name of a gateway's dataplane or frr pod; nil while it is being recreated.
    public func podName(gateway: String, pod: GatewayContainer) -> String? {
        guard let g = topology.gatewayIndex[gateway] else { return nil }
        return gateways[g].pod(pod == .dataplane ? .dataplane : .frr)?.name
    }

    public func isBGPEstablished(gateway: String) -> Bool {
        topology.gatewayIndex[gateway].map { gateways[$0].bgp.up } ?? false
    }

    /// Whether the leaves route to the gateway: a session established and routes taken.
    public func isForwarding(gateway: String) -> Bool {
        topology.gatewayIndex[gateway].map { gateways[$0].forwarding(linkCount: topology.gateways[$0].links.count) } ?? false
    }

    /// The group's members, highest priority first.
    public nonisolated func members(group: String) -> [String] {
        topology.groups.first { $0.name == group }?.members.map { topology.gateways[$0].name } ?? []
    }

    /// The peerings a group carries.
    public nonisolated func peerings(group: String) -> [String] {
        topology.groups.first { $0.name == group }?.peerings.map { topology.peerings[$0].name } ?? []
    }

    /// The NAT of a peering's first VPC (nil for an unknown peering).
    public nonisolated func nat(peering: String) -> PeeringNAT? {
        topology.peerings.first { $0.name == peering }?.nat
    }

    /// The member of a group the leaves currently send the group's peering traffic to.
    public func activeGateway(group: String) -> String? {
        guard let members = topology.groups.first(where: { $0.name == group })?.members else { return nil }
        return members.first { gateways[$0].carrying }.map { topology.gateways[$0].name }
    }

    // MARK: Driving time

    /// When the next scheduled action is due (nil before bootstrap).
    public func nextEventTime() -> Date? { bootstrapped ? queue.nextDue : nil }

    /// Runs every action due at or before `now`, each at its own scheduled instant, in order.
    /// Store errors are counted in `errorCount`/`recentErrors` and do not stop the simulation.
    public func step(now: Date) async throws {
        guard bootstrapped else { throw FabricSimulatorError.notBootstrapped }
        while let entry = queue.popDue(notAfter: now) {
            try Task.checkCancellation()
            currentTime = max(currentTime, entry.due)
            do {
                try await handle(entry.payload, at: entry.due)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                noteError("\(entry.payload) at \(KubeTime.formatMicro(entry.due)): \(error)")
            }
        }
        currentTime = max(currentTime, now)
    }

    /// Drives the simulation in real (or any) time until `until`: sleeps until the next event or
    /// for at most `maxSleep` (so faults injected meanwhile are picked up), then steps.
    public func run(
        until: Date, maxSleep: TimeInterval = 1,
        sleep: @Sendable (Date) async throws -> Void, now: @Sendable () -> Date
    ) async throws {
        while true {
            try Task.checkCancellation()
            let t = now()
            try await step(now: t)
            if t >= until { return }
            let wake = min(until, queue.nextDue ?? until, t.addingTimeInterval(maxSleep))
            if wake > t { try await sleep(wake) }
        }
    }

    private func handle(_ event: SimEvent, at t: Date) async throws {
        switch event {
        case .dataplaneStart(let g, let epoch):
            if gateways[g].epoch == epoch, !gateways[g].dataplaneUp, gateways[g].dataplaneCanRun {
                try await startDataplane(g, at: t)
            }
        case .reconcile(let g, let epoch):
            try await reconcile(g, epoch: epoch, at: t)
        case .heartbeat(let g, let epoch, let beat):
            try await heartbeat(g, epoch: epoch, beat: beat, at: t)
        case .leafHeartbeat(let leaf, let beat):
            try await leafHeartbeat(leaf, beat: beat, at: t)
        case .recreatePod(let g, let role):
            try await recreatePod(g, role: role, at: t)
        case .crashLoopTick(let g, let container, let epoch):
            try await crashLoopTick(g, container: container, epoch: epoch, at: t)
        case .readinessPassed(let g, let container, let epoch):
            try await readinessPassed(g, container: container, epoch: epoch, at: t)
        case .podSweep:
            if let interval = spec.timing.podSweepInterval { queue.push(.podSweep, at: t.addingTimeInterval(interval)) }
            try await sweepPods(at: t)
        }
    }

    func noteError(_ message: String) {
        errorCount += 1
        recentErrors.append(message)
        if recentErrors.count > 50 { recentErrors.removeFirst(recentErrors.count - 50) }
    }

    func gatewayIndex(_ name: String) throws(FabricSimulatorError) -> Int {
        guard let g = topology.gatewayIndex[name] else { throw .unknownGateway(name) }
        return g
    }
}
