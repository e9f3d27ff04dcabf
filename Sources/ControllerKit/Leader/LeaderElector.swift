import Foundation
import KubeAPI
import Locking
import Logging

/// Leader election on a Lease with client-go's semantics:
///
/// - a candidate takes the Lease when it is absent, released (no holder), held by itself, or
///   expired — expiry is judged by when THIS process last saw the Lease record change plus its
///   `leaseDurationSeconds`, never by comparing another machine's timestamps with our clock;
/// - the leader renews every `retryPeriod` and gives up when it could not renew for
///   `renewDeadline`, or at once when it sees another holder;
/// - on cancellation (clean shutdown) the leader releases the Lease (no holder, 1 s duration)
///   so a standby takes over without waiting for expiry.
///
/// After losing leadership `run()` goes back to being a candidate; callers that prefer to exit
/// (controller-runtime does) watch `leadershipChanges()`.
public actor LeaderElector {
    enum Attempt {
        case held
        case heldByOther(String)
        case failed(any Error)
    }

    public nonisolated let config: LeaderElectionConfig
    public nonisolated var identity: String { config.identity }
    private let store: any LeaseStore
    private let clock: any RuntimeClock
    private let logger: Logger
    private let random: @Sendable () -> Double

    private nonisolated let leading = Locked(false)
    private var observedLease: Lease?
    private var observedTime: Date?
    private var lastRenew: Date?
    private var released = false
    private var watchers: [UInt64: AsyncStream<Bool>.Continuation] = [:]
    private var nextWatcherID: UInt64 = 0

    /// Throws `LeaderElectionError.invalidConfig` when the timing rules are broken.
    public init(config: LeaderElectionConfig, store: any LeaseStore, clock: any RuntimeClock = SystemClock(),
                logger: Logger = Logger(label: "gateway-medic.leader"),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) throws(LeaderElectionError) {
        try config.validate()
        self.config = config
        self.store = store
        self.clock = clock
        var logger = logger
        logger[metadataKey: "lease"] = "\(config.namespace)/\(config.name)"
        logger[metadataKey: "identity"] = "\(config.identity)"
        self.logger = logger
        self.random = random
    }

    /// Whether this process leads right now (readable without awaiting, e.g. from a probe).
    public nonisolated var isLeader: Bool { leading.current }

    /// The holder this elector last saw on the Lease.
    public var observedHolder: String? { observedLease?.spec?.holderIdentity }

    /// The current leadership, then every change, until the elector's `run()` ends.
    public func leadershipChanges() -> AsyncStream<Bool> {
        let (stream, continuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .unbounded)
        let id = nextWatcherID
        nextWatcherID += 1
        watchers[id] = continuation
        continuation.yield(isLeader)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeWatcher(id) }
        }
        return stream
    }

    /// Campaigns, leads, and campaigns again after a loss, until cancelled or `release()`d.
    /// On cancellation a leader releases the Lease when `releaseOnCancel` is set.
    public func run() async {
        defer {
            for watcher in watchers.values { watcher.finish() }
            watchers.removeAll()
        }
        released = false
        while !Task.isCancelled, !released {
            guard await campaign() else { break }
            setLeader(true)
            logger.info("became leader")
            await renewUntilLost()
            if Task.isCancelled || released { break }
            setLeader(false)
        }
        if isLeader {
            if config.releaseOnCancel {
                // A fresh task: the release must not inherit this task's cancellation, which
                // a client may honour by aborting the request.
                _ = await Task { await self.release() }.value
            } else {
                setLeader(false)
            }
        }
    }

    /// Gives the Lease up now (no holder, 1 s duration) and ends `run()`. Returns whether the
    /// Lease was written; leadership is dropped locally either way.
    @discardableResult
    public func release() async -> Bool {
        released = true
        guard isLeader, var lease = observedLease, lease.spec?.holderIdentity == config.identity else {
            setLeader(false)
            return false
        }
        setLeader(false)
        let now = KubeTime.formatMicro(clock.now())
        lease.spec = LeaseSpec(holderIdentity: nil, leaseDurationSeconds: 1, acquireTime: now, renewTime: now,
                               leaseTransitions: lease.spec?.leaseTransitions)
        do {
            observe(try await store.update(lease), at: clock.now())
            logger.info("released the lease")
            return true
        } catch {
            logger.warning("could not release the lease; it will expire instead", metadata: ["error": "\(error)"])
            return false
        }
    }

    // MARK: Loops

    /// Tries until the Lease is ours; false when cancelled.
    private func campaign() async -> Bool {
        while !Task.isCancelled, !released {
            switch await tryAcquireOrRenew() {
            case .held:
                return true
            case .heldByOther:
                break
            case .failed(let error):
                if case LeaseStoreError.conflict = error {
                    logger.debug("lost a race for the lease", metadata: ["error": "\(error)"])
                } else {
                    logger.warning("could not read or write the lease", metadata: ["error": "\(error)"])
                }
            }
            let wait = config.retryPeriod.timeInterval * (1 + random() * config.jitterFactor)
            do { try await clock.sleep(for: .seconds(wait)) } catch { return false }
        }
        return false
    }

    /// Renews every retryPeriod; returns when leadership is lost, on cancellation, or on release.
    private func renewUntilLost() async {
        while !released {
            do { try await clock.sleep(for: config.retryPeriod) } catch { return }
            if released { return }
            let result = await tryAcquireOrRenew()
            let now = clock.now()
            switch result {
            case .held:
                continue
            case .heldByOther(let holder):
                logger.warning("lost leadership: the lease is held by another candidate", metadata: ["holder": "\(holder)"])
                return
            case .failed(let error):
                let since = lastRenew.map { now.timeIntervalSince($0) } ?? .infinity
                if since >= config.renewDeadline.timeInterval {
                    logger.error("lost leadership: could not renew within the renew deadline",
                                 metadata: ["error": "\(error)", "renewDeadline": "\(config.renewDeadline)"])
                    return
                }
                logger.warning("lease renewal failed; retrying", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One read-and-write round, as client-go's tryAcquireOrRenew.
    private func tryAcquireOrRenew() async -> Attempt {
        let now = clock.now()
        let stamp = KubeTime.formatMicro(now)
        let current: Lease?
        do { current = try await store.get(namespace: config.namespace, name: config.name) } catch { return .failed(error) }

        guard let current else {
            let lease = Lease(
                metadata: ObjectMeta(name: config.name, namespace: config.namespace),
                spec: LeaseSpec(holderIdentity: config.identity, leaseDurationSeconds: config.leaseDurationSeconds,
                                acquireTime: stamp, renewTime: stamp, leaseTransitions: 0))
            do {
                observe(try await store.create(lease), at: clock.now())
                lastRenew = now
                return .held
            } catch { return .failed(error) }
        }

        let spec = current.spec ?? LeaseSpec()
        // Expiry is measured from when we saw the record change, on our own clock.
        if spec != observedLease?.spec || observedTime == nil {
            observedLease = current
            observedTime = now
        } else {
            observedLease = current  // same record; keep the newer resourceVersion
        }
        let holder = spec.holderIdentity ?? ""
        let duration = TimeInterval(spec.leaseDurationSeconds ?? config.leaseDurationSeconds)
        if !holder.isEmpty, holder != config.identity, let seen = observedTime, seen.addingTimeInterval(duration) > now {
            return .heldByOther(holder)
        }

        var next = current
        let ours = holder == config.identity
        next.spec = LeaseSpec(
            holderIdentity: config.identity, leaseDurationSeconds: config.leaseDurationSeconds,
            acquireTime: ours ? (spec.acquireTime ?? stamp) : stamp, renewTime: stamp,
            leaseTransitions: ours ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1)
        do {
            observe(try await store.update(next), at: clock.now())
            lastRenew = now
            return .held
        } catch { return .failed(error) }
    }

    private func observe(_ lease: Lease, at time: Date) {
        observedLease = lease
        observedTime = time
    }

    private func setLeader(_ value: Bool) {
        let changed = leading.withLock { old -> Bool in
            defer { old = value }
            return old != value
        }
        guard changed else { return }
        for watcher in watchers.values { watcher.yield(value) }
    }

    private func removeWatcher(_ id: UInt64) { watchers.removeValue(forKey: id) }
}
