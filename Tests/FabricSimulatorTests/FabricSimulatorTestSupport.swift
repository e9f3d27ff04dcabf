import FabricSimulator
import Foundation
import HedgehogResources
import KubeAPI

/// Shared fixtures for the FabricSimulator tests: a fabric on an in-memory store, explicit time.
struct SimulatedFabric {
    let simulator: FabricSimulator
    let store: InMemoryFabricStore
    let t0: Date

    /// Dataplanes start exactly `startupDelay` after bootstrap unless a spread is given, so tests
    /// can name the instants at which things happen.
    static func make(
        gateways: Int = 4, spread: TimeInterval = 0, sweep: TimeInterval? = 5, seed: UInt64 = 7
    ) async throws -> SimulatedFabric {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let timing = FabricTiming(startupDelay: 1, startupSpread: spread, applyDelay: 1, podRecreateDelay: 2, podSweepInterval: sweep)
        let spec = FabricSpec(gatewayCount: gateways, timing: timing, seed: seed)
        let store = InMemoryFabricStore()
        let simulator = try FabricSimulator(spec: spec, store: store, startTime: t0)
        try await simulator.bootstrap(now: t0)
        return SimulatedFabric(simulator: simulator, store: store, t0: t0)
    }

    func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    func step(to seconds: TimeInterval) async throws { try await simulator.step(now: at(seconds)) }

    func agent(_ name: String) async throws -> JSONValue? {
        try await store.get(.gatewayAgents, namespace: "default", name: name)
    }

    func agentStatus(_ name: String) async throws -> JSONValue? { try await agent(name)?["status"] }

    func pod(_ name: String?) async throws -> JSONValue? {
        guard let name else { return nil }
        return try await store.get(.pods, namespace: "fab", name: name)
    }

    func leafStatus(_ name: String) async throws -> JSONValue? {
        try await store.get(.switchAgents, namespace: "default", name: name)?["status"]
    }

    /// Every session the leaves report, keyed by the neighbor (gateway interface) IP.
    func leafSessions() async throws -> [String: JSONValue] {
        var sessions: [String: JSONValue] = [:]
        for leaf in simulator.leafNames {
            for (ip, session) in try await leafStatus(leaf)?[path: "state", "bgpNeighbors", "default"]?.objectValue ?? [:] {
                sessions[ip] = session
            }
        }
        return sessions
    }

    /// The gateway's link addresses as its Gateway object lists them (spec.interfaces[].ips).
    func gatewayLinkIPs(_ name: String) async throws -> [String] {
        let gateway = try await store.get(.gateways, namespace: "default", name: name)
        let interfaces = gateway?[path: "spec", "interfaces"]?.objectValue ?? [:]
        return interfaces.values.compactMap { $0["ips"]?.arrayValue?.first?.stringValue }
            .map { String($0.split(separator: "/")[0]) }.sorted()
    }

    func statusWrites(_ resource: ResourceType, name: String? = nil) async -> [StoreWrite] {
        await store.writes().filter { $0.verb == .updateStatus && $0.resource == resource && (name == nil || $0.name == name) }
    }
}

extension JSONValue {
    var time: Date? { stringValue.flatMap(KubeTime.parse) }
}
