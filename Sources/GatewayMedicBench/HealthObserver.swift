import Foundation
import HedgehogResources
import KubeAPI
import KubeEmulator
import Locking

/// Watches GatewayHealth objects in the emulator's store (not over HTTP) and times the
/// operator's writes: when each gateway first got a status (initial sync) and, for gateways
/// armed by a fault, how long after the GatewayAgent commit that caused it a status change landed.
final class HealthObserver: Sendable {
    private struct State {
        var firstStatus: [String: ContinuousClock.Instant] = [:]
        var lastStatus: [String: JSONValue] = [:]
        /// Gateway → when its fault was injected; the next status change is the answer.
        var armed: [String: ContinuousClock.Instant] = [:]
        var latencies: [Double] = []
        var statusChanges = 0
    }

    private let state = Locked(State())
    private let commits: CommitLog
    private let watch: StoreWatch
    private let task: Task<Void, Never>

    init(store: ObjectStore, namespace: String, commits: CommitLog) throws {
        self.commits = commits
        let watch = try store.watch(.gatewayHealths, namespace: namespace, resourceVersion: String(store.resourceVersion))
        self.watch = watch
        let state = self.state
        task = Task(priority: .high) {
            for await event in watch.events where event.type != .deleted {
                let now = ContinuousClock.now
                guard let name = event.object[path: "metadata", "name"]?.stringValue,
                      let status = event.object["status"], !status.isNull else { continue }
                HealthObserver.note(name: name, status: status, at: now, state: state, commits: commits)
            }
        }
    }

    private static func note(name: String, status: JSONValue, at now: ContinuousClock.Instant, state: Locked<State>,
                             commits: CommitLog) {
        state.withLock { s in
            if s.firstStatus[name] == nil { s.firstStatus[name] = now }
            guard s.lastStatus[name] != status else { return }
            s.lastStatus[name] = status
            s.statusChanges += 1
            if let since = s.armed[name], let commit = commits.lastCommit(of: name), commit >= since {
                s.armed[name] = nil
                s.latencies.append((now - commit).timeInterval * 1000)
            }
        }
    }

    /// Expects a status change of `gateway` caused by its next GatewayAgent commit.
    func arm(_ gateway: String) { state.withLock { $0.armed[gateway] = ContinuousClock.now } }

    func isArmed(_ gateway: String) -> Bool { state.withLock { $0.armed[gateway] != nil } }

    /// Latency samples in ms, and how many armed gateways never answered.
    var latencies: (samples: [Double], unanswered: Int) { state.withLock { ($0.latencies, $0.armed.count) } }

    var statusChanges: Int { state.withLock { $0.statusChanges } }
    var gatewaysWithStatus: Int { state.withLock { $0.firstStatus.count } }
    var lastFirstStatus: ContinuousClock.Instant? { state.withLock { $0.firstStatus.values.max() } }

    /// Returns once `count` gateways have a status, or after `timeout` seconds (false).
    func waitForStatuses(_ count: Int, timeout: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if gatewaysWithStatus >= count { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return gatewaysWithStatus >= count
    }

    func stop() {
        watch.cancel()
        task.cancel()
    }
}
