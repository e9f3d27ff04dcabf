import CoreMetrics
import Foundation
import Locking
import Logging
@testable import OperatorRuntime
import OperatorTestSupport
import Testing
import TestSupport

/// Serialized: two tests signal this very process.
@Suite(.serialized) struct ServerProbeTests {
    @Test func probesFollowReadinessAndMetricsShowTheRegistry() async throws {
        let registry = MetricsRegistry()
        Counter(label: "gateway_medic_test_probes_total", factory: registry.factory).increment(by: 3)
        let ready = Locked(false)
        let ports = ReportedPort()
        let server = ProbeServer(host: "127.0.0.1", port: 0, registry: registry, readiness: { ready.current },
                                 logger: quietLogger("test.probes"), onListening: ports.report)
        let task = Task { try await server.run() }
        defer { task.cancel() }
        let port = try #require(await withTimeout(.seconds(15)) { await ports.next() })
        let base = "http://127.0.0.1:\(port)"

        #expect(try await httpGet("\(base)/healthz").status == 200)
        #expect(try await httpGet("\(base)/readyz").status == 503)
        ready.withLock { $0 = true }
        #expect(try await httpGet("\(base)/readyz").status == 200)
        #expect(try await httpGet("\(base)/healthz").status == 200)

        let metrics = try await httpGet("\(base)/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("gateway_medic_test_probes_total 3"))
        #expect(try await httpGet("\(base)/nothing-here").status == 404)
    }

    @Test func clientRequestCounterLabelsVerbResourceAndCode() throws {
        let registry = MetricsRegistry()
        let hook = try #require(ClientMetrics.options(factory: registry.factory).onResponse)
        hook("list", "pods", 200)
        hook("list", "pods", 200)
        hook("get", "gatewayagents", 0)
        let text = String(decoding: registry.exposition(), as: UTF8.self)
        #expect(text.contains(#"gateway_medic_api_requests_total{verb="list",resource="pods",code="200"} 2"#))
        #expect(text.contains(#"gateway_medic_api_requests_total{verb="get",resource="gatewayagents",code="0"} 1"#))
        // The first watch of a resource creates its restart series at 0; the next one is a restart.
        hook("watch", "pods", 200)
        #expect(String(decoding: registry.exposition(), as: UTF8.self).contains(#"gateway_medic_watch_restarts_total{resource="pods"} 0"#))
        hook("watch", "pods", 200)
        #expect(String(decoding: registry.exposition(), as: UTF8.self).contains(#"gateway_medic_watch_restarts_total{resource="pods"} 1"#))
    }

    @Test func runnerServesReadinessOfTheOperatorAndStopsOnASignal() async throws {
        let process = FakeOperator()
        let ports = ReportedPort()
        var config = OperatorConfig.default
        config.server.host = "127.0.0.1"
        config.server.port = try freePort()
        let signalsReady = AsyncStream<Void>.makeStream()
        let supervisor = ProcessSupervisor(signals: [SIGUSR2], gracefulShutdownBudget: .seconds(10), logger: quietLogger("test.supervisor"),
                                           forceExit: { _ in Issue.record("a single signal must not force the exit") })
        let run = Task {
            try await OperatorRunner.run(config: config, process: process, registry: MetricsRegistry(), logger: quietLogger("test.runner"),
                                         supervisor: supervisor, onListening: ports.report,
                                         onSignalsReady: { signalsReady.continuation.yield() })
        }
        _ = await withTimeout(.seconds(15)) { await signalsReady.stream.first { _ in true } }
        let port = try #require(await withTimeout(.seconds(15)) { await ports.next() })
        #expect(try await httpGet("http://127.0.0.1:\(port)/readyz").status == 503)
        process.synced.withLock { $0 = true }
        #expect(try await httpGet("http://127.0.0.1:\(port)/readyz").status == 200)

        kill(getpid(), SIGUSR2)
        try await run.value  // graceful: returns without error
        #expect(process.cancelled.current)
    }

    @Test func aSecondSignalForcesTheExit() async throws {
        let forced = AsyncStream<Int32>.makeStream()
        let signalsReady = AsyncStream<Void>.makeStream()
        let process = FakeOperator(ignoresCancellation: true)
        let supervisor = ProcessSupervisor(signals: [SIGUSR2], gracefulShutdownBudget: .seconds(60), logger: quietLogger("test.supervisor"),
                                           forceExit: { forced.continuation.yield($0) })
        let run = Task {
            try await supervisor.run([OperatorService(process: process)], onSignalsReady: { signalsReady.continuation.yield() })
        }
        _ = await withTimeout(.seconds(15)) { await signalsReady.stream.first { _ in true } }
        _ = await withTimeout(.seconds(15)) { await process.started.stream.first { _ in true } }
        kill(getpid(), SIGUSR2)  // graceful shutdown begins; the operator ignores it
        #expect(await withTimeout(.seconds(15)) { await process.cancelSeen.stream.first { _ in true } } != nil)
        kill(getpid(), SIGUSR2)  // the second one forces
        #expect(await withTimeout(.seconds(15)) { await forced.stream.first { _ in true } } == SIGUSR2)
        process.release()
        _ = try? await run.value
    }
}
