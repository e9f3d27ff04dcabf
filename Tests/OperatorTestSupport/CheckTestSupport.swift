import FabricSimulator
import Foundation
import KubeAPI
import KubeEmulator
import Locking

/// The fabric simulator writing straight into the emulator's store (not over HTTP, so the
/// emulator's `writeCount` counts only what the code under test writes).
package struct CheckTestFabricStore: FabricObjectStore {
    package let store: ObjectStore

    package init(store: ObjectStore) { self.store = store }

    package func create(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue {
        try store.create(r, object)
    }

    package func get(_ r: ResourceType, namespace: String?, name: String) async throws -> JSONValue? {
        do {
            return try store.get(r, namespace: namespace, name: name)
        } catch where error.code == 404 {
            return nil
        }
    }

    package func update(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue {
        try store.update(r, object)
    }

    package func updateStatus(_ r: ResourceType, namespace: String?, name: String, status: JSONValue) async throws -> JSONValue {
        var object = try store.get(r, namespace: namespace, name: name)
        object["status"] = status
        return try store.updateStatus(r, object, namespace: namespace)
    }

    package func delete(_ r: ResourceType, namespace: String?, name: String) async throws {
        try store.delete(r, namespace: namespace, name: name)
    }

    package func list(_ r: ResourceType, namespace: String?) async throws -> [JSONValue] {
        try store.list(r, namespace: namespace).items
    }
}

/// An emulator on loopback with a simulated fabric in it, and a kubeconfig pointing at it.
package struct CheckFixture {
    package let server: EmulatedAPIServer
    package let simulator: FabricSimulator
    package let t0: Date
    package let kubeconfig: String

    /// Bootstraps `gateways` gateways at `t0` and steps the fabric `seconds` later (dataplanes
    /// start after 1 s and apply at once, so after ~20 s every gateway is UP).
    package static func start(gateways: Int, t0: Date = Date(timeIntervalSince1970: 1_800_000_000)) async throws -> CheckFixture {
        let server = EmulatedAPIServer()
        try await server.start()
        let timing = FabricTiming(startupDelay: 1, startupSpread: 0, applyDelay: 1, podRecreateDelay: 2, podSweepInterval: nil)
        let simulator = try FabricSimulator(spec: FabricSpec(gatewayCount: gateways, timing: timing, seed: 3),
                                            store: CheckTestFabricStore(store: server.store), startTime: t0)
        try await simulator.bootstrap(now: t0)
        let kubeconfig = try writeKubeconfig(server: server.baseURL)
        return CheckFixture(server: server, simulator: simulator, t0: t0, kubeconfig: kubeconfig)
    }

    package func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    package func stop() async { await server.stop() }

    /// A kubeconfig for a plain-HTTP server without credentials, in a fresh temporary folder.
    package static func writeKubeconfig(server: String, token: String? = nil) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gm-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("kubeconfig").path
        token.map(E2EOutputRecord.secret)
        try """
            apiVersion: v1
            kind: Config
            clusters:
            - name: emulator
              cluster:
                server: \(server)
            contexts:
            - name: emulator
              context:
                cluster: emulator
                user: tester
                namespace: default
            current-context: emulator
            users:
            - name: tester
              user: \(token.map { "{token: \($0)}" } ?? "{}")
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// Collects what a command prints.
package final class OutputCapture: Sendable {
    private let text = Locked("")

    package init() {}

    package var write: @Sendable (String) -> Void { { [text] s in text.withLock { $0 += s } } }
    package var value: String { text.current }
}

extension CheckFixture {
    /// Runs `body` with a started fixture and stops the emulator afterwards, also on failure.
    package static func with(gateways: Int, t0: Date = Date(timeIntervalSince1970: 1_800_000_000), _ body: (CheckFixture) async throws -> Void) async throws {
        let fixture = try await start(gateways: gateways, t0: t0)
        do {
            try await body(fixture)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }
}
