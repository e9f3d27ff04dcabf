import ControllerKit
import HedgehogResources
import OperatorTestSupport
import Testing
import TestSupport
import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
import KubeClient
import KubeEmulator
import Locking
import Logging
import Remediation
@testable import OperatorRuntime
import YAML

/// One emulator over HTTPS, a simulated fabric living in it, and a shared ManualClock.
final class E2EWorld: Sendable {
    let pki: TestPKI
    let token = "e2e-\(UUID().uuidString)"
    let clock = ManualClock()
    let server: EmulatedAPIServer
    let simulator: FabricSimulator
    let t0: Date
    /// What `stop()` ends before the emulator, the last added first (as `defer` does): the
    /// operators started in this world (`RunningOperator.start`) and what a test handed to `atEnd`.
    private let endings = Locked<[@Sendable () async -> Void]>([])

    /// - Parameter http2: offer HTTP/2 (the fault tests, which stop the server under load, use
    ///   HTTP/1.1: NIO's HTTP/2 server can trap when a stream opens as it shuts down).
    /// - Parameter bookmarkInterval: how often the emulator sends each watch a bookmark, in wall
    ///   time: kube-apiserver's minute compressed like the world's clock, which runs minutes in
    ///   seconds. Without it a quiet watch would look dead to the informer's idle watchdog (world
    ///   time) and a resumed watch would wait seconds of wall time for the bookmark that says it
    ///   has caught up.
    init(pki: TestPKI, gateways: Int, timing: FabricTiming, http2: Bool = true,
         bookmarkInterval: Duration = .milliseconds(50)) async throws {
        self.pki = pki
        var configuration = EmulatorConfiguration(
            tls: .init(certificateChainPEM: pki.serverCertificatePEM, privateKeyPEM: pki.serverKeyPEM, http2: http2), bearerToken: token)
        configuration.bookmarkInterval = bookmarkInterval
        let clock = self.clock
        configuration.now = { clock.now() }
        server = EmulatedAPIServer(configuration: configuration)
        E2EOutputRecord.secret(token)
        try Self.registerGatewayHealthCRD(server.store)
        try await server.start()
        t0 = clock.now()
        let spec = FabricSpec(gatewayCount: gateways, timing: timing, seed: 11)
        simulator = try FabricSimulator(spec: spec, store: EmulatorFabricStore(store: server.store), startTime: t0)
        try await simulator.bootstrap(now: t0)
    }

    /// Serves GatewayHealth from the repository's real CRD manifest (its printer columns).
    static func registerGatewayHealthCRD(_ store: ObjectStore) throws {
        let manifest = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("manifests/base/gatewayhealth-crd.yaml")
        let crd = try YAML.parseSingle(try String(contentsOf: manifest, encoding: .utf8), source: manifest.path)
        let name = crd[path: "metadata", "name"]?.stringValue ?? ""
        _ = try? store.delete(.customResourceDefinitions, name: name)
        try store.create(.customResourceDefinitions, crd)
    }

    /// A client as the operator has it; `userAgent` tells the test's own reads apart in the
    /// request log (the RBAC check counts only the operator's requests).
    func client(namespace: String = "default", userAgent: String = GatewayMedicVersion.userAgent) throws -> KubeClient {
        let config = ClusterConfig(
            server: server.baseURL, tls: TLSSettings(certificateAuthorityPEM: SecretBytes(pki.caPEM)),
            credentials: StaticTokenCredentials(token: SecretString(token)), namespace: namespace, origin: "e2e")
        return try KubeClient(config: config, options: ClientOptions(
            userAgent: userAgent, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(20))))
    }

    /// The one opening and ending of an e2e test: test certificates (without openssl the test
    /// does not run: `missingTool`, a failure under CI=true), a world of `gateways` on them, then
    /// `body`; and whether `body` returned or threw, `stop()` (the operators started in the world,
    /// what `body` handed to `atEnd`, the emulator) before its error, if any, is rethrown.
    static func with(gateways: Int, timing: FabricTiming = E2ETests.timing, http2: Bool = true,
                     _ body: (E2EWorld) async throws -> Void) async throws {
        guard let pki = try await TestPKI.make() else {
            missingTool("openssl not installed: e2e test skipped")
            return
        }
        defer { pki.remove() }
        let world = try await E2EWorld(pki: pki, gateways: gateways, timing: timing, http2: http2)
        let outcome: Result<Void, any Error>
        do { outcome = .success(try await body(world)) } catch { outcome = .failure(error) }
        await world.stop()
        try outcome.get()
    }

    /// `ending` runs when the world stops: after what was added later (an operator started
    /// later), before what was added earlier, and before the emulator stops.
    func atEnd(_ ending: @escaping @Sendable () async -> Void) {
        endings.withLock { $0.append(ending) }
    }

    /// Ends what was added to end with the world (each once: a second `stop()` ends nothing
    /// again), records the operators' requests, stops the emulator.
    func stop() async {
        let ending = endings.withLock { endings in
            defer { endings = [] }
            return endings
        }
        for end in ending.reversed() { await end() }
        recordOperatorRequests()
        await server.stop()
    }

    /// With GATEWAY_MEDIC_E2E_RECORD set to a folder, appends the operator's API requests
    /// (requests.jsonl) and the GatewayHealth objects it produced (gatewayhealths.jsonl), one JSON
    /// line each: `make test` then checks the RBAC manifests and the CRD schema against them.
    private func recordOperatorRequests() {
        guard E2EOutputRecord.isRecording else { return }
        var requests = ""
        for record in server.requestLog where record.info.isResourceRequest && record.info.userAgent.hasPrefix("gateway-medic/") {
            let line: JSONValue = [
                "verb": .string(record.verb), "group": .string(record.info.group), "resource": .string(record.resource),
                "subresource": record.subresource.map { .string($0) } ?? .null, "code": .int(Int64(record.code)),
            ]
            requests += line.jsonString + "\n"
        }
        var healths = ""
        for object in (try? server.store.list(.gatewayHealths))?.items ?? [] {
            var object = object
            object["apiVersion"] = "gatewaymedic.io/v1alpha1"
            object["kind"] = "GatewayHealth"
            healths += object.jsonString + "\n"
        }
        E2EOutputRecord.append(requests, to: "requests.jsonl")
        E2EOutputRecord.append(healths, to: "gatewayhealths.jsonl")
        E2EOutputRecord.append(Self.everyObject(in: server.store), to: "objects.jsonl")
    }

    /// Every stored object of every served resource, one JSON line each.
    static func everyObject(in store: ObjectStore) -> String {
        var lines = ""
        for resource in store.resources {
            for object in (try? store.list(resource.type))?.items ?? [] { lines += object.jsonString + "\n" }
        }
        return lines
    }

    // MARK: Time

    /// Moves the shared clock to `t0 + seconds` in `step`-second steps, stepping the simulator at
    /// each, and lets `settle` wait for the operator(s) to catch up after each step.
    func advance(to seconds: TimeInterval, step: TimeInterval = 1, settle: () async -> Void = {}) async throws {
        let target = t0.addingTimeInterval(seconds)
        while clock.now() < target {
            let next = min(target, clock.now().addingTimeInterval(step))
            clock.set(next)
            try await simulator.step(now: next)
            await settle()
        }
    }

    var elapsed: TimeInterval { clock.now().timeIntervalSince(t0) }

    /// Cuts every watch so that every resume meets 410 Gone, however fresh the bookmarks kept
    /// the informers' resume points: re-opens are refused (503) while the history moves on (a
    /// write no informer watches) and is compacted; then the refusals stop.
    func cutWatchesAndForgetHistory() throws {
        server.failNext(1_000_000, status: 503, matching: RequestMatcher(verb: "watch"))
        server.cutAllWatches()
        try server.store.create(.configMaps, ["metadata": ["name": .string("e2e-history-\(UUID().uuidString.lowercased())"), "namespace": "default"]])
        server.compact()
        server.clearFaults()
    }

    // MARK: Reading the emulator

    func health(_ gateway: String) -> JSONValue? {
        try? server.store.get(.gatewayHealths, namespace: "default", name: gateway)
    }

    func state(_ gateway: String) -> String? { health(gateway)?[path: "status", "state"]?.stringValue }

    /// Runs the real kubectl against the emulator (kubeconfig with the world's CA and token);
    /// nil when kubectl is not installed.
    func kubectl(_ arguments: [String], timeout: Double = 20) async throws -> ChildProcess.Result? {
        guard let kubectl = ChildProcess.which("kubectl") else { return nil }
        let kubeconfig = pki.directory.appendingPathComponent("kubeconfig").path
        try """
            apiVersion: v1
            kind: Config
            clusters:
            - name: e2e
              cluster: {server: "\(server.baseURL)", certificate-authority: "\(pki.caPath)"}
            users:
            - name: e2e
              user: {token: "\(token)"}
            contexts:
            - name: e2e
              context: {cluster: e2e, user: e2e, namespace: default}
            current-context: e2e

            """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let env = ["KUBECONFIG": kubeconfig, "HOME": pki.directory.path, "PATH": "/usr/bin:/bin"]
        return try await ChildProcess.run(kubectl, arguments, environment: env, timeout: .seconds(timeout))
    }

    func agentHeartbeat(_ gateway: String) -> String? {
        (try? server.store.get(.gatewayAgents, namespace: "default", name: gateway))?[path: "status", "lastHeartbeat"]?.stringValue
    }

    /// Events about a GatewayAgent, read back through the API with a field selector.
    func events(about gateway: String, client _: KubeClient? = nil) async throws -> [Event] {
        let reader = try client(userAgent: "e2e-reader")
        defer { reader.shutdown() }
        let list = try await reader.list(.events, namespace: "default",
                                         options: ListOptions(fieldSelector: "involvedObject.name=\(gateway)"))
        return try list.items.map { try $0.decode(Event.self) }
    }

    /// Sum of `count` per reason (an aggregated repeat counts as often as it happened).
    func eventCounts(about gateway: String, client: KubeClient) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for event in try await events(about: gateway, client: client) {
            counts[event.reason ?? "", default: 0] += event.count ?? 1
        }
        return counts
    }
}

/// Operator settings for the e2e tests: leader election as asked, the rest default.
func e2eConfig(leaderElection: Bool = false, dryRun: Bool = false) -> OperatorConfig {
    var config = OperatorConfig()
    config.dryRun = dryRun
    config.operatorNamespace = "default"
    config.leaderElection.enabled = leaderElection
    config.leaderElection.leaseDuration = 15
    config.leaderElection.renewDeadline = 10
    config.leaderElection.retryPeriod = 2
    config.queue.workers = 2
    return config
}

/// A running operator instance and its task.
struct RunningOperator: Sendable {
    let instance: GatewayMedicOperator
    let client: KubeClient
    let task: Task<Void, any Error>

    /// Its client's User-Agent names the instance (`gateway-medic/e2e (<identity>)`), so the
    /// emulator's request log tells two instances' requests apart.
    /// `webhookRetry`: the ticket sinks' retry policy (the webhook and Alertmanager tests shorten it).
    static func start(_ world: E2EWorld, config: OperatorConfig, identity: String,
                      output: (@Sendable (String) -> Void)? = nil,
                      webhookRetry: WebhookRetryPolicy = WebhookRetryPolicy()) throws -> RunningOperator {
        let client = try world.client(userAgent: userAgent(identity))
        let instance = GatewayMedicOperator(config: config, client: client, clock: world.clock, identity: identity,
                                            logger: quietLogger("e2e.\(identity)"), output: output, webhookRetry: webhookRetry)
        return start(world, instance, client: client)
    }

    /// Runs an instance made by the test (its own logger, retry policy…) on `client`; it is
    /// stopped when the world stops, if the test has not stopped it before.
    static func start(_ world: E2EWorld, _ instance: GatewayMedicOperator, client: KubeClient) -> RunningOperator {
        let running = RunningOperator(instance: instance, client: client, task: Task { try await instance.run() })
        world.atEnd { await running.stop() }
        return running
    }

    static func userAgent(_ identity: String) -> String { "gateway-medic/e2e (\(identity))" }

    /// Clean shutdown: cancel and wait (the lease is released).
    func stop() async {
        task.cancel()
        _ = try? await task.value
        client.shutdown()
    }

    /// A crash: the process loses the API at once (nothing more is written, the lease is not
    /// released), then its task ends.
    func crash() async {
        client.shutdown()
        task.cancel()
        _ = try? await task.value
    }

    /// The operator has caught up with the emulator: every informer has applied and handed on the
    /// newest change of its resource, nothing is queued, being reconciled or due on a timer, every
    /// gateway's latest heartbeat has been evaluated, and no write landed while this was checked
    /// (the server's resourceVersion did not move), so the shared clock may move on.
    func caughtUp(_ world: E2EWorld, gateways: [String]) async -> Bool {
        let store = world.server.store
        let before = store.resourceVersion
        guard await instance.isIdle() else { return false }
        for informer in instance.informerProgress() {
            guard let latest = store.latestChangeVersion(informer.resource, namespace: informer.namespace) else { continue }
            guard let delivered = informer.delivered.flatMap({ Int64($0) }), delivered >= latest else { return false }
        }
        let assessments = await instance.assessments()
        for gateway in gateways {
            let key = ObjectKey(namespace: "default", name: gateway)
            guard let beat = world.agentHeartbeat(gateway) else { continue }
            guard let seen = assessments[key]?.evidence.heartbeat, seen == beat else { return false }
        }
        guard await instance.isIdle() else { return false }
        return store.resourceVersion == before
    }
}

