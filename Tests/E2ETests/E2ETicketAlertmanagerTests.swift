import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import OperatorTestSupport
import Remediation
import TestSupport
import Testing

/// A real Alertmanager (Debian's `prometheus-alertmanager`) on loopback, in a temporary folder,
/// with one route to a receiver that sends nothing: what the test reads is its API and amtool.
/// Started and stopped by the test's task only (`process` is not shared).
final class AlertmanagerProcess: @unchecked Sendable {
    let port: Int
    let folder: URL
    let binary: String
    private(set) var process: ChildProcess?

    var url: String { "http://127.0.0.1:\(port)" }

    init(binary: String) throws {
        self.binary = binary
        port = try freePort()
        folder = try Monitoring.temporaryFolder("gm-alertmanager")
        try """
            route:
              receiver: nowhere
              group_wait: 1h
            receivers:
              - name: nowhere

            """.write(to: folder.appendingPathComponent("alertmanager.yml"), atomically: true, encoding: .utf8)
    }

    /// Starts it (again: same port, same storage) and waits, at most 20 s, until it is ready.
    func start() async throws {
        let process = try ChildProcess.start(binary, [
            "--config.file=\(folder.appendingPathComponent("alertmanager.yml").path)",
            "--storage.path=\(folder.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn",
        ], environment: ["HOME": folder.path])
        self.process = process
        let url = self.url
        let ready = await eventually(20) { (try? await httpGet(url + "/-/ready"))?.status == 200 }
        guard ready else { throw Failure(description: "Alertmanager did not become ready on \(url)") }
    }

    /// Stops it and waits, at most 10 s, until it has exited.
    func stop() async {
        guard let process else { return }
        process.signal(SIGTERM)
        _ = await process.exitStatus(within: .seconds(10))
        self.process = nil
    }

    /// The active gateway-medic alerts it holds (`/api/v2/alerts` leaves resolved ones out); nil
    /// while it does not answer.
    func alerts() async -> [JSONValue]? {
        guard let reply = try? await httpGet(url + "/api/v2/alerts?filter=alertname%3D%22GatewayMedicTicket%22"), reply.status == 200,
              let alerts = (try? JSONValue.parse(reply.body))?.arrayValue else { return nil }
        return alerts
    }

    /// How many alerts it has received since it started, by `status` (firing, resolved): its own
    /// `alertmanager_alerts_received_total`.
    func received(_ status: String) async -> Int? {
        guard let reply = try? await httpGet(url + "/metrics"), reply.status == 200 else { return nil }
        return reply.body.split(separator: "\n")
            .filter { $0.hasPrefix("alertmanager_alerts_received_total{") && $0.contains("status=\"\(status)\"") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0) { $0 + Int($1) }
    }

    /// An RFC 3339 instant as Alertmanager writes it (with or without fractions of a second).
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

extension E2ETests {
    /// Issue 20, acceptance 3: a KEEPALIVE_FAIL draft reaches a real Alertmanager as an alert with
    /// its labels (seen by amtool and the API), is resolved on recovery, and an Alertmanager outage
    /// loses nothing and sends nothing twice.
    @Test func keepaliveFailDraftsBecomeAlertmanagerAlertsResolvedOnRecoveryAndSurviveAnOutage() async throws {
        let binary: String
        let amtool: String
        do {
            binary = try Monitoring.tool("prometheus-alertmanager")
            amtool = try Monitoring.tool("amtool")
        } catch {
            missingTool("\(error)")
            return
        }
        try await E2EWorld.with(gateways: 2) { world in
            let alertmanager = try AlertmanagerProcess(binary: binary)
            // Stopped after the operator (started later, so stopped first), before the emulator.
            world.atEnd {
                await alertmanager.stop()
                alertmanager.remove()
            }
            try await alertmanager.start()

            var config = e2eConfig()
            // A resend interval far longer than the test: an alert that disappears was resolved by a
            // post, not left to lapse (its endsAt is four intervals ahead).
            // A bearer token from a file, as a mounted Secret would give it (Alertmanager ignores it;
            // the suite's secret scan checks that no output carries it).
            let token = "am-t0ken-\(UUID().uuidString)"
            let tokenFile = world.pki.directory.appendingPathComponent("alertmanager-token").path
            try (token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
            E2EOutputRecord.secret(token)
            config.tickets.alertmanager = AlertmanagerSettings(url: alertmanager.url, bearerTokenFile: tokenFile, resendInterval: 600)
            let running = try RunningOperator.start(
                world, config: config, identity: "medic-a",
                webhookRetry: WebhookRetryPolicy(initialDelay: .milliseconds(20), maxDelay: .milliseconds(200)))
            let instance = running.instance
            let settle = Self.settler(world, running, ["gateway-1", "gateway-2"])
            let queue = try #require(instance.ticketSink(named: "alertmanager")?.deliveryQueue)
            try await world.advance(to: 10, settle: settle)

            // gateway-1 stops heartbeating: KEEPALIVE_FAIL, and after ticketAfter a draft, posted as an alert.
            try await world.simulator.stopHeartbeats(gateway: "gateway-1")
            try await world.advance(to: 400, step: 5, settle: settle)
            let draft = try #require(world.ticketDrafts(of: "gateway-1").first)
            #expect(draft.state == .keepaliveFail && draft.status == .open)
            #expect(await eventually { await alertmanager.alerts()?.count == 1 }, "the alert never reached Alertmanager")
            let alert = try #require(await alertmanager.alerts()?.first)
            #expect(alert["labels"] == [
                "alertname": "GatewayMedicTicket", "gateway_namespace": .string(draft.namespace), "gateway": "gateway-1",
                "state": "KEEPALIVE_FAIL", "severity": "critical",
            ])
            #expect(alert["annotations"]?["summary"]?.stringValue == draft.title)
            #expect(alert["annotations"]?["description"]?.stringValue?.contains("gateway-1") == true)
            #expect(alert["annotations"]?["runbook_url"]?.stringValue?.hasSuffix("runbook.md#gatewaykeepalivefail") == true)
            #expect(alert["status"]?["state"]?.stringValue == "active")
            let endsAt = try #require(alert["endsAt"]?.stringValue.flatMap(AlertmanagerProcess.date))
            #expect(endsAt > Date().addingTimeInterval(600), "an open alert ends four resend intervals ahead")

            // amtool sees the same alert.
            let query = try await ChildProcess.run(amtool, ["alert", "query", "--alertmanager.url=\(alertmanager.url)", "-o", "json",
                                                          "alertname=GatewayMedicTicket"], environment: ["HOME": alertmanager.folder.path])
            #expect(query.status == 0, "amtool: \(query.stderr)")
            let listed = try JSONValue.parse(query.stdout).arrayValue ?? []
            #expect(listed.count == 1 && listed.first?["labels"]?["gateway"] == "gateway-1" && listed.first?["labels"]?["state"] == "KEEPALIVE_FAIL")

            // Outage: Alertmanager stops; gateway-2 fails meanwhile (its draft waits in the queue).
            await alertmanager.stop()
            try await world.simulator.stopHeartbeats(gateway: "gateway-2")
            try await world.advance(to: 800, step: 5, settle: settle)
            #expect(world.ticketDrafts(of: "gateway-2").first?.status == .open)
            #expect(await queue.pendingCount >= 1, "kept while Alertmanager is down")

            // Back on the same port and storage: both alerts are there (gateway-1's, which the
            // restarted Alertmanager had forgotten, posted again), each once.
            try await alertmanager.start()
            #expect(await eventually(20) {
                Set((await alertmanager.alerts() ?? []).compactMap { $0["labels"]?["gateway"]?.stringValue }) == ["gateway-1", "gateway-2"]
            }, "an alert was lost in the outage")
            let afterOutage = await alertmanager.alerts() ?? []
            let fingerprints = afterOutage.compactMap { $0["fingerprint"]?.stringValue }
            #expect(fingerprints.count == 2 && Set(fingerprints).count == 2, "each alert once: \(afterOutage)")
            #expect(await eventually { await queue.pendingCount == 0 })
            let delivered = await queue.deliveredCount

            // Recovery: both drafts resolve, both alerts are resolved (gone from the active list)
            // long before their endsAt.
            try await world.simulator.resumeHeartbeats(gateway: "gateway-1")
            try await world.simulator.resumeHeartbeats(gateway: "gateway-2")
            try await world.advance(to: 860, step: 5, settle: settle)
            #expect(world.ticketDrafts().allSatisfy { $0.status == .resolved })
            #expect(await eventually { await alertmanager.alerts()?.isEmpty == true }, "the alerts were not resolved")
            #expect(await eventually { await queue.pendingCount == 0 })
            // Since its restart Alertmanager received each alert once: gateway-2's from the queue,
            // gateway-1's posted again on reconnection, and one resolution each.
            #expect(await queue.deliveredCount >= delivered + 2)
            #expect(await alertmanager.received("firing") == 2)
            let resolvedPosts = await alertmanager.received("resolved")
            #expect(resolvedPosts == 2)
        }
    }
}
