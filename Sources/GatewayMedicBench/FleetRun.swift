import ControllerKit
import FabricSimulator
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeAPI
import KubeEmulator
import OperatorRuntime

/// What one fleet size measured.
struct FleetResult: Sendable {
    var gateways: Int
    var leaves: Int
    var factor: Double
    var syncSeconds: Double?
    var steadySeconds: Double
    var gatewayHeartbeatsPerSecond: Double
    var leafHeartbeatsPerSecond: Double
    /// Operator process CPU seconds per 1,000 GatewayAgent heartbeats (leaf heartbeats included in the work).
    var operatorCPUPer1000: Double
    var operatorCorePercent: Double
    /// Parent (emulator + simulator) CPU share with and without the operator attached.
    var parentCorePercent: Double
    var baselineCorePercent: Double?
    var writesPerHeartbeat: Double
    var steadyWrites: Int
    /// Reconciles in the steady window that evaluated in full, and that advanced on a quiet
    /// heartbeat (nil when the child did not report them).
    var steadyEvaluations: EvaluationCounts?
    var relists: Int
    var latency: Percentiles
    var unanswered: Int
    var operatorPeakRSSMB: Double?
    var operatorRSSAfterSyncMB: Double?
    var simulatorErrors: Int
    /// How the informers synced: streaming lists served (200) and LIST pages, up to the sync.
    var syncStreamingLists: Int
    var syncListPages: Int
    /// `/metrics` scrapes (nil: none made): wall time and the operator's CPU per scrape, bytes.
    var scrape: ScrapeCost?
    /// The operator's peak RSS once the scrapes were made too.
    var operatorPeakRSSWithScrapesMB: Double?
}

/// What serving `/metrics` costs at one fleet size.
struct ScrapeCost: Sendable {
    var scrapes: Int
    var secondsPerScrape: Percentiles
    var operatorCPUSecondsPerScrape: Double
    var bytes: Int
    var series: Int
}

/// One fleet size: emulator + simulated fabric here, the operator in a child process.
enum FleetRun {
    static func run(gateways n: Int, options: BenchOptions, say: (String) -> Void) async throws -> FleetResult {
        var emulatorConfig = EmulatorConfiguration()
        // History serves watch resumption and list continue tokens. 60,000 changes ≈ 60 s of a
        // 10,000-gateway fleet's heartbeats (a real API server keeps minutes): with 10,000 (10 s)
        // a list of 10,000 objects on this loaded machine could outlive its own snapshot.
        emulatorConfig.historyLimit = 60_000
        emulatorConfig.requestLogLimit = 200_000
        let clock = ScaledClock(factor: options.timeFactor, start: Date())
        let wallOrigin = Date().timeIntervalSince1970
        let simOrigin = clock.now().timeIntervalSince1970 - (Date().timeIntervalSince1970 - wallOrigin) * options.timeFactor
        emulatorConfig.now = { clock.now() }
        let server = EmulatedAPIServer(configuration: emulatorConfig)
        let commits = CommitLog()
        let spec = FabricSpec(gatewayCount: n, timing: FabricTiming(podSweepInterval: nil), seed: 7)
        let warmup: TimeInterval = 17  // every dataplane started and reported once before the operator starts
        let bootAt = clock.now().addingTimeInterval(-warmup)
        let simulator = try FabricSimulator(spec: spec, store: TimingFabricStore(base: EmulatorFabricStore(store: server.store), log: commits),
                                            startTime: bootAt)
        let bootStart = ContinuousClock.now
        try await simulator.bootstrap(now: bootAt)
        try await simulator.step(now: clock.now())
        say("  \(n) gateways: fabric bootstrapped in \(fmt((ContinuousClock.now - bootStart).timeInterval)) s (\(spec.leafCount) leaves)")
        try await server.start()
        let driver = Task {
            try await simulator.run(until: .distantFuture, maxSleep: 0.05,
                                    sleep: { try await clock.sleep(until: $0) }, now: { clock.now() })
        }
        defer { driver.cancel() }

        var baseline: Double?
        if options.baseline {
            try await Task.sleep(for: .seconds(1))
            let cpu0 = ProcessStats.selfCPUSeconds(), t0 = ContinuousClock.now
            try await Task.sleep(for: .seconds(min(options.steadySeconds, 10)))
            baseline = (ProcessStats.selfCPUSeconds() - cpu0) / (ContinuousClock.now - t0).timeInterval * 100
        }

        let observer = try HealthObserver(store: server.store, namespace: spec.fabricNamespace, commits: commits)
        defer { observer.stop() }
        let metricsPort = options.metrics && options.scrapes > 0 ? ListenPorts.candidates().first.flatMap { $0 == 0 ? nil : $0 } : nil
        let countsPath = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-medic-bench-\(getpid())-\(n).counts").path
        defer { try? FileManager.default.removeItem(atPath: countsPath) }
        let child = try spawnOperator(url: server.baseURL, simOrigin: simOrigin, wallOrigin: wallOrigin, factor: options.timeFactor,
                                      metrics: options.metrics, streamingLists: options.streamingLists, metricsPort: metricsPort,
                                      countsPath: countsPath)
        let spawned = ContinuousClock.now
        defer { if child.isRunning { child.terminate() } }
        let synced = await observer.waitForStatuses(n, timeout: 180)
        let syncSeconds = synced ? observer.lastFirstStatus.map { ($0 - spawned).timeInterval } : nil
        say("  \(n) gateways: " + (syncSeconds.map { "synced in \(fmt($0)) s" } ?? "NOT synced (\(observer.gatewaysWithStatus) statuses)"))
        let syncRequests = server.requestLog.filter { $0.userAgent.hasPrefix("gateway-medic/") && $0.code == 200 }
        let syncStreamingLists = syncRequests.filter { $0.verb == "watch" && $0.isList }.count
        let syncListPages = syncRequests.filter { $0.verb == "list" }.count
        say("  \(n) gateways: synced with \(syncStreamingLists) streaming lists and \(syncListPages) LIST pages")
        await settle(observer)
        await settleEvaluations(countsPath)
        let rssAfterSync = ProcessStats.memoryMB(pid: child.processIdentifier, field: "VmRSS")

        // Steady state: nothing changes but heartbeats.
        say("  \(n) gateways: steady window of \(fmt(options.steadySeconds, 0)) s starts")
        let listsBefore = server.requestLog.filter(\.isList).count
        let c0 = ProcessStats.cpuSeconds(pid: child.processIdentifier) ?? 0, p0 = ProcessStats.selfCPUSeconds()
        let w0 = server.writeCount, hb0 = commits.heartbeats, t0 = ContinuousClock.now
        let e0 = EvaluationCounts.read(from: countsPath)
        try await Task.sleep(for: .seconds(options.steadySeconds))
        let c1 = ProcessStats.cpuSeconds(pid: child.processIdentifier) ?? 0, p1 = ProcessStats.selfCPUSeconds()
        let e1 = EvaluationCounts.read(from: countsPath)
        let steadyEvaluations = e0.flatMap { e0 in e1.map { EvaluationCounts(full: $0.full - e0.full, advanced: $0.advanced - e0.advanced) } }
        let w1 = server.writeCount, hb1 = commits.heartbeats, elapsed = (ContinuousClock.now - t0).timeInterval
        let relists = server.requestLog.filter(\.isList).count - listsBefore
        let gatewayBeats = hb1.gateway - hb0.gateway, leafBeats = hb1.leaf - hb0.leaf

        // Latency: configuration changes (spec generation bumps) on random gateways under the same load.
        try await injectChanges(simulator: simulator, observer: observer, clock: clock, gateways: simulator.gatewayNames,
                                seconds: options.faultSeconds)
        try await Task.sleep(for: .seconds(3))
        let (samples, unanswered) = observer.latencies
        let peak = ProcessStats.memoryMB(pid: child.processIdentifier, field: "VmHWM")
        // Scrapes last: the peak above stays comparable with rounds that made none.
        var scrape: ScrapeCost?
        if let metricsPort { scrape = try await scrapeCost(port: metricsPort, pid: child.processIdentifier, scrapes: options.scrapes) }
        if let scrape {
            say("  \(n) gateways: /metrics \(scrape.bytes) bytes, \(scrape.series) series, "
                + "\(fmt(scrape.secondsPerScrape.p50 * 1000, 1)) ms per scrape (max \(fmt(scrape.secondsPerScrape.max * 1000, 1))), "
                + "operator CPU \(fmt(scrape.operatorCPUSecondsPerScrape * 1000, 1)) ms per scrape")
        }
        let peakWithScrapes = ProcessStats.memoryMB(pid: child.processIdentifier, field: "VmHWM")
        let errors = await simulator.errorCount
        child.terminate()
        child.waitUntilExit()
        driver.cancel()
        await server.stop()

        return FleetResult(
            gateways: n, leaves: spec.leafCount, factor: options.timeFactor, syncSeconds: syncSeconds, steadySeconds: elapsed,
            gatewayHeartbeatsPerSecond: Double(gatewayBeats) / elapsed, leafHeartbeatsPerSecond: Double(leafBeats) / elapsed,
            operatorCPUPer1000: gatewayBeats > 0 ? (c1 - c0) / Double(gatewayBeats) * 1000 : .nan,
            operatorCorePercent: (c1 - c0) / elapsed * 100, parentCorePercent: (p1 - p0) / elapsed * 100,
            baselineCorePercent: baseline,
            writesPerHeartbeat: gatewayBeats > 0 ? Double(w1 - w0) / Double(gatewayBeats) : .nan, steadyWrites: w1 - w0,
            steadyEvaluations: steadyEvaluations, relists: relists, latency: Percentiles(samples), unanswered: unanswered,
            operatorPeakRSSMB: peak, operatorRSSAfterSyncMB: rssAfterSync, simulatorErrors: errors,
            syncStreamingLists: syncStreamingLists, syncListPages: syncListPages, scrape: scrape,
            operatorPeakRSSWithScrapesMB: scrape == nil ? nil : peakWithScrapes)
    }

    /// Waits until the operator's first round of writes has stopped (no status change for 2 s).
    private static func settle(_ observer: HealthObserver) async {
        var last = observer.statusChanges
        var quietSince = ContinuousClock.now
        let limit = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < limit, ContinuousClock.now - quietSince < .seconds(2) {
            try? await Task.sleep(for: .milliseconds(100))
            let now = observer.statusChanges
            if now != last { last = now; quietSince = ContinuousClock.now }
        }
    }

    /// Waits until the operator has stopped evaluating in full (no full evaluation for 3 s, at
    /// most 60 s): after the sync, each gateway's next heartbeats still change its status once
    /// or twice (the traffic baselines give way to verdicts), a wave that outlasts a pause in
    /// the status changes and would otherwise fall into the steady window.
    private static func settleEvaluations(_ countsPath: String) async {
        guard var last = EvaluationCounts.read(from: countsPath)?.full else { return }
        var quietSince = ContinuousClock.now
        let limit = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < limit, ContinuousClock.now - quietSince < .seconds(3) {
            try? await Task.sleep(for: .milliseconds(200))
            guard let now = EvaluationCounts.read(from: countsPath)?.full else { continue }
            if now != last { last = now; quietSince = ContinuousClock.now }
        }
    }

    /// Bumps the generation of random gateways (about 20 a second, each gateway at most every
    /// 3 s) and arms the observer for each.
    private static func injectChanges(simulator: FabricSimulator, observer: HealthObserver, clock: ScaledClock,
                                      gateways: [String], seconds: Double) async throws {
        var generator = SystemRandomNumberGenerator()
        var lastBump: [String: ContinuousClock.Instant] = [:]
        let end = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < end {
            let now = ContinuousClock.now
            if let gateway = gateways.randomElement(using: &generator), !observer.isArmed(gateway),
               lastBump[gateway].map({ now - $0 > .seconds(3) }) ?? true {
                lastBump[gateway] = now
                observer.arm(gateway)
                try await simulator.bumpGeneration(gateway: gateway, now: clock.now())
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Times `scrapes` GETs of the operator's `/metrics` (as Prometheus would make them, one at
    /// a time) and the operator's CPU time they took.
    private static func scrapeCost(port: Int, pid: Int32, scrapes: Int) async throws -> ScrapeCost {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        request.timeoutInterval = 30
        var seconds: [Double] = []
        var bytes = 0, series = 0
        let cpu0 = ProcessStats.cpuSeconds(pid: pid) ?? 0
        for _ in 0..<scrapes {
            let start = ContinuousClock.now
            let (data, _) = try await URLSession.shared.data(for: request)
            seconds.append((ContinuousClock.now - start).timeInterval)
            bytes = data.count
            series = data.split(separator: UInt8(ascii: "\n")).filter { $0.first != UInt8(ascii: "#") }.count
        }
        let cpu = (ProcessStats.cpuSeconds(pid: pid) ?? 0) - cpu0
        return ScrapeCost(scrapes: scrapes, secondsPerScrape: Percentiles(seconds), operatorCPUSecondsPerScrape: cpu / Double(max(1, scrapes)),
                          bytes: bytes, series: series)
    }

    private static func spawnOperator(url: String, simOrigin: Double, wallOrigin: Double, factor: Double,
                                      metrics: Bool, streamingLists: Bool, metricsPort: Int?, countsPath: String) throws -> Process {
        let process = Process()
        var environment = ProcessInfo.processInfo.environment
        environment[EvaluationCounts.fileVariable] = countsPath
        process.environment = environment
        var arguments = ["--child", url, String(simOrigin), String(wallOrigin), String(factor)] + (metrics ? [] : ["--no-metrics"])
        if !streamingLists { arguments.append("--no-streaming-lists") }
        if let metricsPort { arguments += ["--metrics-port", String(metricsPort)] }
        // BENCH_CHILD_WRAPPER="heaptrack -o /tmp/op" (or "valgrind --tool=massif") profiles the
        // operator alone; its CPU and RSS figures are then the wrapper's, not comparable.
        let wrapper = ProcessInfo.processInfo.environment["BENCH_CHILD_WRAPPER"]?.split(separator: " ").map(String.init) ?? []
        if let tool = wrapper.first {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = Array(wrapper.dropFirst()) + [CommandLine.arguments[0]] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            process.arguments = arguments
        }
        process.standardOutput = FileHandle.nullDevice
        // The child exits when this end closes, so a bench killed midway leaves no operator behind.
        process.standardInput = Pipe()
        try process.run()
        return process
    }
}

func fmt(_ x: Double, _ digits: Int = 2) -> String {
    x.isFinite ? String(format: "%.\(digits)f", x) : "n/a"
}
