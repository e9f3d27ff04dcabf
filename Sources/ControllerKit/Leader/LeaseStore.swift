import Foundation
import KubeAPI

/// Reads and writes the coordination.k8s.io/v1 Lease used for leader election.
///
/// Contract: `create` throws `LeaseStoreError.conflict` when the Lease already exists (HTTP 409
/// AlreadyExists); `update` throws `LeaseStoreError.conflict` when the Lease's
/// `metadata.resourceVersion` is stale (HTTP 409 Conflict). Other errors are transient failures.
public protocol LeaseStore: Sendable {
    /// The Lease, or nil when it does not exist.
    func get(namespace: String, name: String) async throws -> Lease?
    func create(_ lease: Lease) async throws -> Lease
    /// Replaces the Lease; `lease.metadata.resourceVersion` is the optimistic-concurrency precondition.
    func update(_ lease: Lease) async throws -> Lease
}

public enum LeaseStoreError: Error, Sendable, CustomStringConvertible {
    /// Someone else wrote the Lease first; the elector re-reads it next round.
    case conflict(namespace: String, name: String)

    public var description: String {
        switch self {
        case .conflict(let namespace, let name):
            "Lease \(namespace)/\(name) was changed by another writer (409 conflict)"
        }
    }
}

public enum LeaderElectionError: Error, Sendable, CustomStringConvertible, Equatable {
    case invalidConfig(String)

    public var description: String {
        switch self {
        case .invalidConfig(let why): "invalid leader election settings: \(why)"
        }
    }
}

/// client-go's leader election timing. The defaults are client-go's and controller-runtime's.
public struct LeaderElectionConfig: Sendable {
    public var namespace: String
    public var name: String
    /// This candidate's identity (written as `holderIdentity`).
    public var identity: String
    /// How long a Lease is honoured after the holder last renewed it (as observed locally).
    public var leaseDuration: Duration
    /// The leader gives up when it could not renew for this long.
    public var renewDeadline: Duration
    /// Pause between attempts to acquire or renew.
    public var retryPeriod: Duration
    /// Candidates wait `retryPeriod · (1 + random · jitterFactor)` between attempts.
    public var jitterFactor: Double
    /// Clear the Lease when `run()` is cancelled, so another candidate takes over at once.
    public var releaseOnCancel: Bool

    public init(namespace: String, name: String, identity: String = LeaderElectionConfig.defaultIdentity(),
                leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10),
                retryPeriod: Duration = .seconds(2), jitterFactor: Double = 1.2, releaseOnCancel: Bool = true) {
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
        self.jitterFactor = jitterFactor
        self.releaseOnCancel = releaseOnCancel
    }

    /// `<hostname>_<8 random hex digits>`: unique even when two pods share a hostname.
    public static func defaultIdentity() -> String {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return ProcessInfo.processInfo.hostName + "_" + String(repeating: "0", count: 8 - suffix.count) + suffix
    }

    /// client-go's rules: leaseDuration > renewDeadline > 1.2 × retryPeriod, all positive.
    public func validate() throws(LeaderElectionError) {
        if namespace.isEmpty || name.isEmpty { throw .invalidConfig("the Lease namespace and name must not be empty") }
        if identity.isEmpty { throw .invalidConfig("the identity must not be empty") }
        if retryPeriod <= .zero { throw .invalidConfig("retryPeriod must be positive (got \(retryPeriod))") }
        if leaseDuration <= renewDeadline {
            throw .invalidConfig("leaseDuration (\(leaseDuration)) must be greater than renewDeadline (\(renewDeadline))")
        }
        if renewDeadline.timeInterval <= 1.2 * retryPeriod.timeInterval {
            throw .invalidConfig("renewDeadline (\(renewDeadline)) must be greater than 1.2 × retryPeriod (\(retryPeriod))")
        }
        if !(jitterFactor >= 0) { throw .invalidConfig("jitterFactor must not be negative (got \(jitterFactor))") }
    }

    var leaseDurationSeconds: Int { max(1, Int(leaseDuration.timeInterval.rounded(.up))) }
}
