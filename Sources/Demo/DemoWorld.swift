import ControllerKit
import FabricSimulator
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import KubeEmulator
import Logging
import OperatorRuntime
import YAML

/// The demo's world: the embedded API server on loopback (plain HTTP), the simulated fabric
/// living in its store, the operator reading it through a real client, all on one ManualClock
/// that only the demo driver moves.
final class DemoWorld: Sendable {
    static let namespace = "default"

    let clock: ManualClock
    let server: EmulatedAPIServer
    let simulator: FabricSimulator
    let client: KubeClient
    let medic: GatewayMedicOperator
    let t0: Date
    let crdSource: String

    init(remediate: Bool, crdPath: String?, output: @escaping @Sendable (String) -> Void) async throws {
        let clock = ManualClock()
        self.clock = clock
        var configuration = EmulatorConfiguration()
        configuration.now = { clock.now() }
        // The story runs minutes of clock in seconds: bookmarks (kube-apiserver: a minute) come
        // as often, or a quiet watch would look dead to the informer's idle watchdog.
        configuration.bookmarkInterval = .milliseconds(100)
        server = EmulatedAPIServer(configuration: configuration)
        crdSource = try Self.registerGatewayHealthCRD(server.store, explicitPath: crdPath)
        do {
            try await server.start()
        } catch {
            throw DemoError.setup("the embedded API server did not start on loopback: \(error)")
        }
        t0 = clock.now()
        // One leaf per group, so that one leaf's maintenance takes a whole group's sessions down.
        let spec = FabricSpec(gatewayCount: 4, gatewaysPerGroup: 2, leavesPerGateway: 1, gatewaysPerLeafSet: 2,
                              timing: Self.timing, seed: 7)
        do {
            simulator = try FabricSimulator(spec: spec, store: EmulatorFabricStore(store: server.store), startTime: t0)
            client = try KubeClient(config: ClusterConfig(server: server.baseURL, namespace: Self.namespace, origin: "demo"),
                                    options: ClientOptions(userAgent: GatewayMedicVersion.userAgent, retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(20))))
        } catch {
            await server.stop()
            throw DemoError.setup("\(error)")
        }
        var logger = Logger(label: "gateway-medic.demo")
        logger.logLevel = .critical  // the table is the output; log lines would tear it
        medic = GatewayMedicOperator(config: Self.operatorConfig(remediate: remediate), client: client, clock: clock,
                                     identity: "gateway-medic-demo", logger: logger, output: output,
                                     version: GatewayMedicVersion.current)
    }

    /// Creates the fabric objects (after the watches are open, so they see everything).
    func bootstrap() async throws {
        do {
            try await simulator.bootstrap(now: t0)
        } catch {
            throw DemoError.setup("the simulated fabric could not be created: \(error)")
        }
    }

    func stop() async {
        client.shutdown()
        await server.stop()
    }

    static let timing = FabricTiming(heartbeatInterval: 15, leafHeartbeatInterval: 15, startupDelay: 5, startupSpread: 3,
                                     applyDelay: 1, podRecreateDelay: 2, crashLoopBackoff: 10, podSweepInterval: 5)

    static func operatorConfig(remediate: Bool) -> OperatorConfig {
        var config = OperatorConfig()
        config.operatorNamespace = namespace
        config.leaderElection.enabled = false
        config.queue.workers = 2
        config.server.port = 0
        config.remediation.enabled = remediate
        config.remediation.ticketAfter = DemoStory.ticketAfter
        return config
    }

    // MARK: Time

    var elapsed: TimeInterval { clock.now().timeIntervalSince(t0) }

    /// Moves the clock `seconds` on and runs the fabric up to it.
    func advance(by seconds: TimeInterval) async throws {
        let next = clock.now().addingTimeInterval(seconds)
        clock.set(next)
        try await simulator.step(now: next)
    }

    // MARK: Reading the store

    func healthState(_ gateway: String) -> String? {
        (try? server.store.get(.gatewayHealths, namespace: Self.namespace, name: gateway))?[path: "status", "state"]?.stringValue
    }

    /// The status of a condition on the gateway's GatewayHealth; nil when it has no such condition.
    func conditionStatus(_ gateway: String, _ type: String) -> String? {
        let health = try? server.store.get(.gatewayHealths, namespace: Self.namespace, name: gateway)
        let conditions = health?[path: "status", "conditions"]?.arrayValue ?? []
        return conditions.first { $0["type"]?.stringValue == type }?["status"]?.stringValue
    }

    /// The messages of the `RemediationSkipped` Events about the gateway.
    func skipMessages(_ gateway: String) -> [String] {
        let events = (try? server.store.list(.events, namespace: Self.namespace).items) ?? []
        return events.filter { $0["reason"]?.stringValue == "RemediationSkipped" && $0[path: "involvedObject", "name"]?.stringValue == gateway }
            .compactMap { $0["message"]?.stringValue }
    }

    func agentHeartbeat(_ gateway: String) -> String? {
        (try? server.store.get(.gatewayAgents, namespace: Self.namespace, name: gateway))?[path: "status", "lastHeartbeat"]?.stringValue
    }

    /// Event occurrences in the store (aggregated repeats counted by their `count`).
    func eventOccurrences() -> Int {
        let events = (try? server.store.list(.events).items) ?? []
        return events.reduce(0) { $0 + Int($1["count"]?.intValue ?? 1) }
    }

    /// The operator has caught up with the emulator: every informer has handed on the newest
    /// change of its resource (a switch Agent informer behind would make the leaves look stale),
    /// nothing is queued or due, every gateway's latest heartbeat is judged and its state
    /// written, and nothing was written meanwhile. Only then may the clock move on.
    func caughtUp() async -> Bool {
        let store = server.store
        let before = store.resourceVersion
        guard await medic.isIdle() else { return false }
        for informer in medic.informerProgress() {
            guard let latest = store.latestChangeVersion(informer.resource, namespace: informer.namespace) else { continue }
            guard let delivered = informer.delivered.flatMap({ Int64($0) }), delivered >= latest else { return false }
        }
        let assessments = await medic.assessments()
        for gateway in simulator.gatewayNames {
            guard let assessment = assessments[ObjectKey(namespace: Self.namespace, name: gateway)] else { return false }
            if let beat = agentHeartbeat(gateway), assessment.evidence.heartbeat != beat { return false }
            if healthState(gateway) != assessment.state.rawValue { return false }
        }
        guard await medic.isIdle() else { return false }
        return store.resourceVersion == before
    }

    // MARK: The CRD

    /// Serves GatewayHealth from the repository's CRD manifest when one is found (its printer
    /// columns and schema), else keeps the emulator's built-in registration. Returns the source.
    static func registerGatewayHealthCRD(_ store: ObjectStore, explicitPath: String?) throws -> String {
        let candidates = explicitPath.map { [$0] } ?? ["manifests/base/gatewayhealth-crd.yaml", "manifests/gatewayhealth-crd.yaml"]
        let cwd = FileManager.default.currentDirectoryPath
        let found = candidates.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 }
            .first { FileManager.default.isReadableFile(atPath: $0) }
        guard let path = found else {
            if let explicitPath { throw DemoError.setup("cannot read the CRD manifest \(explicitPath)") }
            return "built-in"
        }
        do {
            let crd = try YAML.parseSingle(try String(contentsOfFile: path, encoding: .utf8), source: path)
            let name = crd[path: "metadata", "name"]?.stringValue ?? ""
            guard crd[path: "spec", "names", "kind"]?.stringValue == "GatewayHealth" else {
                throw DemoError.setup("\(path) is not the GatewayHealth CustomResourceDefinition")
            }
            _ = try? store.delete(.customResourceDefinitions, name: name)
            try store.create(.customResourceDefinitions, crd)
        } catch let error as DemoError {
            throw error
        } catch {
            throw DemoError.setup("cannot register the GatewayHealth CRD from \(path): \(error)")
        }
        return path
    }
}
