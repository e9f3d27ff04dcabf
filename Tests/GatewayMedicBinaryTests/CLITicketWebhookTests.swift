import FabricSimulator
import Foundation
import KubeAPI
import KubeEmulator
import OperatorTestSupport
import TestSupport
import Testing

/// The webhook sink turned on the documented way: `tickets.webhook` in a config file given to the
/// real `gateway-medic run` binary.
@Suite(.serialized) struct CLITicketWebhookTests {
    /// Acceptance 3b: a CONFIG_FAIL lasting longer than ticketAfter reaches the receiver named in
    /// the config file, with the secret header from the environment and the binary's version.
    /// (Before, the binary refused the file: `tickets.webhook: unknown key`; and drafts said
    /// version "dev".)
    @Test func webhookSetInAConfigFileReceivesTheDraft() async throws {
        // The fabric is judged on the wall clock: every gateway has just reported.
        let t0 = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 30)
        try await CheckFixture.with(gateways: 1, t0: t0) { fixture in
            try await fixture.simulator.step(now: Date())
            let binary = try CLIProcessTests.binary()
            let version = try await ChildProcess.run(binary, ["--version"], environment: [:], record: E2EOutputRecord.cliOutput).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!version.isEmpty && version != "dev")

            let secret = "Bearer hook-s3cr3t-\(UUID().uuidString)"
            E2EOutputRecord.secret(secret)
            let receiver = try LoopbackHTTPServer { request in
                request.headers["authorization"] == secret ? .ok : .init(status: 401, body: "wrong secret")
            }
            defer { receiver.stop() }
            // Timings shortened through the documented settings: a lag is CONFIG_FAIL after 1 s
            // and gets a draft 1 s later; heartbeats stay fresh for the whole test.
            let config = try configFile("""
                operatorNamespace: default
                health:
                  keepaliveInterval: 3600
                  applyTimeout: 1
                remediation:
                  ticketAfter: 1
                tickets:
                  webhook:
                    url: \(receiver.url)/gateway-medic/tickets
                    secretEnv: MEDIC_TEST_WEBHOOK_TOKEN
                """)
            let process = try ChildProcess.start(binary, [
                "run", "--kubeconfig", fixture.kubeconfig, "--config", config, "--no-leader-elect",
                "--server-port", "0", "--log-format", "json",
            ], environment: ["HOME": "/nonexistent", "MEDIC_TEST_WEBHOOK_TOKEN": secret], record: E2EOutputRecord.cliOutput)
            defer { process.terminateIfRunning() }
            let synced = await process.firstLog { $0["msg"]?.stringValue == "caches synced" ? true : nil }
            #expect(synced == true, "the binary started with the config file: \(process.stderrLines())")

            // The dataplane refuses the new generation: CONFIG_FAIL.
            try await fixture.simulator.rejectConfig(gateway: "gateway-1", now: Date())
            try await fixture.simulator.bumpGeneration(gateway: "gateway-1", now: Date())
            let delivered: @Sendable () -> JSONValue? = {
                receiver.requests.lazy.compactMap { try? JSONValue.parse($0.body) }.first { $0["kind"]?.stringValue == "gateway-medic.ticket" }
            }
            #expect(await eventually(30) { delivered() != nil },
                    "no draft reached the receiver; requests: \(receiver.requests.count), log: \(process.stderrLines().suffix(20))")
            let ticket = try #require(delivered()?["ticket"])
            #expect(ticket["gateway"]?.stringValue == "gateway-1")
            #expect(ticket["incident"]?.stringValue == "CONFIG_FAIL")
            #expect(ticket["status"]?.stringValue == "open")
            #expect(ticket["version"]?.stringValue == version, "the draft names the binary's version")
            let request = try #require(receiver.requests.first)
            #expect(request.method == "POST" && request.target == "/gateway-medic/tickets")
            #expect(request.headers["authorization"] == secret)
            // The ConfigMap sink (on by default) stored the same draft.
            let maps = try fixture.server.store.list(.configMaps, namespace: "default", labelSelector: "gatewaymedic.io/ticket").items
            #expect(maps.count == 1)

            process.signal(SIGTERM)
            #expect(await process.exitStatus(within: .seconds(20)) == 0)
            #expect(!process.stderrLines().joined().contains(secret), "the secret stays out of the logs")
        }
    }
}
