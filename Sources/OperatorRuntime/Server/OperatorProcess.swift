import ServiceLifecycle

/// What the process supervisor and the probes need from the operator: something that runs until
/// cancelled and says whether its caches have synced. `GatewayMedicOperator` conforms; tests use
/// small stand-ins.
public protocol OperatorProcess: Sendable {
    /// Runs until the task is cancelled (graceful shutdown cancels it), or throws on a fatal error.
    func run() async throws
    /// True once every informer has listed: `/readyz` answers 200 from then on.
    var hasSynced: Bool { get }
    /// True while this replica holds the leader lease (exported as a metric, not a probe).
    var isLeader: Bool { get }
}

/// Runs an `OperatorProcess` as a service of the group: a graceful shutdown cancels its task,
/// which is how the operator learns to stop (release its lease, drain its queue).
public struct OperatorService: Service {
    public let process: any OperatorProcess

    public init(process: any OperatorProcess) { self.process = process }

    public func run() async throws {
        let process = self.process
        try await cancelWhenGracefulShutdown {
            do {
                try await process.run()
            } catch where Task.isCancelled {
                // Stopping because the shutdown asked it to: whatever the operator throws on the
                // way out (CancellationError, a cancelled request) is a clean stop.
            }
        }
    }
}
