import ControllerKit
import Foundation
import KubeClient
import Logging
import OperatorRuntime

/// The operator under test, in its own process so that its CPU time and peak RSS are measured
/// apart from the emulator and the simulated fabric (they live in the parent). It talks to the
/// emulator over plain HTTP on loopback, as one replica without leader election.
enum OperatorChild {
    static func run(_ arguments: BenchOptions.ChildArguments, metrics: Bool, streamingLists: Bool) async -> Int32 {
        exitWhenParentGoes()
        // The parent's simulated time: simOrigin at wallOrigin, running `factor` times faster.
        let simNow = arguments.simOrigin + (Date().timeIntervalSince1970 - arguments.wallOrigin) * arguments.factor
        let clock = ScaledClock(factor: arguments.factor, start: Date(timeIntervalSince1970: simNow))
        // As `gateway-medic run` does: the operator's metrics go to a Prometheus registry (their
        // recording is part of the operator's cost).
        let registry = metrics ? MetricsRegistry.bootstrapGlobal() : nil
        var config = OperatorConfig()
        config.operatorNamespace = "default"
        config.leaderElection.enabled = false
        config.informers.streamingLists = streamingLists
        // BENCH_WORKERS=16 measures whether more reconcile workers speed up the initial fill.
        if let workers = ProcessInfo.processInfo.environment["BENCH_WORKERS"].flatMap({ Int($0) }), workers >= 1 {
            config.queue.workers = workers
        }
        var logger = Logger(label: "bench.operator")
        logger.logLevel = .error
        do {
            if let registry, let port = arguments.metricsPort {
                // `/metrics` as `run` serves it, for the parent to time scrapes.
                let probes = ProbeServer(host: "127.0.0.1", port: port, registry: registry, readiness: { true }, logger: logger)
                Task { try await probes.run() }
            }
            // BENCH_WATCH_WINDOW_MS=20 measures another watch delivery window than the default.
            if let window = ProcessInfo.processInfo.environment["BENCH_WATCH_WINDOW_MS"].flatMap({ Int($0) }), window >= 0 {
                config.informers.watchDeliveryWindow = Double(window) / 1000
            }
            // As `run` connects: the operator's settings applied to the client's options.
            let clientOptions = config.informers.applied(to: ClientOptions(userAgent: GatewayMedicVersion.userAgent))
            let client = try KubeClient(config: ClusterConfig(server: arguments.url, namespace: "default", origin: "bench"),
                                        options: clientOptions)
            let instance = GatewayMedicOperator(config: config, client: client, clock: clock, identity: "bench",
                                                logger: logger, output: { _ in },
                                                gauges: registry?.gatewayHealth)
            // The parent reads how many reconciles evaluated in full and how many took the
            // heartbeat advance (the quiet path) from this file, at the steady window's edges.
            if let path = ProcessInfo.processInfo.environment[EvaluationCounts.fileVariable] {
                Task {
                    while !Task.isCancelled {
                        let counts = await instance.writeCounts()
                        EvaluationCounts(full: counts.evaluations, advanced: counts.advanced).write(to: path)
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
            try await instance.run()
            return 0
        } catch {
            FileHandle.standardError.write(Data("bench operator: \(error)\n".utf8))
            return 1
        }
    }

    /// The parent holds the write end of our stdin: end of file means it is gone (killed, or
    /// crashed), and an operator left running would load the machine under the next run.
    private static func exitWhenParentGoes() {
        let thread = Thread {
            var byte: UInt8 = 0
            while true {
                let n = read(STDIN_FILENO, &byte, 1)
                if n == 0 || (n < 0 && errno != EINTR) { exit(0) }
            }
        }
        thread.name = "parent-watch"
        thread.start()
    }
}

/// Reconciles of the operator child so far: evaluated in full, or advanced on a quiet heartbeat.
struct EvaluationCounts: Sendable {
    static let fileVariable = "BENCH_EVALUATION_COUNTS"
    var full: Int
    var advanced: Int

    func write(to path: String) {
        try? Data("\(full) \(advanced)\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func read(from path: String) -> EvaluationCounts? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        return parts.count == 2 ? EvaluationCounts(full: parts[0], advanced: parts[1]) : nil
    }
}
