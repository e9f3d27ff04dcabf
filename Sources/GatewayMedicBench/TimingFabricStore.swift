import FabricSimulator
import Foundation
import KubeAPI
import KubeEmulator
import Locking

/// The emulator's store as the simulator writes to it, noting when each GatewayAgent write
/// (spec or status) committed and counting the GatewayAgent and switch Agent status writes
/// (heartbeats). The store call is synchronous, so "returned" is "committed" to within µs.
struct TimingFabricStore: FabricObjectStore {
    let base: EmulatorFabricStore
    let log: CommitLog

    func create(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue { try await base.create(r, object) }

    func get(_ r: ResourceType, namespace: String?, name: String) async throws -> JSONValue? {
        try await base.get(r, namespace: namespace, name: name)
    }

    func update(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue {
        let result = try await base.update(r, object)
        if r.plural == "gatewayagents", let name = object[path: "metadata", "name"]?.stringValue {
            log.agentCommitted(name, status: false)
        }
        return result
    }

    func updateStatus(_ r: ResourceType, namespace: String?, name: String, status: JSONValue) async throws -> JSONValue {
        let result = try await base.updateStatus(r, namespace: namespace, name: name, status: status)
        switch r.plural {
        case "gatewayagents": log.agentCommitted(name, status: true)
        case "agents": log.leafBeat()
        default: break
        }
        return result
    }

    func delete(_ r: ResourceType, namespace: String?, name: String) async throws {
        try await base.delete(r, namespace: namespace, name: name)
    }

    func list(_ r: ResourceType, namespace: String?) async throws -> [JSONValue] { try await base.list(r, namespace: namespace) }
}

/// Commit times of GatewayAgent writes and heartbeat counts, shared by the simulator's store
/// wrapper and the health observer.
final class CommitLog: Sendable {
    private struct State {
        var lastAgentCommit: [String: ContinuousClock.Instant] = [:]
        var agentStatusWrites = 0
        var leafStatusWrites = 0
    }

    private let state = Locked(State())

    func agentCommitted(_ name: String, status: Bool) {
        let now = ContinuousClock.now
        state.withLock { s in
            s.lastAgentCommit[name] = now
            if status { s.agentStatusWrites += 1 }
        }
    }

    func leafBeat() { state.withLock { $0.leafStatusWrites += 1 } }

    func lastCommit(of name: String) -> ContinuousClock.Instant? { state.withLock { $0.lastAgentCommit[name] } }

    /// GatewayAgent status writes and switch Agent status writes so far.
    var heartbeats: (gateway: Int, leaf: Int) { state.withLock { ($0.agentStatusWrites, $0.leafStatusWrites) } }
}
