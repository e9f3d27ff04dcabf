import ControllerKit
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import Logging
import Remediation

/// Reconciles one gateway: gather its inputs from the fleet index, evaluate it against the
/// previous assessment, and (when this instance may write) bring its GatewayHealth up to date:
/// create it when missing, merge-patch `/status` only when the normalised status changed, and
/// raise Events for transitions judged against the persisted status. Returns a requeue at the
/// assessment's `nextCheck`, the instant its verdict could change with no new input.
///
/// The work queue never runs one key twice at once, so the per-key bookkeeping here is never
/// touched by two reconciles of the same key concurrently. The evaluation itself runs off this
/// actor (`reconcile`), and what to write is a pure function (`planStatus`); the actor keeps
/// the per-key memory and is the writer. A heartbeat that moves no verdict is not reconciled
/// at all but advanced (`advance`, docs/health-model.md §8).
public actor GatewayReconciler {
    /// Our latest write of a key, until the cache shows it. The cache lags the API by a watch
    /// event; a reconcile in between must judge against what we wrote, not against the stale
    /// cached status (or it would raise the same transition twice).
    struct Written {
        /// Cache versions older than this write: while the cache shows one of them, it is stale.
        var staleVersions: Set<String?>
        var resourceVersion: String?
        /// Kept serialized: after a sync every gateway holds one until its next reconcile, and as
        /// trees they were the largest part of the operator's peak memory.
        var status: CompactJSON?
        var remediation: JSONValue?
        /// The object's `metadata.generation` as the write returned it.
        var generation: Int64?

        init(staleVersions: Set<String?>, resourceVersion: String?, generation: Int64?, status: JSONValue?) {
            self.staleVersions = staleVersions
            self.resourceVersion = resourceVersion
            self.generation = generation
            self.status = status.map { CompactJSON($0, dictionary: .gatewayHealthStatus) }
            self.remediation = status?["remediation"]
        }
    }

    struct Persisted: Sendable {
        var exists: Bool
        var resourceVersion: String?
        /// The GatewayHealth's own `metadata.generation`: the status's `observedGeneration`.
        var generation: Int64?
        /// `.status.remediation`: every reconcile reads it, so it is at hand without the status.
        var remediation: JSONValue?
        /// The status as we wrote it, or else the cache's record of it (both kept serialized): the
        /// steady state never needs it parsed, so `status` parses it only when asked.
        private var wrote: CompactJSON?
        private var cached: GatewayHealthRecord?
        /// The cached GatewayHealth's pause annotation.
        var paused = false

        init(exists: Bool) {
            self.exists = exists
        }

        init(written: Written) {
            self.exists = true
            self.resourceVersion = written.resourceVersion
            self.generation = written.generation
            self.wrote = written.status
            self.remediation = written.remediation
        }

        init(cached: GatewayHealthRecord) {
            self.exists = true
            self.resourceVersion = cached.resourceVersion
            self.generation = cached.generation
            self.remediation = cached.remediation
            self.cached = cached
        }

        /// The persisted status (parsed from the cache's bytes on each read: bind it once).
        var status: JSONValue? { wrote?.value ?? cached?.status }
    }

    /// What the reconciler keeps of one gateway between reconciles.
    struct Tracked {
        /// The latest assessment, without its counter evidence, its pods and neighbours digested (see `Kept`).
        var last: Kept?
        /// The persisted resourceVersion whose status `last` was found to say (normalised): while
        /// the GatewayHealth is still at that version, `last` is the previous assessment without
        /// reading the status back, and an assessment that differs from it only in volatile
        /// fields needs no write (see `GatewayHealthStatus.sameOutsideVolatile`). The steady
        /// state of a heartbeat thus builds no status document at all.
        var agreedVersion: String?
        /// `last` needed no liveness evidence (see `noteLeafWord`).
        var heartbeatWasFresh = false
        /// A reconcile has started and not finished (see `noteLeafWord`).
        var inProgress = false
        /// The last reconcile left nothing pending but the assessment's own `nextCheck`: the
        /// cache was current, remediation asked for no later look and raised nothing, and the
        /// status write (if any) succeeded. Only then may a heartbeat advance it (`advance`).
        var settled = false
        /// Our latest write while the cache has not shown it.
        var written: Written?
        /// Events of a status write that failed without an answer (a cut connection): the write
        /// may still have landed. If the persisted status turns out to be the one we sent, they
        /// are raised then; otherwise they are dropped and re-planned from what was persisted.
        var unconfirmed: (status: JSONValue, events: [PlannedEvent])?
        /// The last state seen persisted in its GatewayHealth (by us or another replica). When
        /// someone deletes a GatewayHealth, the one recreated is judged against it: the gateway
        /// did not change state, so no transition Event is raised a second time.
        var lastPersistedState: GatewayState?

        /// `GatewayReconciler.advance` on this entry: the staleness deadline to move, nil when it
        /// is not to be advanced (and then nothing changed). An advance always has a `nextCheck`
        /// (a fresh heartbeat's staleness deadline); were it without one, the gateway would be
        /// queued, and its reconcile replaces `last`.
        mutating func advance(from old: GatewayAgentView, to agent: GatewayAgentView, policy: HealthPolicy, rules: HealthRules,
                              now: Date, groupPeers: GroupPeersHeartbeats?) -> (from: Date, to: Date)? {
            guard settled, !inProgress, let from = last?.rest.nextCheck,
                  Kept.advance(&last, rules: rules, { rest, trafficKeys, conditions in
                      // Without counter evidence: the kept assessment blanks it (volatile).
                      HealthEvaluator.advance(&rest, conditions: conditions, from: old, to: agent, policy: policy, now: now,
                                              rules: rules, groupPeers: rest.groupPeersCheck == nil ? nil : groupPeers,
                                              counterEvidence: false, inputsChecked: true, trafficKeys: &trafficKeys)
                  }),
                  let to = last?.rest.nextCheck
            else { return nil }
            return (from, to)
        }

        /// Nothing kept: the entry can go.
        var isEmpty: Bool {
            last == nil && agreedVersion == nil && !inProgress && !settled && written == nil && unconfirmed == nil
                && lastPersistedState == nil
        }
    }

    private let fleet: FleetState
    private let healths: Store<GatewayHealthRecord>
    private let writer: any GatewayHealthWriter
    private nonisolated let recorder: EventRecorder
    private let policy: HealthPolicy
    /// The rules the heartbeat advance reads (the standard ones, as everywhere), held here so it
    /// passes them borrowed: `.standard` as a default argument was a copy of the whole registry
    /// (a retain and a release of each of its ten arrays and sets) per call, on every heartbeat.
    private let rules = HealthRules.standard
    private let clock: any RuntimeClock
    private let canWrite: @Sendable () -> Bool
    private let cacheIsCurrent: @Sendable () -> Bool
    private let metrics: OperatorMetrics
    private let logger: Logger
    /// Restarts and ticket drafts after each assessment (nil: health only).
    private let remediator: GatewayRemediator?
    /// What is kept of each gateway between reconciles, in one table (one lookup per key).
    private var gateways: [ObjectKey: Tracked] = [:]
    /// The remediation record persisted in every GatewayHealth, kept in step with the cache by
    /// `noteHealthChange` (the planner's fleet-wide guards read the others'); nil until first
    /// needed, then filled once from the cache. Scanning the cache per reconcile was O(fleet).
    private var persistedRecords: [GatewayKey: RemediationRecord]?

    /// Writes made (for tests and logs).
    public private(set) var createCount = 0
    public private(set) var statusWriteCount = 0
    public private(set) var eventCount = 0
    public private(set) var evaluationCount = 0
    /// Heartbeats judged by `advance` (the heartbeat and traffic rules only), not evaluated.
    public private(set) var advanceCount = 0

    /// - Parameter cacheIsCurrent: asked once at the start of a reconcile; false while a cache
    ///   is frozen or being rebuilt (CacheLiveness): the verdict is not trusted enough to write
    ///   or to act on. Asked once, so a watch breaking mid-reconcile cannot cut it in half.
    /// - Parameter canWrite: asked before every write; false for a follower (it evaluates and
    ///   keeps its memory warm, but writes nothing).
    public init(fleet: FleetState, healths: Store<GatewayHealthRecord>, writer: any GatewayHealthWriter,
                recorder: EventRecorder, policy: HealthPolicy, clock: any RuntimeClock,
                canWrite: @escaping @Sendable () -> Bool = { true },
                cacheIsCurrent: @escaping @Sendable () -> Bool = { true }, metrics: OperatorMetrics = OperatorMetrics(),
                logger: Logger = Logger(label: "gateway-medic.reconciler"), remediator: GatewayRemediator? = nil) {
        self.remediator = remediator
        self.fleet = fleet
        self.healths = healths
        self.writer = writer
        self.recorder = recorder
        self.policy = policy
        self.clock = clock
        self.canWrite = canWrite
        self.cacheIsCurrent = cacheIsCurrent
        self.metrics = metrics
        self.logger = logger
    }

    /// The latest assessment of every gateway (without its prose, counter, pods and neighbours
    /// evidence, see `Kept`).
    public func assessments() -> [ObjectKey: Assessment] { gateways.compactMapValues { $0.last?.assessment } }

    /// Per-gateway memory: assessments, writes not yet seen in the cache, unconfirmed Events.
    public var memorySizes: (assessments: Int, written: Int, unconfirmed: Int) {
        gateways.values.reduce(into: (0, 0, 0)) { sizes, tracked in
            if tracked.last != nil { sizes.0 += 1 }
            if tracked.written != nil { sizes.1 += 1 }
            if tracked.unconfirmed != nil { sizes.2 += 1 }
        }
    }

    /// The recorder this reconciler raises Events through.
    public nonisolated var eventRecorder: EventRecorder { recorder }

    /// True when the cache's GatewayHealth at `resourceVersion` is this reconciler's own latest
    /// write (its watch event needs no reconcile).
    /// Versions older than that write count too (the create before our status patch): while the
    /// cache shows one of them a reconcile judges against our write anyway, so it would only
    /// repeat the last evaluation (at sync, once per gateway).
    public func isOwnWrite(_ key: ObjectKey, resourceVersion: String?) -> Bool {
        guard let resourceVersion, let mine = gateways[key]?.written else { return false }
        return mine.resourceVersion == resourceVersion || mine.staleVersions.contains(resourceVersion)
    }

    /// Tells the fleet index whether a leaf's heartbeat that reports on `key` without changing
    /// its Forwarding evidence can change its verdict (`FleetIndex.noteLeafWord`; a change of
    /// evidence is judged whatever this says), after a change of whether it is tracked,
    /// `inProgress` or `heartbeatWasFresh`. Such a heartbeat is read only as liveness evidence,
    /// and only while a gateway's own heartbeat is not fresh (`evidence.liveness == .notNeeded`
    /// says it was fresh); a gateway whose fresh heartbeat goes stale is reconciled at its
    /// `nextCheck` anyway, reading the leaves as they are then. Without this every leaf
    /// heartbeat re-judged every gateway it peers with, several reconciles per leaf heartbeat
    /// for nothing. A gateway never judged, or being judged right now (its inputs may predate
    /// the change), counts as affected. (Fault attribution also reads the leaves, but only of a
    /// gateway whose heartbeat is fresh: its own heartbeats re-plan it.) The word is read in the
    /// critical section that applies the leaf's change, and `prepare` gives it before it reads
    /// the gateway's inputs: a reconcile that starts after a leaf's change reads it, and a
    /// change that comes while one is under way enqueues the gateway.
    private func noteLeafWord(_ key: ObjectKey) {
        let ignored = gateways[key].map { $0.heartbeatWasFresh && !$0.inProgress } ?? false
        fleet.noteLeafWord(key, ignored: ignored)
    }

    /// A GatewayAgent update from `old` to `agent` that changed only the heartbeat and the
    /// counter collection (`HealthEvaluator.changesOnlyQuietInputs`, which the caller has found
    /// true): when the gateway is settled and `HealthEvaluator.advance` finds that no verdict
    /// moves, the kept assessment takes the new heartbeat and counter memory without an
    /// evaluation, and the answer is the staleness deadline to move (the requeue the last
    /// reconcile asked for, and the new one). Nil: the caller enqueues the gateway as for any
    /// change. Never skips a change that matters: a reconcile in progress or a gateway not
    /// settled is left to the queue, and `advance` says nil for any input a verdict depends on.
    /// Synchronous on this actor: nothing can start or end a reconcile in between.
    /// - Parameters:
    ///   - now: the instant of the advance (the informer reads the clock once for this and
    ///     for `groupPeers`).
    ///   - groupPeers: what the gateway's group peers' heartbeats say at `now`, read with the
    ///     change in one hop (`FleetState.apply(heartbeat:policy:now:)`); nil when it has no
    ///     peering-carrying group. In a group carrying a peering their own heartbeats move the
    ///     instant one would go stale (§3.11) without an evaluation.
    public func advance(_ key: ObjectKey, from old: GatewayAgentView, to agent: GatewayAgentView, now: Date,
                        groupPeers: GroupPeersHeartbeats?) -> (from: Date, to: Date)? {
        // One lookup, and the entry advanced where the table stores it (`Kept.advance`): a copy
        // of the entry and of its kept assessment was a retain and a release of each of their
        // fields, and a new kept object, on every heartbeat.
        guard let slot = gateways.index(forKey: key),
              let moved = gateways.values[slot].advance(from: old, to: agent, policy: policy, rules: rules, now: now,
                                                          groupPeers: groupPeers)
        else { return nil }
        // The gauge holds the evidence's stamp: the heartbeat in whole seconds.
        if let beat = agent.lastHeartbeat.value {
            metrics.recordHeartbeat(key, Date(timeIntervalSince1970: beat.timeIntervalSince1970.rounded(.down)))
        }
        advanceCount += 1
        return moved
    }

    /// What a reconcile judges against, gathered on this actor before the evaluation.
    struct Prepared: Sendable {
        var inputs: GatewayInputs
        /// The cache was current at the start (asked once, see `init`).
        var current: Bool
        var persisted: Persisted
        /// The kept `last` assessment, when the persisted status is known to say what it says (see `previous`).
        var agreed: Kept?
        var previous: Assessment?
        var now: Date
    }

    /// One reconcile in three steps: what to judge against (on this actor), the evaluation (off
    /// it: a pure function, so the reconcile workers evaluate in parallel), and what follows —
    /// remediation, the status write and its Events (on this actor again). The work queue never
    /// runs a key twice at once; `inProgress` keeps `advance` off the key meanwhile.
    public nonisolated func reconcile(_ key: ObjectKey) async -> ReconcileResult {
        switch await prepare(key) {
        case .done(let result):
            return result
        case .evaluate(let prepared):
            let assessment = HealthEvaluator.evaluate(prepared.inputs, previous: prepared.previous, policy: policy,
                                                      now: prepared.now)
            return await conclude(key, prepared, assessment)
        }
    }

    private enum Preparation: Sendable {
        case done(ReconcileResult)
        case evaluate(Prepared)
    }

    private func prepare(_ key: ObjectKey) async -> Preparation {
        gateways[key, default: Tracked()].inProgress = true
        gateways[key]?.settled = false
        noteLeafWord(key)
        let inputs = fleet.inputs(for: key)
        guard inputs.gateway != nil || inputs.agent != nil else {
            forget(key)
            // A deleted gateway's ticket drafts still expire: look again when the next one does.
            let expiry = await remediator?.forget(key, isLeader: canWrite(), now: clock.now())
            gateways[key]?.inProgress = false
            if gateways[key]?.isEmpty == true { gateways[key] = nil }
            return .done(expiry.map { .requeueAt($0) } ?? .done)
        }
        let current = cacheIsCurrent()
        let persisted = await persistedState(key)
        let (previous, agreed) = previous(key, persisted)
        return .evaluate(Prepared(inputs: inputs, current: current, persisted: persisted, agreed: agreed,
                                  previous: previous, now: clock.now()))
    }

    private func conclude(_ key: ObjectKey, _ prepared: Prepared, _ assessment: Assessment) async -> ReconcileResult {
        defer {
            gateways[key]?.inProgress = false
            noteLeafWord(key)
        }
        let (inputs, current, persisted, now) = (prepared.inputs, prepared.current, prepared.persisted, prepared.now)
        evaluationCount += 1
        gateways[key, default: Tracked()].last = Kept(assessment)
        gateways[key]?.heartbeatWasFresh = assessment.evidence.liveness == .notNeeded
        gateways[key]?.agreedVersion = nil  // re-established by `write` for this assessment
        metrics.record(key, assessment)
        let remediation = await remediate(key, assessment, inputs: inputs, persisted: persisted, acting: current, now: now)
        let nextCheck = [assessment.nextCheck, remediation?.nextCheck].compactMap { $0 }.min()
        let next: ReconcileResult = nextCheck.map { .requeueAt($0) } ?? .done
        // Nothing pending but the assessment's own deadline (see `advance`).
        let settles = current && remediation?.nextCheck == nil && remediation?.events.isEmpty != false
        guard current, canWrite(), let subject = Self.subject(inputs) else {
            if settles { gateways[key]?.settled = true }
            return next
        }
        var outcome: ReconcileResult = next
        do {
            try await write(key, assessment, subject: subject, persisted: persisted, remediation: remediation?.record,
                            agreedPrevious: prepared.agreed)
            if settles { gateways[key]?.settled = true }
        } catch {
            outcome = .retry(error)
        }
        // Raised whatever became of the status write: the restart they report has happened.
        if let events = remediation?.events, !events.isEmpty {
            await record(events, about: subject, note: false)
        }
        return outcome
    }

    /// The remediation step (nil without a remediator): plan, execute, tickets.
    private func remediate(_ key: ObjectKey, _ assessment: Assessment, inputs: GatewayInputs, persisted: Persisted,
                           acting: Bool, now: Date) async -> RemediationOutcome? {
        guard let remediator else { return nil }
        if persistedRecords == nil {
            var records: [GatewayKey: RemediationRecord] = [:]
            for (other, health) in healths.snapshot() {
                guard let record = health.remediation.flatMap(RemediationRecord.init(json:)) else { continue }
                records[GatewayKey(namespace: other.namespace ?? "", name: other.name)] = record
            }
            persistedRecords = persistedRecords ?? records  // another reconcile may have filled it meanwhile
        }
        // Our own latest write may not be in the cache yet.
        let mine = GatewayKey(namespace: key.namespace ?? "", name: key.name)
        let own = persisted.remediation.flatMap(RemediationRecord.init(json:))
        if persistedRecords?[mine] != own { persistedRecords?[mine] = own }
        let fleetFacts = fleet.remediationFacts(key)
        // Fault attribution reads the leaves only when every BGP session is down (§2.1): one more
        // hop then, none in the steady state.
        let e = assessment.evidence
        let leaves = e.bgpTotal > 0 && e.bgpEstablished == 0 ? fleet.leafPeers(for: key) : []
        return await remediator.remediate(key: key, assessment: assessment, inputs: inputs, leaves: leaves,
                                          persisted: persistedRecords ?? [:],
                                          paused: persisted.paused || fleetFacts.paused, groupsWithPeerings: fleetFacts.groupsWithPeerings,
                                          isLeader: acting && canWrite(), now: now)
    }

    /// Keeps the persisted remediation records in step with the GatewayHealth cache, remembers
    /// the state a deleted GatewayHealth said, and lets go of our own write once the cache shows
    /// it (the GatewayHealth informer calls it for every change it applies). Returns whether the
    /// change needs a reconcile: not for the echo of our own write, yes for anyone else's (or a
    /// relist's) and for a deletion (the GatewayHealth is recreated).
    @discardableResult
    public func noteHealthChange(_ change: ObjectChange<GatewayHealthRecord>) -> Bool {
        var needsReconcile = true
        switch change {
        case .deleted(let key, let health):
            if let state = health.state { gateways[key, default: Tracked()].lastPersistedState = state }
        case .added(let key, let health), .updated(let key, _, let health):
            needsReconcile = !isOwnWrite(key, resourceVersion: health.resourceVersion)
            // Now rather than at the next reconcile: after a sync every gateway would hold a copy
            // of its status until its next heartbeat.
            _ = pendingWrite(key, cachedVersion: health.resourceVersion)
        }
        noteRemediationRecord(change)
        return needsReconcile
    }

    private func noteRemediationRecord(_ change: ObjectChange<GatewayHealthRecord>) {
        guard persistedRecords != nil else { return }  // filled from the cache when first needed
        switch change {
        case .added(let key, let health), .updated(let key, _, let health):
            let gateway = GatewayKey(namespace: key.namespace ?? "", name: key.name)
            let record = health.remediation.flatMap(RemediationRecord.init(json:))
            if persistedRecords?[gateway] != record { persistedRecords?[gateway] = record }
        case .deleted(let key, _):
            persistedRecords?[GatewayKey(namespace: key.namespace ?? "", name: key.name)] = nil
        }
    }

    static func reference(_ agent: GatewayAgentView) -> ObjectReference {
        ObjectReference(apiVersion: ResourceType.gatewayAgents.apiVersion, kind: "GatewayAgent",
                        name: agent.name, namespace: agent.namespace, uid: agent.uid)
    }

    static func reference(_ gateway: GatewayView) -> ObjectReference {
        ObjectReference(apiVersion: ResourceType.gateways.apiVersion, kind: ResourceType.gateways.kind,
                        name: gateway.name, namespace: gateway.namespace, uid: gateway.uid)
    }

    /// What the GatewayHealth belongs to and its Events are about: the GatewayAgent, else — a
    /// Gateway whose GatewayAgent does not exist (yet, or any more) — the Gateway, so that such a
    /// gateway is not invisible (WAITING, then DOWN `NeverReported` or `AgentMissing`).
    static func subject(_ inputs: GatewayInputs) -> ObjectReference? {
        if let agent = inputs.agent { return reference(agent) }
        return inputs.gateway.map(reference)
    }

    /// A gateway whose Gateway and GatewayAgent are both gone: its GatewayHealth goes with the
    /// GatewayAgent (owner reference); only the memory here is dropped.
    public func forget(_ key: ObjectKey) {
        guard let tracked = gateways.removeValue(forKey: key) else { return }
        if tracked.last != nil { metrics.forget(key) }
        // A reconcile of it may be under way (it is the one forgetting it): it stays marked.
        if tracked.inProgress { gateways[key] = Tracked(inProgress: true) }
        noteLeafWord(key)
    }

    // MARK: Internals

    private func persistedState(_ key: ObjectKey) async -> Persisted {
        let cached = healths.get(key)
        var persisted: Persisted
        if let mine = pendingWrite(key, cachedVersion: cached?.resourceVersion) {
            persisted = Persisted(written: mine)
        } else if let cached {
            if let state = cached.state { gateways[key, default: Tracked()].lastPersistedState = state }
            persisted = Persisted(cached: cached)
        } else {
            persisted = Persisted(exists: false)
        }
        persisted.paused = cached?.paused ?? false
        return persisted
    }

    /// Our latest write of `key` while the cache still shows a version older than it. Once the
    /// cache shows the write, or a newer version, the copy is let go.
    private func pendingWrite(_ key: ObjectKey, cachedVersion: String?) -> Written? {
        guard let mine = gateways[key]?.written else { return nil }
        if mine.staleVersions.contains(cachedVersion) { return mine }
        gateways[key]?.written = nil
        return nil
    }

    /// The previous assessment, from one source: the persisted status (our own write while the
    /// cache has not shown it yet, else the cache's). The in-memory `last` assessment stands for it
    /// when it is known to say the same — it then carries fresher volatile memory (counter
    /// samples, the heartbeat, the evaluation time): without reading the status when it was
    /// found to agree with this very version (`agreed`, the steady state), else after comparing
    /// the two normalised. A GatewayHealth written by someone else, or restored, wins.
    private func previous(_ key: ObjectKey, _ persisted: Persisted) -> (previous: Assessment?, agreed: Kept?) {
        let kept = gateways[key]?.last
        if let version = persisted.resourceVersion, gateways[key]?.agreedVersion == version, let kept {
            return (kept.assessment, kept)
        }
        let status = persisted.status
        let stored = status.flatMap(Assessment.init(status:))
        guard let kept else { return (stored, nil) }
        guard let stored, let status else { return (kept.assessment, nil) }
        // The kept assessment keeps a digest of its pods and neighbours evidence: compared with
        // the persisted one's, and taken from it when the same (else the two differ anyway).
        guard let mine = kept.assessment(evidenceOf: stored) else { return (stored, nil) }
        let desired = GatewayHealthStatus.desired(mine, remediation: status["remediation"],
                                                  generation: status["observedGeneration"]?.intValue)
        return (GatewayHealthStatus.differs(desired, from: status) ? stored : mine, nil)
    }

    /// - Parameter remediation: the record to persist; nil keeps the persisted one (no remediator).
    private func write(_ key: ObjectKey, _ assessment: Assessment, subject: ObjectReference, persisted: Persisted,
                       remediation: RemediationRecord?, agreedPrevious: Kept?) async throws {
        var persisted = persisted
        let namespace = key.namespace ?? subject.namespace ?? ""
        // The cache's version before our write; read only when there is one to make (not on the
        // steady state's early return below).
        var cachedVersion: String?
        let existed = persisted.exists
        if !existed {
            cachedVersion = healths.get(key)?.resourceVersion
            guard let uid = subject.uid else {
                logger.warning("\(subject.kind ?? "owner") has no uid; GatewayHealth not created", metadata: ["gateway": "\(key)"])
                return
            }
            let stored = try await writer.create(Self.newObject(key.name, namespace: namespace, owner: subject, uid: uid),
                                                 namespace: namespace)
            createCount += 1
            let version = stored[path: "metadata", "resourceVersion"]?.stringValue
            let created = Written(staleVersions: [cachedVersion], resourceVersion: version,
                                  generation: stored[path: "metadata", "generation"]?.intValue, status: nil)
            gateways[key, default: Tracked()].written = created
            persisted = Persisted(written: created)
            logger.info("GatewayHealth created", metadata: ["gateway": "\(key)"])
        }
        let reference = subject
        let pending = gateways[key]?.unconfirmed
        gateways[key]?.unconfirmed = nil
        if let pending, let status = persisted.status,
           !GatewayHealthStatus.differs(pending.status, from: status) {
            await record(pending.events, about: reference)
        }
        // (Spelled out: a bare `nil` here would be JSONValue's nil literal, a JSON null.)
        var remediationJSON: JSONValue? = persisted.remediation
        if let remediation { remediationJSON = remediation == RemediationRecord() ? Optional<JSONValue>.none : remediation.json() }
        // Steady state: the persisted status says what the previous assessment said, and this one
        // differs from it only in fields not worth a write. Nothing to build or compare.
        if let agreedPrevious, let version = persisted.resourceVersion,
           remediationJSON == persisted.remediation,
           agreedPrevious.sameOutsideVolatile(assessment) {
            gateways[key]?.agreedVersion = version
            return
        }
        let persistedStatus = persisted.status
        guard let plan = Self.planStatus(assessment, gateway: key.name, persistedStatus: persistedStatus,
                                         persistedVersion: persisted.resourceVersion, generation: persisted.generation,
                                         remediation: remediationJSON,
                                         stateBeforeDeletion: persistedStatus == nil ? gateways[key]?.lastPersistedState : nil)
        else {
            gateways[key]?.agreedVersion = persisted.resourceVersion
            return
        }
        if existed { cachedVersion = healths.get(key)?.resourceVersion }
        guard canWrite() else { return }  // leadership may have moved while we awaited
        let (desired, events, summary) = (plan.desired, plan.events, plan.summary)
        let stored: JSONValue
        do {
            stored = try await writer.patchStatus(namespace: namespace, name: key.name, patch: plan.patch, summary: summary)
        } catch let error as KubeError where error.isTransport || error.isCancelled {
            gateways[key, default: Tracked()].unconfirmed = (desired, events)  // no answer: it may have been applied
            throw error
        }
        statusWriteCount += 1
        var stale = gateways[key]?.written?.staleVersions ?? []
        stale.insert(cachedVersion)
        if let previousWrite = gateways[key]?.written?.resourceVersion { stale.insert(previousWrite) }
        stale.insert(persisted.resourceVersion)
        let version = stored[path: "metadata", "resourceVersion"]?.stringValue
        stale.remove(version)
        var tracked = gateways[key] ?? Tracked()
        tracked.written = Written(staleVersions: stale, resourceVersion: version,
                                  generation: stored[path: "metadata", "generation"]?.intValue ?? persisted.generation, status: desired)
        tracked.agreedVersion = version
        tracked.lastPersistedState = assessment.state
        gateways[key] = tracked
        await record(events, about: reference)
        // Logged after the Events so the line says the whole write is done.
        logger.info("GatewayHealth status written",
                    metadata: ["gateway": "\(key)", "change": "\(summary)", "events": "\(events.map(\.reason).joined(separator: ","))"])
    }

    /// A status write and the Events it raises.
    struct StatusPlan: Sendable, Equatable {
        /// The whole status as it should read.
        var desired: JSONValue
        /// The merge patch from the persisted status, with its resourceVersion precondition.
        var patch: JSONValue
        var events: [PlannedEvent]
        /// One line saying what the write changes.
        var summary: String
    }

    /// The pure step of a reconcile's write: from the assessment and the persisted status (nil:
    /// none yet) the status write to make and its transition Events, or nil when nothing worth a
    /// write changed (`GatewayHealthStatus.differs`). No I/O and no state: `write` is the edge
    /// that creates the object, sends the patch and raises the Events.
    /// - Parameters:
    ///   - generation: the GatewayHealth's own `metadata.generation` (`observedGeneration`).
    ///   - remediation: `.status.remediation` to persist (nil: none).
    ///   - stateBeforeDeletion: the state a deleted GatewayHealth said, when this one is its
    ///     replacement (no transition is raised twice).
    static func planStatus(_ assessment: Assessment, gateway: String, persistedStatus: JSONValue?, persistedVersion: String?,
                           generation: Int64?, remediation: JSONValue?, stateBeforeDeletion: GatewayState?) -> StatusPlan? {
        let desired = GatewayHealthStatus.desired(assessment, remediation: remediation, generation: generation)
        guard GatewayHealthStatus.differs(desired, from: persistedStatus) else { return nil }
        let events = TransitionEvents.plan(persisted: persistedStatus, assessment: assessment, gateway: gateway,
                                           stateBeforeDeletion: stateBeforeDeletion)
        let statusPatch = persistedStatus.flatMap { MergePatch.diff(from: $0, to: desired) } ?? desired
        var patch: JSONValue = ["status": statusPatch]
        if let version = persistedVersion, version != "dry-run" {
            patch["metadata"] = ["resourceVersion": .string(version)]  // optimistic concurrency
        }
        return StatusPlan(desired: desired, patch: patch, events: events,
                          summary: summary(old: persistedStatus, new: desired, assessment: assessment))
    }

    /// - Parameter note: also remember them for the gateway's ticket draft (remediation's own
    ///   Events are noted by the remediator).
    private func record(_ events: [PlannedEvent], about reference: ObjectReference, note: Bool = true) async {
        for event in events {
            let outcome = await recorder.record(involved: reference, type: event.type, reason: event.reason, message: event.message)
            if case .failed = outcome { continue }
            eventCount += 1
        }
        if note, let remediator, !events.isEmpty {
            await remediator.noteEvents(events, key: ObjectKey(namespace: reference.namespace, name: reference.name ?? ""),
                                        now: clock.now())
        }
    }

    /// - Parameter owner: the GatewayAgent, or the Gateway when there is none (`subject`): the
    ///   GatewayHealth is garbage-collected with it.
    static func newObject(_ name: String, namespace: String, owner reference: ObjectReference, uid: String) -> JSONValue {
        let owner: JSONValue = [
            "apiVersion": .string(reference.apiVersion ?? ""), "kind": .string(reference.kind ?? ""),
            "name": .string(reference.name ?? name), "uid": .string(uid), "controller": true,
        ]
        return [
            "apiVersion": .string(ResourceType.gatewayHealths.apiVersion), "kind": "GatewayHealth",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace),
                "labels": ["app.kubernetes.io/managed-by": "gateway-medic"],
                "ownerReferences": [owner],
            ],
            // The GatewayAgent judged: the gateway's own (same name), whether it exists yet or not.
            "spec": ["gatewayAgent": ["name": .string(name), "namespace": .string(namespace)]],
        ]
    }

    /// One line saying what a status write changes.
    static func summary(old: JSONValue?, new: JSONValue, assessment: Assessment) -> String {
        let verdict = "\(assessment.state.rawValue) (\(assessment.reason)): \(assessment.message)"
        guard let old else { return "new status \(verdict)" }
        let oldState = old["state"]?.stringValue ?? "?"
        if oldState != assessment.state.rawValue { return "\(oldState) → \(verdict)" }
        let changed = MergePatch.diff(from: GatewayHealthStatus.normalized(old), to: GatewayHealthStatus.normalized(new))?
            .objectValue?.keys.sorted() ?? []
        let conditions = assessment.conditions.filter { condition in
            TransitionEvents.conditionStatus(old, condition.type) != condition.status
        }.map { "\($0.type)=\($0.status)" }
        let detail = conditions.isEmpty ? "" : "; conditions \(conditions.joined(separator: ", "))"
        return "\(assessment.state.rawValue) unchanged; changed \(changed.joined(separator: ", "))\(detail)"
    }
}
