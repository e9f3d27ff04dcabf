// Copied into Tests/OperatorTests of a checkout by scripts/compare-behaviour.sh; not part of the
// package's test suite. It compiles against the code before issue 18 (one OperatorRuntime module,
// the Hedgehog resource types in KubeAPI) and after it (ControllerKit, HedgehogResources), hence
// the conditional imports; `probePoll` comes from a shim the script writes for the checkout
// (the checkout's own poll-until-true helper).
#if canImport(ControllerKit)
import ControllerKit
#endif
import FabricSimulator
import Foundation
import HealthModel
#if canImport(HedgehogResources)
import HedgehogResources
#endif
import KubeAPI
import KubeClient
import KubeEmulator
import Logging
@testable import OperatorRuntime
#if canImport(OperatorTestSupport)
import OperatorTestSupport
#endif
import Testing

/// What the operator and `check -o json` do on a deterministic simulated fabric (fixed seed, a
/// ManualClock stepped one second at a time, each step waiting until the operator has caught up),
/// written to $BEHAVIOUR_PROBE_OUT:
/// - `requests.txt`: per step, the distinct API requests of the operator (verb, path, query,
///   response code), sorted within the step (two workers reconcile in parallel); watch timeouts,
///   resourceVersions and Event names (random suffixes) normalised;
/// - `objects.txt`: per step where they changed, the GatewayHealths, Events, ConfigMaps and Leases
///   (what the request bodies wrote), uids and resourceVersions normalised, keys sorted, and the
///   volatile status fields blanked (see below);
/// - `check-<t>.json`: `check -o json` at three moments, keys sorted, with its exit code.
/// Without $BEHAVIOUR_PROBE_OUT it does nothing.
///
/// Run to run, one thing is not deterministic: a simulator step writes several objects at once (a
/// gateway's pod and its GatewayAgent; a member's GatewayAgent and so its group mates' inputs),
/// and the informers deliver them on their own watch connections. Whether the reconcile worker
/// picks a gateway up before a delivery or after it is the scheduler's choice, so one step may
/// evaluate a gateway once or twice, on inputs that differ only in the last delivery. Verdicts,
/// conditions and Events end the same; what differs is (1) a second identical status PATCH in the
/// step, and (2) which evaluation wrote the status's volatile fields — those the rules declare
/// never worth a write on their own (`OwnedField` `volatile`: the heartbeat value seen and its
/// clock offset, the traffic baseline and its stamp, the counter evidence, the peerings' last
/// rises, `evaluatedAt`, the state message and liveness detail), so the persisted copy lags by
/// however many evaluations followed it; worse, a verdict that needs two observations (BGPStable's
/// flap baseline counts evaluations, not collections) may come a step earlier. The fix is
/// `SettlingFabricStore`: the operator catches up after each of the simulator's writes, so every
/// run sees the same sequence (two runs of b1ba2b7 and two of issue 19's head recorded the same).
/// The distinct requests per step and the volatile fields blanked (`*`, present or not) stay as a
/// second line of defence.
@Suite struct BehaviourProbe {
    static let userAgent = "gateway-medic/behaviour-probe"
    static let gateways = (1...6).map { "gateway-\($0)" }

    @Test func record() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let folder = environment["BEHAVIOUR_PROBE_OUT"], !folder.isEmpty else { return }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)

        let clock = ManualClock()
        var configuration = EmulatorConfiguration()
        configuration.bookmarkInterval = .milliseconds(50)
        configuration.now = { clock.now() }
        let server = EmulatedAPIServer(configuration: configuration)
        try await server.start()
        let t0 = clock.now()
        let timing = FabricTiming(heartbeatInterval: 15, leafHeartbeatInterval: 15, startupDelay: 5, startupSpread: 0,
                                  applyDelay: 1, podRecreateDelay: 2, crashLoopBackoff: 10, podSweepInterval: 5)
        let settling = SettlingFabricStore(base: EmulatorFabricStore(store: server.store))
        let simulator = try FabricSimulator(spec: FabricSpec(gatewayCount: Self.gateways.count, timing: timing, seed: 11),
                                            store: settling, startTime: t0)
        try await simulator.bootstrap(now: t0)

        // BEHAVIOUR_PROBE_CONFIG: extra settings as a config file (e.g. streaming lists off on a
        // commit that has them, to compare with one that has not).
        var config = try OperatorConfig.parse(yaml: environment["BEHAVIOUR_PROBE_CONFIG"] ?? "{}", source: "probe")
        config.operatorNamespace = "default"
        config.queue.workers = 2
        config.remediation.enabled = true
        // One instance: no Lease renewals interleaving with the steps.
        config.leaderElection.enabled = false
        let client = try KubeClient(config: ClusterConfig(server: server.baseURL),
                                    options: ClientOptions(userAgent: Self.userAgent,
                                                           retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(20))))
        let instance = GatewayMedicOperator(config: config, client: client, clock: clock, identity: "probe",
                                            logger: Logger(label: "probe") { _ in SwiftLogNoOpLogHandler() })
        let task = Task { try await instance.run() }
        let kubeconfig = try CheckFixture.writeKubeconfig(server: server.baseURL)

        var requests = ""
        var objects = ""
        var logged = 0
        var lastObjects: [String] = []
        func record(_ label: String) {
            let log = server.requestLog
            // Distinct: a repeat within one step is a second reconcile of the same inputs (see above).
            let new = Set(log[min(logged, log.count)...].filter { $0.userAgent == Self.userAgent }.map(Self.line)).sorted()
            logged = log.count
            if !new.isEmpty { requests += "# \(label)\n" + new.joined(separator: "\n") + "\n" }
            let now = Self.objects(server.store)
            if now != lastObjects {
                objects += "# \(label)\n" + now.joined(separator: "\n") + "\n"
                lastObjects = now
            }
        }
        func caughtUp() async -> Bool {
            let store = server.store
            let before = store.resourceVersion
            guard await instance.isIdle() else { return false }
            for informer in instance.informerProgress() {
                guard let latest = store.latestChangeVersion(informer.resource, namespace: informer.namespace) else { continue }
                guard let delivered = informer.delivered.flatMap({ Int64($0) }), delivered >= latest else { return false }
            }
            let assessments = await instance.assessments()
            for gateway in Self.gateways {
                let key = ObjectKey(namespace: "default", name: gateway)
                guard let beat = (try? store.get(.gatewayAgents, namespace: "default", name: gateway))?[path: "status", "lastHeartbeat"]?.stringValue
                else { continue }
                guard let seen = assessments[key]?.evidence.heartbeat, seen == beat else { return false }
            }
            guard await instance.isIdle() else { return false }
            return store.resourceVersion == before
        }
        func advance(to seconds: Int) async throws {
            while clock.now() < t0.addingTimeInterval(TimeInterval(seconds)) {
                let next = clock.now().addingTimeInterval(1)
                clock.set(next)
                try await simulator.step(now: next)
                let settled = await probePoll(10) { await caughtUp() }
                await instance.ticketsDelivered()
                let t = Int(next.timeIntervalSince(t0))
                record(settled ? "t=\(t)" : "t=\(t) NOT CAUGHT UP")
            }
        }
        func check(at seconds: Int) async throws {
            let out = OutputCapture(), err = OutputCapture()
            let code = await CheckCommandRunner(kubeconfig: kubeconfig, format: .json, environment: [:])
                .execute(now: clock.now(), stdout: out.write, stderr: err.write)
            let document = (try? JSONValue.parse(out.value)).map(Self.canonical) ?? out.value
            try "exit \(code)\nstderr: \(err.value)\n\(document)\n"
                .write(toFile: "\(folder)/check-t\(seconds).json", atomically: true, encoding: .utf8)
        }

        // From here on each of the simulator's writes is delivered and judged before the next.
        settling.settle { _ = await probePoll(10) { await caughtUp() } }
        // Synced: every gateway assessed once (caughtUp alone holds before the informers start).
        let synced = await probePoll(20) {
            guard await instance.assessments().count == Self.gateways.count else { return false }
            return await caughtUp()
        }
        record(synced ? "t=0" : "t=0 NOT SYNCED")
        try await advance(to: 30)
        try await check(at: 30)

        // Faults: a stale heartbeat, a BGP session down, a refused config, a crash-looping
        // dataplane (restarted: remediation is on), a stuck FRR.
        try await simulator.stopHeartbeats(gateway: "gateway-2")
        try await simulator.bgpDown(gateway: "gateway-3")
        try await simulator.rejectConfig(gateway: "gateway-4")
        _ = try await simulator.bumpGeneration(gateway: "gateway-4")
        try await simulator.crashLoop(gateway: "gateway-5", container: .dataplane)
        try await simulator.stickFRR(gateway: "gateway-6")
        try await advance(to: 120)
        try await check(at: 120)

        try await simulator.resumeHeartbeats(gateway: "gateway-2")
        try await simulator.bgpUp(gateway: "gateway-3")
        try await simulator.acceptConfig(gateway: "gateway-4")
        try await simulator.heal(gateway: "gateway-5")
        try await simulator.unstickFRR(gateway: "gateway-6")
        try await advance(to: 200)
        try await check(at: 200)

        task.cancel()
        _ = try? await task.value
        client.shutdown()
        await server.stop()
        try requests.write(toFile: "\(folder)/requests.txt", atomically: true, encoding: .utf8)
        try objects.write(toFile: "\(folder)/objects.txt", atomically: true, encoding: .utf8)
    }

    /// "verb path?query code", the watch timeout and resourceVersions normalised.
    static func line(_ record: RequestRecord) -> String {
        let query = record.info.query.sorted { $0.key < $1.key }.map { key, value in
            switch key {
            case "timeoutSeconds", "resourceVersion", "continue": "\(key)=*"
            default: "\(key)=\(value)"
            }
        }.joined(separator: "&")
        return "\(record.verb) \(eventPath(record.path))\(query.isEmpty ? "" : "?" + query) \(record.code)"
    }

    /// An Event's name ends in a random suffix: `<involved>.*`.
    static func eventPath(_ path: String) -> String {
        guard let range = path.range(of: "/events/") else { return path }
        let name = path[range.upperBound...]
        guard let dot = name.lastIndex(of: ".") else { return path }
        return path[..<range.upperBound] + name[..<dot] + ".*"
    }

    /// The objects the operator writes, one canonical line each, sorted.
    static func objects(_ store: ObjectStore) -> [String] {
        var lines: [String] = []
        for resource in [ResourceType.gatewayHealths, .events, .configMaps, .leases] {
            for object in (try? store.list(resource))?.items ?? [] {
                var object = object
                if resource == .events, var metadata = object["metadata"], let name = metadata["name"]?.stringValue,
                   let dot = name.lastIndex(of: ".") {
                    metadata["name"] = .string(String(name[..<dot]) + ".*")
                    object["metadata"] = metadata
                }
                lines.append("\(resource.plural) \(canonical(object))")
            }
        }
        return lines.sorted()
    }

    /// Keys sorted, uids (also where a status keeps a pod's) and resourceVersions blanked; in a
    /// GatewayHealth status (it has `memory`), the volatile fields blanked (see the type's note).
    static func canonical(_ value: JSONValue) -> String {
        let volatileMemory = ["heartbeatKey", "heartbeatSeenAt", "heartbeatClockOffset", "trafficStamp", "traffic",
                              "peeringRises", "evaluatedAt"]
        let volatileEvidence = ["counters", "livenessDetail"]
        func isUID(_ text: String) -> Bool {
            text.count == 36 && text.enumerated().allSatisfy { [8, 13, 18, 23].contains($0.offset) ? $0.element == "-" : $0.element.isHexDigit }
        }
        func blank(_ any: Any) -> Any {
            if let text = any as? String, isUID(text) { return "*" }
            if let object = any as? [String: Any] {
                var result: [String: Any] = [:]
                for (key, value) in object {
                    result[key] = ["uid", "resourceVersion"].contains(key) && value is String ? "*" : blank(value)
                }
                if var memory = result["memory"] as? [String: Any] {
                    // Present or not: an empty one is left out, and the last writer decides that too.
                    for key in volatileMemory { memory[key] = "*" }
                    result["memory"] = memory
                    if result["message"] != nil { result["message"] = "*" }
                    if var evidence = result["evidence"] as? [String: Any] {
                        for key in volatileEvidence { evidence[key] = "*" }
                        result["evidence"] = evidence
                    }
                }
                return result
            }
            if let array = any as? [Any] { return array.map(blank) }
            return any
        }
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(value.jsonString.utf8), options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: blank(parsed), options: [.sortedKeys, .fragmentsAllowed])
        else { return value.jsonString }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The simulator's writes one at a time: after each, the operator catches up before the next, so
/// that no evaluation depends on how the deliveries of one step's writes over several watches
/// interleave with the reconcile workers (see `BehaviourProbe`).
final class SettlingFabricStore: FabricObjectStore, @unchecked Sendable {
    private let base: EmulatorFabricStore
    private let lock = NSLock()
    private var action: (() async -> Void)?

    init(base: EmulatorFabricStore) { self.base = base }

    func settle(_ action: @escaping () async -> Void) { lock.withLock { self.action = action } }

    private func settled() async {
        if let action = lock.withLock({ self.action }) { await action() }
    }

    func create(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue {
        let created = try await base.create(r, object)
        await settled()
        return created
    }

    func get(_ r: ResourceType, namespace: String?, name: String) async throws -> JSONValue? {
        try await base.get(r, namespace: namespace, name: name)
    }

    func update(_ r: ResourceType, _ object: JSONValue) async throws -> JSONValue {
        let updated = try await base.update(r, object)
        await settled()
        return updated
    }

    func updateStatus(_ r: ResourceType, namespace: String?, name: String, status: JSONValue) async throws -> JSONValue {
        let updated = try await base.updateStatus(r, namespace: namespace, name: name, status: status)
        await settled()
        return updated
    }

    func delete(_ r: ResourceType, namespace: String?, name: String) async throws {
        try await base.delete(r, namespace: namespace, name: name)
        await settled()
    }

    func list(_ r: ResourceType, namespace: String?) async throws -> [JSONValue] {
        try await base.list(r, namespace: namespace)
    }
}
