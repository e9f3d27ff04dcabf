import FabricSimulator
import Foundation
import KubeAPI
import OperatorTestSupport
import Testing
import TestSupport

/// The `gateway-medic` binary against the emulator and a simulated fabric, seen by what SREs run:
/// its /metrics carries every metric the rules and the dashboard use, and a real Prometheus
/// (Debian's, on loopback, in a temporary folder) scraping it fires GatewayDown and clears it.
///
/// Prometheus evaluates on the wall clock, so the fabric runs on it too (stepped to `Date()` as
/// the test polls), and the rules Prometheus loads are the PrometheusRule's with every `for:`
/// shortened to 2 s: the product's durations are proven in virtual time by promtool
/// (MonitoringRulesTests); this test proves the pipeline (names, labels, aggregation, a real
/// scrape and evaluation) in seconds.
@Suite(.serialized) struct MonitoringE2ETests {
    /// The operator running against a fresh fabric of `gateways`, its /metrics port, until `body` ends.
    static func withOperator(gateways: Int, _ body: (CheckFixture, ChildProcess, Int) async throws -> Void) async throws {
        let t0 = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 5)
        try await CheckFixture.with(gateways: gateways, t0: t0) { fixture in
            try await fixture.simulator.step(now: Date())
            let process = try ChildProcess.start(try #require(BuiltProduct.path("gateway-medic"), "gateway-medic not built: \(BuiltProduct.candidates("gateway-medic"))"), [
                "run", "--kubeconfig", fixture.kubeconfig, "--server-host", "127.0.0.1", "--server-port", String(try freePort()),
                "--no-leader-elect", "--log-format", "json",
            ], environment: ["HOME": "/nonexistent"], record: E2EOutputRecord.cliOutput)
            defer { process.terminateIfRunning() }
            let port = try #require(await process.firstLog { $0["port"]?.stringValue.flatMap(Int.init) })
            try await body(fixture, process, port)
            process.signal(SIGTERM)
            _ = await process.exitStatus(within: .seconds(20))
        }
    }

    /// Polls `probe` (stepping the fabric to now each time) until it gives a value, at most `limit`,
    /// at a real server's pace.
    static func poll<T: Sendable>(_ fixture: CheckFixture, within limit: TimeInterval,
                                  _ probe: @escaping @Sendable () async throws -> T?) async throws -> T? {
        try await eventuallyValue(limit, every: .milliseconds(500)) {
            try await fixture.simulator.step(now: Date())
            return try await probe()
        }
    }

    @Test func everyMetricTheRulesAndTheDashboardUseIsExposedByARunningOperator() async throws {
        var used: [String: String] = [:]  // metric → where it is used
        for rule in try Monitoring.rules() {
            for name in Monitoring.metricNames(in: rule["expr"]?.stringValue ?? "") { used[name] = rule["alert"]?.stringValue ?? "a rule" }
        }
        for panel in Monitoring.panelQueries(try Monitoring.dashboard()) {
            for expr in panel.exprs { for name in Monitoring.metricNames(in: expr) { used[name] = "panel \(panel.title)" } }
        }
        #expect(used.count >= 20)
        try await Self.withOperator(gateways: 2) { fixture, _, port in
            @Sendable func names(_ metrics: String) -> Set<String> {
                var exposed: Set<String> = []
                for line in metrics.split(separator: "\n") where !line.hasPrefix("#") {
                    exposed.insert(String(line.prefix { $0 != "{" && $0 != " " }))
                }
                return exposed
            }
            // Wait until the gateways are judged (their series appear) and the reconciles that
            // judged them have been counted (the controller counts a reconcile once it returns,
            // after the gauges were set): then every series is there, or never will be.
            let needed = Set(used.keys)
            let text = try await Self.poll(fixture, within: 30) { () -> String? in
                let body = try await httpGet("http://127.0.0.1:\(port)/metrics").body
                return needed.isSubset(of: names(body)) ? body : nil
            }
            // Not all there within the bound: what is missing, from a last look.
            let metrics = if let text { text } else { try await httpGet("http://127.0.0.1:\(port)/metrics").body }
            #expect(metrics.contains("gateway_medic_gateway_state{"), "the operator exported no gateway")
            let exposed = names(metrics)
            for (name, user) in used.sorted(by: { $0.key < $1.key }) {
                #expect(exposed.contains(name), "\(name) (used by \(user)) is not on /metrics")
            }
        }
    }

    @Test func prometheusFiresGatewayDownWhenAGatewayIsDownAndClearsItOnRecovery() async throws {
        let prometheus = try Monitoring.tool("prometheus")
        let started = Date()
        try await Self.withOperator(gateways: 2) { fixture, _, metricsPort in
            let dir = try Monitoring.temporaryFolder("gm-prometheus")
            defer { try? FileManager.default.removeItem(at: dir) }
            try Monitoring.writeRulesFile(to: dir.appendingPathComponent("rules.yaml")) { rule in
                if rule["for"] != nil { rule["for"] = .string("2s") }
            }
            try """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                rule_files: [rules.yaml]
                scrape_configs:
                  - job_name: gateway-medic
                    static_configs: [{targets: ["127.0.0.1:\(metricsPort)"]}]

                """.write(to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
            let webPort = try freePort()
            let server = try ChildProcess.start(prometheus, [
                "--config.file=\(dir.appendingPathComponent("prometheus.yml").path)",
                "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(webPort)", "--log.level=warn",
            ], environment: ["HOME": dir.path], record: E2EOutputRecord.cliOutput)
            defer { server.terminateIfRunning() }
            let api = "http://127.0.0.1:\(webPort)/api/v1"

            /// The GatewayDown alerts Prometheus holds (state, gateway), nil while it does not answer.
            @Sendable func gatewayDown() async -> [(state: String, gateway: String, namespace: String)]? {
                guard let reply = try? await httpGet("\(api)/alerts"), reply.status == 200,
                      let json = try? JSONValue.parse(reply.body) else { return nil }
                return (json["data"]?["alerts"]?.arrayValue ?? []).compactMap { alert in
                    guard alert["labels"]?["alertname"]?.stringValue == "GatewayDown" else { return nil }
                    return (alert["state"]?.stringValue ?? "", alert["labels"]?["gateway"]?.stringValue ?? "",
                            alert["labels"]?["gateway_namespace"]?.stringValue ?? "")
                }
            }

            // Healthy first: Prometheus scrapes the UP fleet, no GatewayDown.
            let upScraped = try await Self.poll(fixture, within: 30) { () -> Bool? in
                guard let reply = try? await httpGet("\(api)/query?query=sum(gateway_medic_gateway_state%7Bstate%3D%22UP%22%7D)"),
                      let value = (try? JSONValue.parse(reply.body))?["data"]?["result"]?.arrayValue?.first?["value"]?.arrayValue?.last?.stringValue
                else { return nil }
                return value == "2" ? true : nil
            }
            #expect(upScraped == true, "Prometheus never saw both gateways UP")
            #expect(await gatewayDown()?.isEmpty == true)

            // gateway-1's dataplane crash-loops: DOWN, and GatewayDown fires for it alone.
            try await fixture.simulator.crashLoop(gateway: "gateway-1", container: .dataplane, now: Date())
            let firing = try await Self.poll(fixture, within: 45) { () -> [(state: String, gateway: String, namespace: String)]? in
                guard let alerts = await gatewayDown(), alerts.contains(where: { $0.state == "firing" }) else { return nil }
                return alerts
            }
            let alerts = try #require(firing, "GatewayDown never fired")
            #expect(alerts.count == 1)
            #expect(alerts.first?.gateway == "gateway-1" && alerts.first?.namespace == "default")

            // Healed: UP again, and the alert is gone from /api/v1/alerts.
            try await fixture.simulator.heal(gateway: "gateway-1", now: Date())
            let cleared = try await Self.poll(fixture, within: 45) { () -> Bool? in
                guard let alerts = await gatewayDown(), alerts.isEmpty else { return nil }
                return true
            }
            #expect(cleared == true, "GatewayDown did not clear after recovery")

            server.signal(SIGTERM)
            #expect(await server.exitStatus(within: .seconds(20)) != nil)
        }
        // Bounded: the whole run, Prometheus included, well under the polls' limits.
        #expect(Date().timeIntervalSince(started) < 150)
    }
}
