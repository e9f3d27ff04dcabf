import FabricSimulator
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import KubeEmulator
import Logging
@testable import OperatorRuntime
import OperatorTestSupport
import Testing
import TestSupport

/// The fault matrix's shared script (docs/reliability.md). Three gateways; while the fault is
/// on, gateway-1 stops its heartbeats (KEEPALIVE_FAIL) and, when `crash` is set, gateway-2's
/// dataplane crash-loops and heals (DOWN, still DOWN while its new process reports its init
/// status, then UP: health-model.md §2.6); after the fault gateway-1 resumes.
/// gateway-3 stays healthy throughout. The expected transition Events follow from the script.
struct FaultScript {
    var faultStart: TimeInterval = 20
    var faultEnd: TimeInterval = 80
    var stopHeartbeatsAt: TimeInterval = 22
    var resumeHeartbeatsAt: TimeInterval = 95
    var crash = true
    /// Healed after its last heartbeat went stale (45 s), so the pods running again before the
    /// dataplane's init status cannot pass for UP in between.
    var crashAt: TimeInterval = 25
    var healAt: TimeInterval = 75
    var end: TimeInterval = 125
    /// Restarts enabled: gateway-1's KEEPALIVE_FAIL also gets its RemediationSkipped (a ticket,
    /// not a restart, for a gateway whose data plane forwards).
    var remediation = false

    static let gateways = ["gateway-1", "gateway-2", "gateway-3"]

    /// Transition Events per gateway and reason, summed over `count`. gateway-1 and gateway-2
    /// share gw-group-1, which carries a peering: while gateway-1's heartbeat is stale it counts
    /// as not forwarding, so both lose the group's redundancy once and get it back (§3.11).
    var expectedEvents: [String: [String: Int]] {
        let redundancy = ["RedundancyLost": 1, "RedundancyRestored": 1]
        return [
            "gateway-1": ["GatewayWaiting": 1, "GatewayUp": 2, "KeepaliveFail": 1].merging(remediation ? ["RemediationSkipped": 1] : [:]) { a, _ in a }
                .merging(redundancy) { a, _ in a },
            "gateway-2": (crash ? ["GatewayWaiting": 1, "GatewayUp": 2, "GatewayDown": 1] : ["GatewayWaiting": 1, "GatewayUp": 1])
                .merging(redundancy) { a, _ in a },
            "gateway-3": ["GatewayWaiting": 1, "GatewayUp": 1],
        ]
    }

    /// The fabric changes due in (after, upTo]; true when gateway-2 was healed (it then reports
    /// its init status, DOWN `DataplaneRestarting`, until it applies its configuration).
    func apply(_ sim: FabricSimulator, after: TimeInterval, upTo: TimeInterval) async throws -> Bool {
        func due(_ t: TimeInterval) -> Bool { t > after && t <= upTo }
        if due(stopHeartbeatsAt) { try await sim.stopHeartbeats(gateway: "gateway-1") }
        if due(resumeHeartbeatsAt) { try await sim.resumeHeartbeats(gateway: "gateway-1") }
        if crash, due(crashAt) { try await sim.crashLoop(gateway: "gateway-2", container: .dataplane) }
        if crash, due(healAt) { try await sim.heal(gateway: "gateway-2") }
        return crash && due(healAt)
    }
}

/// How a fault test steps the world: each step applies the script, lets the test inject its
/// fault for that instant, moves the clock and waits (`settle`) for the operator.
struct FaultRun {
    let world: E2EWorld
    let running: RunningOperator
    let script: FaultScript
    /// The operator's log messages ("info [gatewayagents] 410 Gone at 812, relisting").
    let log: CapturedLog

    /// Waits until the operator saw every heartbeat and has nothing queued (bounded; a step
    /// during a fault may not get there, the next one will).
    func caughtUp() async {
        // A broken watch resumes at once and catches up at the emulator's next bookmark (50 ms
        // of wall time in the e2e world), unless its re-open fails too: the informer then waits for its
        // backoff on the world's clock, and only the next step can help.
        guard await eventually(0.5, { running.instance.cacheIsLive }) else { return await idle() }
        _ = await eventually(5) { await running.caughtUp(world, gateways: FaultScript.gateways) }
        await running.instance.ticketsDelivered()
    }

    /// Waits only for the operator to have nothing in hand (the API is away: it cannot catch up).
    func idle() async {
        _ = await eventually(2) { await running.instance.isIdle() }
    }

    /// Runs the world up to `seconds` in `step`-second steps; `inject(t)` runs before each step.
    func run(to seconds: TimeInterval, step: TimeInterval = 1, settle: (() async -> Void)? = nil,
             inject: (TimeInterval) async throws -> Void = { _ in }) async throws {
        while world.elapsed < seconds {
            let now = world.elapsed
            let next = min(seconds, now + step)
            if try await script.apply(world.simulator, after: now, upTo: next) {
                // The script's expectation: the recovery is seen before the applied configuration ends it.
                _ = await eventually(10) { world.health("gateway-2")?[path: "status", "reason"]?.stringValue == "DataplaneRestarting" }
            }
            try await inject(now)
            try await world.advance(to: next, step: step, settle: settle ?? { await self.caughtUp() })
        }
    }

    /// Transition Events in the emulator's store (not through the API, which may be failing),
    /// per reason, summed over `count` (an aggregated repeat is a repeat).
    func storedEventCounts(_ gateway: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        let list = (try? world.server.store.list(.events, namespace: "default"))?.items ?? []
        for event in list where event[path: "involvedObject", "name"]?.stringValue == gateway {
            counts[event["reason"]?.stringValue ?? "", default: 0] += Int(event["count"]?.intValue ?? 1)
        }
        return counts
    }

    /// Every stored Event about `gateway`, oldest first, one line each (for failure messages).
    func eventLines(_ gateway: String) -> String {
        let list = (try? world.server.store.list(.events, namespace: "default"))?.items ?? []
        return list.filter { $0[path: "involvedObject", "name"]?.stringValue == gateway }
            .sorted { ($0[path: "metadata", "resourceVersion"]?.stringValue.flatMap { Int($0) } ?? 0)
                < ($1[path: "metadata", "resourceVersion"]?.stringValue.flatMap { Int($0) } ?? 0) }
            .map { "\n  [\($0["count"]?.intValue ?? 1)x] \($0["reason"]?.stringValue ?? "?") \($0["lastTimestamp"]?.stringValue ?? ""): \($0["message"]?.stringValue ?? "")" }
            .joined()
    }

    /// The fault matrix's common verdict: final states UP, every transition Event exactly once,
    /// no eviction, the operator still running, its memory bounded by the fleet.
    func expectOutcome(rssBefore: Int?, sourceLocation: SourceLocation = #_sourceLocation) async {
        for gateway in FaultScript.gateways {
            await E2ETests.expectState(world, gateway, .up, sourceLocation: sourceLocation)
        }
        for (gateway, expected) in script.expectedEvents {
            let counts = storedEventCounts(gateway).filter { !$0.key.hasPrefix("BGP") && $0.key != "TrafficDrops" }
            #expect(counts == expected, "Events about \(gateway): \(eventLines(gateway))", sourceLocation: sourceLocation)
        }
        #expect(world.evictions.isEmpty, "no restart was planned: \(world.evictions)", sourceLocation: sourceLocation)
        #expect(running.instance.hasSynced, "the operator is still running", sourceLocation: sourceLocation)
        await expectBoundedMemory(rssBefore: rssBefore, sourceLocation: sourceLocation)
    }

    func expectBoundedMemory(rssBefore: Int?, sourceLocation: SourceLocation) async {
        let n = FaultScript.gateways.count
        let f = await running.instance.footprint()
        let storeCount = { (type: ResourceType, namespace: String) in
            (try? world.server.store.list(type, namespace: namespace))?.items.count ?? -1
        }
        let fabric = running.instance.config.fabricNamespace
        let podNamespace = running.instance.config.gatewayNamespace
        #expect(f.informerObjects["gatewayagents"] == n && f.informerObjects["gateways"] == n, "\(f)", sourceLocation: sourceLocation)
        #expect(f.informerObjects["gatewayhealths"] == storeCount(.gatewayHealths, fabric), "\(f)", sourceLocation: sourceLocation)
        #expect(f.informerObjects["agents"] == storeCount(.switchAgents, fabric), "\(f)", sourceLocation: sourceLocation)
        #expect((f.informerObjects["pods"] ?? .max) <= storeCount(.pods, podNamespace), "\(f)", sourceLocation: sourceLocation)
        #expect(f.queueReady + f.queueDelayed <= n && f.queueBackingOff <= n, "\(f)", sourceLocation: sourceLocation)
        #expect(f.assessments == n && f.unseenWrites <= n && f.unconfirmedEvents == 0, "\(f)", sourceLocation: sourceLocation)
        #expect(f.spamBuckets <= n && f.rememberedEvents <= storeCount(.events, "default"), "\(f)", sourceLocation: sourceLocation)
        #expect(f.pendingTicketChanges == 0, "\(f)", sourceLocation: sourceLocation)
        if let before = rssBefore, let after = ProcessMemory.residentBytes() {
            // Generous: the test process also hosts the emulator; a leak per request would show.
            #expect(after - before < 256 << 20, "RSS grew by \((after - before) >> 20) MiB", sourceLocation: sourceLocation)
        }
        print("fault-matrix footprint: \(f)")
    }
}

/// The resident set of this process, from /proc/self/status (nil where there is none).
enum ProcessMemory {
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }
}

extension E2EWorld {
    /// A client as the operator has it, with its wall-clock backoffs compressed like the world's
    /// time (retries after 10 ms doubling to 200 ms; `Retry-After` is capped at 200 ms too; a
    /// request gives up after 2 s). The world's clock runs a minute in a few seconds;
    /// uncompressed, a 30 s retry would outlast the whole test. Watch re-opens back off on the
    /// world's clock (the informer's), so they need no compressing.
    func faultClient(credentials: (any CredentialProvider)? = nil,
                     userAgent: String = GatewayMedicVersion.userAgent) throws -> KubeClient {
        let config = ClusterConfig(
            server: server.baseURL, tls: TLSSettings(certificateAuthorityPEM: SecretBytes(pki.caPEM)),
            credentials: credentials ?? StaticTokenCredentials(token: SecretString(token)), namespace: "default",
            origin: "e2e")
        return try KubeClient(config: config, options: ClientOptions(
            userAgent: userAgent,
            retry: RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(10), maxDelay: .milliseconds(200)),
            requestTimeout: .seconds(2)))
    }

    /// The operator's LISTs (streaming lists included) of each resource its informers watch, among the requests logged
    /// from index `start` of the request log on (other lists, such as ticket drafts', are not counted).
    func informerLists(since start: Int) -> [String: Int] {
        let watched: Set = ["gateways", "gatewaypeerings", "gatewayagents", "pods", "agents", "gatewayhealths"]
        var lists: [String: Int] = [:]
        for record in server.requestLog.dropFirst(start)
        where record.isList && record.userAgent.hasPrefix("gateway-medic/") && watched.contains(record.resource) {
            lists[record.resource, default: 0] += 1
        }
        return lists
    }

    /// The resources whose watch the operator re-opened, from request-log index `start` on, from
    /// a resourceVersion older than `compactedAt`: the emulator answered those with 410 Gone.
    func watchesAnsweredGone(since start: Int, compactedAt: Int64) -> Set<String> {
        Set(server.requestLog.dropFirst(start).filter {
            $0.verb == "watch" && $0.userAgent.hasPrefix("gateway-medic/")
                && ($0.info.query["resourceVersion"].flatMap { Int64($0) }).map { $0 < compactedAt } == true
        }.map(\.resource))
    }

    /// The operator's requests (by User-Agent) answered with `code`.
    func operatorRequests(code: Int) -> [RequestRecord] {
        server.requestLog.filter { $0.userAgent.hasPrefix("gateway-medic/") && $0.code == code }
    }
}

extension E2ETests {
    /// A world with three gateways and one operator on a fault-tuned client; nil (and a note)
    /// without openssl. `credentials` replaces the static token (the token-file test).
    static func withFaultRun(script: FaultScript = FaultScript(), config: OperatorConfig = e2eConfig(),
                             credentials: ((E2EWorld) throws -> any CredentialProvider)? = nil,
                             _ body: (FaultRun) async throws -> Void) async throws {
        try await E2EWorld.with(gateways: FaultScript.gateways.count, http2: false) { world in
            let client = try world.faultClient(credentials: try credentials?(world))
            let log = CapturedLog()
            let quiet = quietLogger("e2e.faults")
            let logger = Logger(label: "e2e.faults") { label in
                MultiplexLogHandler([quiet.handler, CapturedLog.Handler(lines: log.lines)])
            }
            let instance = GatewayMedicOperator(config: config, client: client, clock: world.clock, identity: "medic-a",
                                                logger: logger)
            let running = RunningOperator.start(world, instance, client: client)
            try await body(FaultRun(world: world, running: running, script: script, log: log))
        }
    }
}
