import Foundation
import HealthModel
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
/// touched by two reconciles of the same key concurrently.
public actor GatewayReconciler {
    /// Our latest write of a key, until the cache shows it. The cache lags the API by a watch
    /// event; a reconcile in between must judge against what we wrote, not against the stale
    /// cached status (or it would raise the same transition twice).
    struct Written {
        /// Cache versions older than this write: while the cache shows one of them, it is stale.
        var staleVersions: Set<String?>
        var resourceVersion: String?
        var status: JSONValue?
    }

    struct Persisted {
        var exists: Bool
        var resourceVersion: String?
        var status: JSONValue?
    }

    private let fleet: FleetState
    private let healths: Store<GatewayHealthRecord>
    private let writer: any GatewayHealthWriter
    private nonisolated let recorder: EventRecorder
    private let policy: HealthPolicy
    private let clock: any RuntimeClock
    private let canWrite: @Sendable () -> Bool
    private let cacheIsCurrent: @Sendable () -> Bool
    private let metrics: OperatorMetrics
    private let logger: Logger
    /// Restarts and ticket drafts after each assessment (nil: health only).
    private let remediator: GatewayRemediator?
    private var last: [ObjectKey: Assessment] = [:]
    private var written: [ObjectKey: Written] = [:]
    /// Events of a status write that failed without an answer (a cut connection): the write may
    /// still have landed. If the persisted status turns out to be the one we sent, they are
    /// raised then; otherwise they are dropped and re-planned from what was persisted.
    private var unconfirmed: [ObjectKey: (status: JSONValue, events: [PlannedEvent])] = [:]

    /// Writes made (for tests and logs).
    public private(set) var createCount = 0
    public private(set) var statusWriteCount = 0
    public private(set) var eventCount = 0
    public private(set) var evaluationCount = 0

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

    /// The latest assessment of every gateway.
    public func assessments() -> [ObjectKey: Assessment] { last }

    /// Per-gateway memory: assessments, writes not yet seen in the cache, unconfirmed Events.
    public var memorySizes: (assessments: Int, written: Int, unconfirmed: Int) { (last.count, written.count, unconfirmed.count) }

    /// The recorder this reconciler raises Events through.
    public nonisolated var eventRecorder: EventRecorder { recorder }

    /// True when the cache's GatewayHealth at `resourceVersion` is this reconciler's own latest
    /// write (its watch event needs no reconcile).
    public func isOwnWrite(_ key: ObjectKey, resourceVersion: String?) -> Bool {
        guard let resourceVersion, let mine = written[key]?.resourceVersion else { return false }
        return mine == resourceVersion
    }

    public func reconcile(_ key: ObjectKey) async -> ReconcileResult {
        let inputs = await fleet.inputs(for: key)
        guard inputs.gateway != nil || inputs.agent != nil else {
            forget(key)
            await remediator?.forget(key, isLeader: canWrite(), now: clock.now())
            return .done
        }
        let current = cacheIsCurrent()
        let persisted = await persistedState(key)
        let previous = choosePrevious(key, persisted)
        let now = clock.now()
        let assessment = HealthEvaluator.evaluate(inputs, previous: previous, policy: policy, now: now)
        evaluationCount += 1
        last[key] = assessment
        metrics.record(key, assessment)
        let remediation = await remediate(key, assessment, inputs: inputs, persisted: persisted, acting: current, now: now)
        let nextCheck = [assessment.nextCheck, remediation?.nextCheck].compactMap { $0 }.min()
        let next: ReconcileResult = nextCheck.map { .requeueAt($0) } ?? .done
        guard current, canWrite(), let agent = inputs.agent else { return next }
        var outcome: ReconcileResult = next
        do {
            try await write(key, assessment, agent: agent, persisted: persisted, remediation: remediation?.record)
        } catch {
            outcome = .retry(error)
        }
        // Raised whatever became of the status write: the restart they report has happened.
        if let events = remediation?.events, !events.isEmpty {
            await record(events, about: Self.reference(agent), note: false)
        }
        return outcome
    }

    /// The remediation step (nil without a remediator): plan, execute, tickets.
    private func remediate(_ key: ObjectKey, _ assessment: Assessment, inputs: GatewayInputs, persisted: Persisted,
                           acting: Bool, now: Date) async -> RemediationOutcome? {
        guard let remediator else { return nil }
        var records: [GatewayKey: RemediationRecord] = [:]
        for (other, health) in await healths.snapshot() {
            guard let record = health.status?["remediation"].flatMap(RemediationRecord.init(json:)) else { continue }
            records[GatewayKey(namespace: other.namespace ?? "", name: other.name)] = record
        }
        // Our own latest write may not be in the cache yet.
        let mine = GatewayKey(namespace: key.namespace ?? "", name: key.name)
        if let record = persisted.status?["remediation"].flatMap(RemediationRecord.init(json:)) { records[mine] = record }
        let healthPaused = await healths.get(key)?.paused ?? false
        let gatewayPaused = await fleet.isPaused(key)
        let paused = healthPaused || gatewayPaused
        return await remediator.remediate(key: key, assessment: assessment, inputs: inputs, persisted: records, paused: paused,
                                          groupsWithPeerings: await fleet.groupsWithPeerings, isLeader: acting && canWrite(), now: now)
    }

    static func reference(_ agent: GatewayAgentView) -> ObjectReference {
        ObjectReference(apiVersion: ResourceType.gatewayAgents.apiVersion, kind: "GatewayAgent",
                        name: agent.name, namespace: agent.namespace, uid: agent.uid)
    }

    /// A gateway whose Gateway and GatewayAgent are both gone: its GatewayHealth goes with the
    /// GatewayAgent (owner reference); only the memory here is dropped.
    public func forget(_ key: ObjectKey) {
        if last.removeValue(forKey: key) != nil { metrics.forget(key) }
        written.removeValue(forKey: key)
        unconfirmed.removeValue(forKey: key)
    }

    // MARK: Internals

    private func persistedState(_ key: ObjectKey) async -> Persisted {
        let cached = await healths.get(key)
        if let mine = written[key] {
            if mine.staleVersions.contains(cached?.resourceVersion) {
                return Persisted(exists: true, resourceVersion: mine.resourceVersion, status: mine.status)
            }
            written[key] = nil  // the cache shows our write, or a newer one
        }
        guard let cached else { return Persisted(exists: false) }
        return Persisted(exists: true, resourceVersion: cached.resourceVersion, status: cached.status)
    }

    /// The persisted assessment is the truth; the in-memory one is preferred only while it says
    /// the same (it then carries fresher volatile memory: counter samples, evaluation time).
    private func choosePrevious(_ key: ObjectKey, _ persisted: Persisted) -> Assessment? {
        let stored = persisted.status.flatMap(Assessment.init(status:))
        guard let mine = last[key] else { return stored }
        guard let stored, let status = persisted.status else { return mine }
        let desired = GatewayHealthStatus.desired(mine, remediation: status["remediation"])
        return GatewayHealthStatus.differs(desired, from: status) ? stored : mine
    }

    /// - Parameter remediation: the record to persist; nil keeps the persisted one (no remediator).
    private func write(_ key: ObjectKey, _ assessment: Assessment, agent: GatewayAgentView, persisted: Persisted,
                       remediation: RemediationRecord?) async throws {
        var persisted = persisted
        let namespace = key.namespace ?? agent.namespace
        let cachedVersion = await healths.get(key)?.resourceVersion
        if !persisted.exists {
            guard let uid = agent.uid else {
                logger.warning("GatewayAgent has no uid; GatewayHealth not created", metadata: ["gateway": "\(key)"])
                return
            }
            let stored = try await writer.create(Self.newObject(key.name, namespace: namespace, agent: agent, uid: uid),
                                                 namespace: namespace)
            createCount += 1
            let version = stored[path: "metadata", "resourceVersion"]?.stringValue
            written[key] = Written(staleVersions: [cachedVersion], resourceVersion: version, status: nil)
            persisted = Persisted(exists: true, resourceVersion: version, status: nil)
            logger.info("GatewayHealth created", metadata: ["gateway": "\(key)"])
        }
        let reference = Self.reference(agent)
        if let pending = unconfirmed.removeValue(forKey: key), let status = persisted.status,
           !GatewayHealthStatus.differs(pending.status, from: status) {
            await record(pending.events, about: reference)
        }
        // (Spelled out: a bare `nil` here would be JSONValue's nil literal, a JSON null.)
        var remediationJSON: JSONValue? = persisted.status?["remediation"]
        if let remediation { remediationJSON = remediation == RemediationRecord() ? Optional<JSONValue>.none : remediation.json() }
        let desired = GatewayHealthStatus.desired(assessment, remediation: remediationJSON)
        guard GatewayHealthStatus.differs(desired, from: persisted.status) else { return }
        guard canWrite() else { return }  // leadership may have moved while we awaited
        let events = TransitionEvents.plan(persisted: persisted.status, assessment: assessment, gateway: key.name)

        let statusPatch = persisted.status.flatMap { MergePatch.diff(from: $0, to: desired) } ?? desired
        var patch: JSONValue = ["status": statusPatch]
        if let version = persisted.resourceVersion, version != "dry-run" {
            patch["metadata"] = ["resourceVersion": .string(version)]  // optimistic concurrency
        }
        let summary = Self.summary(old: persisted.status, new: desired, assessment: assessment)
        let stored: JSONValue
        do {
            stored = try await writer.patchStatus(namespace: namespace, name: key.name, patch: patch, summary: summary)
        } catch let error as KubeError where error.isTransport || error.isCancelled {
            unconfirmed[key] = (desired, events)  // no answer: it may have been applied
            throw error
        }
        statusWriteCount += 1
        var stale = written[key]?.staleVersions ?? []
        stale.insert(cachedVersion)
        if let previousWrite = written[key]?.resourceVersion { stale.insert(previousWrite) }
        stale.insert(persisted.resourceVersion)
        let version = stored[path: "metadata", "resourceVersion"]?.stringValue
        stale.remove(version)
        written[key] = Written(staleVersions: stale, resourceVersion: version, status: desired)
        logger.info("GatewayHealth status written", metadata: ["gateway": "\(key)", "change": "\(summary)"])

        await record(events, about: reference)
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

    static func newObject(_ name: String, namespace: String, agent: GatewayAgentView, uid: String) -> JSONValue {
        let owner: JSONValue = [
            "apiVersion": .string(ResourceType.gatewayAgents.apiVersion), "kind": "GatewayAgent",
            "name": .string(agent.name), "uid": .string(uid), "controller": true,
        ]
        return [
            "apiVersion": .string(ResourceType.gatewayHealths.apiVersion), "kind": "GatewayHealth",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace),
                "labels": ["app.kubernetes.io/managed-by": "gateway-medic"],
                "ownerReferences": [owner],
            ],
            "spec": ["gatewayAgent": ["name": .string(agent.name), "namespace": .string(agent.namespace)]],
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
