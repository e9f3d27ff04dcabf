import ControllerKit
import Foundation
import HealthModel
import KubeAPI
import KubeClient
import Locking
import Logging
import Metrics
import Remediation

/// gateway-medic's controller: informers for GatewayAgents, Gateways, switch Agents, the gateway
/// pods and GatewayHealths feed the fleet index; every change enqueues exactly the gateways it
/// affects; the reconciler evaluates them and (as leader) writes their GatewayHealth status and
/// Events. Time-based rechecks come from the assessments' `nextCheck`, not from a polling loop.
public actor GatewayMedicOperator {
    struct Flags {
        var synced = false
        var leader = false
    }

    public nonisolated let config: OperatorConfig
    /// This instance's leader-election identity (also the Events' `source.host`).
    public nonisolated let identity: String
    private let client: KubeClient
    private let clock: any RuntimeClock
    private let logger: Logger
    private nonisolated let flags = Locked(Flags())
    private nonisolated let liveness = CacheLiveness()
    private let fleet: FleetState
    private let queue: WorkQueue<ObjectKey>
    private let reconciler: GatewayReconciler
    private nonisolated let informers: [InformerHandle]
    private let ticketSinks: TicketSinks
    private let ticketDispatcher: TicketDispatcher
    private let tickets: TicketCoordinator
    private let remediationCoordinator: RemediationCoordinator
    private var started = false

    public init(config: OperatorConfig, client: KubeClient, clock: any RuntimeClock = SystemClock(), identity: String? = nil,
                logger: Logger, output: (@Sendable (String) -> Void)? = nil, version: String = "dev",
                webhookRetry: WebhookRetryPolicy = WebhookRetryPolicy(), gauges: GatewayHealthGauges? = nil,
                metricsFactory: (any MetricsFactory)? = nil) {
        self.config = config
        self.client = client
        fleet = FleetState(policy: config.health)
        self.clock = clock
        self.logger = logger
        let identity = identity ?? LeaderElectionConfig.defaultIdentity()
        self.identity = identity
        let output = output ?? { print($0) }
        let queue = WorkQueue<ObjectKey>(name: "gatewayhealth", clock: clock,
                                         baseDelay: .seconds(max(0.001, config.queue.retryBaseDelay)),
                                         maxDelay: .seconds(max(0.001, config.queue.retryMaxDelay)))
        self.queue = queue
        let flags = self.flags
        let liveness = self.liveness
        let sink: any EventSink = config.dryRun ? DryRunEventSink(write: output) : ClientEventSink(client: client)
        let writer: any GatewayHealthWriter = config.dryRun ? DryRunGatewayHealthWriter(write: output) : ClientGatewayHealthWriter(client: client)
        // Remediation and ticket drafts (docs/remediation.md, docs/tickets.md).
        let ticketSinks = TicketSinks.make(
            settings: config.tickets, dryRun: config.dryRun,
            context: TicketSinkContext(client: client, namespace: config.operatorNamespace ?? client.namespace, logger: logger,
                                       webhookRetry: webhookRetry),
            output: output)
        // The operator's counters, when its metrics are exported (a delivery series per sink).
        let counters = metricsFactory.map { OperatorCounters(factory: $0, ticketSinks: ticketSinks.sinks.map(\.name)) }
        let recorder = EventRecorder(
            sink: sink, component: "gateway-medic", host: identity, clock: clock,
            options: EventRecorderOptions(spamBurst: config.events.burst, spamRefillInterval: .seconds(config.events.refillInterval)),
            logger: logger, counters: counters)
        self.ticketSinks = ticketSinks
        let dispatcher = TicketDispatcher(sinks: ticketSinks.sinks, logger: logger, counters: counters)
        self.ticketDispatcher = dispatcher
        let tickets = TicketCoordinator(policy: config.remediation, podNamespace: config.gatewayNamespace, version: version,
                                        dispatcher: dispatcher, counters: counters)
        self.tickets = tickets
        let coordinator = RemediationCoordinator(policy: config.remediation, dryRun: config.dryRun, health: config.health)
        self.remediationCoordinator = coordinator
        let restarter = PodRestarter(client: client, logger: logger)
        let remediator = GatewayRemediator(coordinator: coordinator, tickets: tickets, dryRun: config.dryRun,
                                           restartsEnabled: config.remediation.enabled,
                                           execute: { await restarter.execute($0) }, output: output, logger: logger,
                                           recheck: LiveRecheck(client: client, fabricNamespace: config.fabricNamespace,
                                                                gatewayNamespace: config.gatewayNamespace, health: config.health,
                                                                remediation: config.remediation),
                                           counters: counters)
        let healths = Store<GatewayHealthRecord>(projection: { GatewayHealthRecord(json: $0) })
        let reconciler = GatewayReconciler(
            fleet: fleet, healths: healths, writer: writer, recorder: recorder, policy: config.health, clock: clock,
            // Writes and restarts wait while a cache is frozen or replaying (CacheLiveness).
            canWrite: { flags.withLock { $0.leader } }, cacheIsCurrent: { liveness.isLive },
            metrics: OperatorMetrics(gauges: gauges, counters: counters), logger: logger, remediator: remediator)
        self.reconciler = reconciler
        self.informers = OperatorInformers.make(config: config, client: client, clock: clock, logger: logger,
                                                fleet: fleet, healths: healths, queue: queue, reconciler: reconciler,
                                                liveness: liveness)
        // Caches current again: re-judge every gateway (its verdict may have waited meanwhile).
        let fleet = self.fleet
        liveness.setOnRecovered { Task { for key in fleet.gatewayKeys.sorted() { await queue.add(key) } } }
    }

    // MARK: State for probes and tests (readable without awaiting)

    /// True once every informer listed its resource (an absent optional CRD counts as listed).
    public nonisolated var hasSynced: Bool { flags.withLock { $0.synced } }
    /// False while a watch is broken and its cache has not caught up (a bookmark on the resumed
    /// watch, or a relist after 410): nothing is written then.
    public nonisolated var cacheIsLive: Bool { liveness.isLive }
    /// Times a cache fell behind since start (each followed by a resume, a relist only after 410).
    public nonisolated var watchInterruptions: Int { liveness.interruptions }
    /// True while this instance may write (always, once synced, without leader election).
    public nonisolated var isLeader: Bool { flags.withLock { $0.leader } }

    /// The latest assessment of every known gateway.
    public func assessments() async -> [ObjectKey: Assessment] { await reconciler.assessments() }

    /// What this instance wrote so far.
    public func writeCounts() async -> OperatorWriteCounts {
        OperatorWriteCounts(creates: await reconciler.createCount, statusWrites: await reconciler.statusWriteCount,
                            events: await reconciler.eventCount, evaluations: await reconciler.evaluationCount,
                            advanced: await reconciler.advanceCount)
    }

    /// The ticket drafts this instance knows (leader: every draft; follower: those of its last
    /// term as leader, if any).
    public func ticketDrafts() async -> [TicketDraft] { await tickets.all }

    /// Waits until every ticket change planned so far has reached the sinks (the webhook only
    /// and Alertmanager sinks only queue; see `ticketSink(named:)`).
    public func ticketsDelivered() async { await ticketDispatcher.waitUntilIdle() }

    /// The ticket sink of this name (`webhook`, `alertmanager`, ...), when configured; its
    /// `deliveryQueue` has the pending and delivered counts.
    public nonisolated func ticketSink(named name: String) -> (any TicketSink)? { ticketSinks.sink(named: name) }

    /// Nothing queued, being reconciled, or due on a timer right now (tests and the demo wait for
    /// it between steps of their simulated clock).
    public func isIdle() async -> Bool { await queue.isIdle }

    /// Per informer: the resource and namespace it watches and the resourceVersion up to which it
    /// has applied and handed on every change (tests and the demo compare it with the server's newest
    /// change).
    public nonisolated func informerProgress() -> [(resource: ResourceType, namespace: String, delivered: String?)] {
        informers.map { ($0.resource, $0.namespace, $0.deliveredVersion()) }
    }

    /// What this instance holds in memory and how its informers fared (fault tests check that
    /// it stays bounded by the fleet, whatever the API did).
    public func footprint() async -> OperatorFootprint {
        var informerSizes: [String: Int] = [:]
        var lists = 0
        var restarts = 0
        for informer in informers {
            informerSizes[informer.name] = await informer.cachedCount()
            lists += informer.listCount()
            restarts += informer.watchRestarts()
        }
        let reconcilerSizes = await reconciler.memorySizes
        let recorderSizes = await reconciler.eventRecorder.cacheSizes
        return OperatorFootprint(
            informerObjects: informerSizes, lists: lists, watchRestarts: restarts,
            queueReady: await queue.depth, queueDelayed: await queue.delayedCount, queueBackingOff: await queue.backingOffCount,
            assessments: reconcilerSizes.assessments, unseenWrites: reconcilerSizes.written,
            unconfirmedEvents: reconcilerSizes.unconfirmed, rememberedEvents: recorderSizes.remembered,
            spamBuckets: recorderSizes.spamBuckets, staleCaches: liveness.downSources, pendingTicketChanges: await ticketDispatcher.pendingCount)
    }

    // MARK: Running

    /// Lists and watches, waits for the caches, campaigns for leadership (when enabled and not a
    /// dry run) and reconciles until the calling task is cancelled. Then shuts down gracefully:
    /// in-flight reconciles finish, the lease is released, the watches stop.
    /// Throws `GatewayMedicOperatorError` for invalid settings or a second call.
    public func run() async throws {
        guard !started else { throw GatewayMedicOperatorError.alreadyStarted }
        started = true
        let elector = try makeElector()
        let informers = self.informers
        await withTaskGroup(of: Void.self) { group in
            for informer in informers { group.addTask { await informer.run() } }
            guard await Self.waitUntilSynced(informers) else {
                group.cancelAll()
                return
            }
            flags.withLock { $0.synced = true }
            logger.info("caches synced", metadata: ["identity": "\(identity)"])

            var electorTask: Task<Void, Never>?
            if let elector {
                let changes = await elector.leadershipChanges()
                electorTask = Task { await elector.run() }
                group.addTask { [self] in
                    for await leading in changes {
                        guard leading != isLeader else { continue }
                        if leading {
                            await startLeading()
                        } else {
                            flags.withLock { $0.leader = false }
                            logger.info("not leading: evaluating only")
                        }
                    }
                }
            } else {
                await startLeading()
            }

            let controller = Controller(name: "gatewayhealth", queue: queue, clock: clock, logger: logger)
            let reconciler = self.reconciler
            await controller.run(workers: config.queue.workers) { key in await reconciler.reconcile(key) }

            // Graceful shutdown: the controller has finished its in-flight reconciles.
            flags.withLock { $0.leader = false }
            electorTask?.cancel()
            await electorTask?.value  // releases the lease (when it can still reach the API)
            group.cancelAll()
        }
        await ticketDispatcher.waitUntilIdle()
        await ticketSinks.stop()
        flags.withLock { $0 = Flags() }
        logger.info("stopped", metadata: ["identity": "\(identity)"])
    }

    /// Becomes the writer. First the stored ticket drafts are read back, so that the drafts of
    /// the previous leader (or of this process before a restart) are continued rather than opened
    /// again; only then may reconciles write. Then every gateway is re-judged (the old leader may
    /// have died mid-change), and so is every gateway that has drafts, existing or not, so that
    /// the drafts of deleted gateways are resolved and expire.
    private func startLeading() async {
        await ticketDispatcher.waitUntilIdle()  // this instance's own last writes (an earlier term) come first
        if let stored = await ticketSinks.loadStored(logger: logger) { await tickets.resume(from: stored) }
        flags.withLock { $0.leader = true }
        logger.info("leading: writing from now on")
        let draftGateways = await tickets.gateways.map { ObjectKey(namespace: $0.namespace, name: $0.name) }
        for key in fleet.gatewayKeys.union(draftGateways).sorted() { await queue.add(key) }
    }

    private func makeElector() throws -> LeaderElector? {
        let settings = config.leaderElection
        guard settings.enabled, !config.dryRun else { return nil }
        let election = LeaderElectionConfig(
            namespace: config.operatorNamespace ?? client.namespace, name: settings.leaseName, identity: identity,
            leaseDuration: .seconds(settings.leaseDuration), renewDeadline: .seconds(settings.renewDeadline),
            retryPeriod: .seconds(settings.retryPeriod))
        do {
            return try LeaderElector(config: election, store: ClientLeaseStore(client: client), clock: clock, logger: logger)
        } catch {
            throw GatewayMedicOperatorError.invalidSettings(error.description)
        }
    }

    /// Waits for every informer's first list; false when the task is cancelled first.
    private static func waitUntilSynced(_ informers: [InformerHandle]) async -> Bool {
        enum Waiting { case pending, cancelled, waiting(CheckedContinuation<Bool, Never>), done }
        let state = Locked(Waiting.pending)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let cancelled = state.withLock { s -> Bool in
                    if case .cancelled = s { return true }
                    s = .waiting(continuation)
                    return false
                }
                if cancelled { return continuation.resume(returning: false) }
                Task {
                    for informer in informers { await informer.waitUntilSynced() }
                    let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                        defer { s = .done }
                        if case .waiting(let c) = s { return c }
                        return nil
                    }
                    waiter?.resume(returning: true)
                }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                defer { if case .done = s {} else { s = .cancelled } }
                if case .waiting(let c) = s { return c }
                return nil
            }
            waiter?.resume(returning: false)
        }
    }
}

/// Writes one operator instance made.
public struct OperatorWriteCounts: Sendable, Equatable {
    public var creates: Int
    public var statusWrites: Int
    public var events: Int
    public var evaluations: Int
    /// Heartbeats judged without an evaluation: they moved no verdict (`GatewayReconciler.advance`).
    public var advanced: Int = 0
}

public enum GatewayMedicOperatorError: Error, Sendable, CustomStringConvertible {
    case alreadyStarted
    case invalidSettings(String)

    public var description: String {
        switch self {
        case .alreadyStarted: "the operator is already running; create a new instance to run it again"
        case .invalidSettings(let why): why
        }
    }
}
