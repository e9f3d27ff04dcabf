import FabricSimulator
import Foundation
import KubeAPI
import KubeEmulator
import OperatorTestSupport
import Testing
import TestSupport

/// The built `gateway-medic` binary run as a user would run it.
@Suite(.serialized) struct CLIProcessTests {
    /// Next to the test bundle (`swift build --build-tests` builds both into one folder).
    static func binary() throws -> String {
        try #require(BuiltProduct.path("gateway-medic"), "gateway-medic not built; looked in \(BuiltProduct.candidates("gateway-medic"))")
    }

    @Test func checkAgainstTheEmulator() async throws {
        // The simulated fabric runs on the wall clock here: the binary judges it at its own `now`.
        let t0 = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 30)
        try await CheckFixture.with(gateways: 2, t0: t0) { fixture in
            try await fixture.simulator.step(now: Date())
            let result = try await ChildProcess.run(try Self.binary(), ["check", "--kubeconfig", fixture.kubeconfig], environment: ["HOME": "/nonexistent"], record: E2EOutputRecord.cliOutput)
            #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
            let lines = result.stdout.split(separator: "\n")
            let header = try #require(lines.first).split(separator: " ").map(String.init)
            #expect(header == ["GATEWAY", "STATE", "REASON", "HEARTBEAT", "APPLIED", "CURRENT", "BGP", "FORWARDING", "PEERINGS", "PODS"])
            #expect(lines.count == 3)
            #expect(fixture.server.writeCount == 0)
        }
    }

    /// Acceptance: `make install` into a PREFIX puts `kubectl-gateway_medic` on PATH, `kubectl plugin
    /// list` lists it, and the real kubectl runs `kubectl gateway-medic check -n default gateway-1 -o wide`.
    @Test func kubectlPluginThroughMakeInstall() async throws {
        let kubectl = "/usr/bin/kubectl"
        guard FileManager.default.isExecutableFile(atPath: kubectl), FileManager.default.isExecutableFile(atPath: "/usr/bin/make") else {
            missingTool("kubectl or make not installed: plugin test skipped")
            return
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("gm-prefix-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let install = try await ChildProcess.run("/usr/bin/make", ["-s", "-C", root, "install", "PREFIX=\(prefix)", "BIN=\(try Self.binary())"],
                                               environment: ["PATH": "/usr/bin:/bin"], record: E2EOutputRecord.cliOutput)
        #expect(install.status == 0, "make install: \(install.stderr)")
        #expect(FileManager.default.isExecutableFile(atPath: "\(prefix)/bin/gateway-medic"))
        #expect(FileManager.default.isExecutableFile(atPath: "\(prefix)/bin/kubectl-gateway_medic"))

        let t0 = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 30)
        try await CheckFixture.with(gateways: 2, t0: t0) { fixture in
            try await fixture.simulator.step(now: Date())
            let env = ["PATH": "\(prefix)/bin:/usr/bin:/bin", "HOME": prefix, "KUBECONFIG": fixture.kubeconfig]
            let list = try await ChildProcess.run(kubectl, ["plugin", "list"], environment: env, record: E2EOutputRecord.cliOutput)
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.contains("\(prefix)/bin/kubectl-gateway_medic"), "\(list.stdout)")

            let check = try await ChildProcess.run(kubectl, ["gateway-medic", "check", "-n", "default", "gateway-1", "-o", "wide"], environment: env, record: E2EOutputRecord.cliOutput)
            #expect(check.status == 0, "stderr: \(check.stderr)\nstdout: \(check.stdout)")
            let lines = check.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(lines.count == 2, "only the gateway asked for: \(check.stdout)")
            #expect(lines.first?.first == "NAMESPACE" && lines.first?.contains("MESSAGE") == true)
            #expect(lines.last?.prefix(3) == ["default", "gateway-1", "UP"])
            #expect(fixture.server.writeCount == 0)
        }
    }

    @Test func checkRefusesRunFlagsAndUnknownOnes() async throws {
        let remediate = try await ChildProcess.run(try Self.binary(), ["check", "--remediate"], environment: ["HOME": "/nonexistent"], record: E2EOutputRecord.cliOutput)
        #expect(remediate.status != 0)
        #expect(remediate.stderr.contains("--remediate is a `run` flag"), "\(remediate.stderr)")
        let lease = try await ChildProcess.run(try Self.binary(), ["check", "--lease-name=x"], environment: ["HOME": "/nonexistent"], record: E2EOutputRecord.cliOutput)
        #expect(lease.stderr.contains("--lease-name is a `run` flag"), "\(lease.stderr)")
        let unknown = try await ChildProcess.run(try Self.binary(), ["check", "--no-such-flag"], environment: ["HOME": "/nonexistent"], record: E2EOutputRecord.cliOutput)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown option --no-such-flag"), "\(unknown.stderr)")
    }

    @Test func checkWithABadKubeconfigExitsTwo() async throws {
        let result = try await ChildProcess.run(try Self.binary(), ["check", "--kubeconfig", "/nonexistent/kc"], environment: ["HOME": "/nonexistent"], record: E2EOutputRecord.cliOutput)
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/kc"))
    }

    @Test func versionPrintsTheVersion() async throws {
        let result = try await ChildProcess.run(try Self.binary(), ["version"], environment: [:], record: E2EOutputRecord.cliOutput)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("gateway-medic "))
    }

    @Test func runServesProbesLogsJSONWithoutSecretsAndStopsOnSIGTERM() async throws {
        let server = EmulatedAPIServer()
        try await server.start()
        let base = server.baseURL
        let token = "s3cr3t-\(UUID().uuidString)"
        let kubeconfig = try CheckFixture.writeKubeconfig(server: base, token: token)
        let process = try ChildProcess.start(try Self.binary(), [
            "run", "--kubeconfig", kubeconfig, "--server-host", "127.0.0.1", "--server-port", String(try freePort()),
            "--no-leader-elect", "--log-format", "json",
        ], environment: ["HOME": "/nonexistent"], record: E2EOutputRecord.cliOutput)
        defer { process.terminateIfRunning() }
        // The first log line with a port is the probe server listening.
        let port = try #require(await process.firstLog { $0["port"]?.stringValue.flatMap(Int.init) })
        #expect(try await httpGet("http://127.0.0.1:\(port)/healthz").status == 200)
        #expect(try await httpGet("http://127.0.0.1:\(port)/metrics").status == 200)

        process.signal(SIGTERM)
        let status = try #require(await process.exitStatus(within: .seconds(20)))
        #expect(status == 0)
        let logs = process.stderrLines()
        #expect(!logs.isEmpty)
        #expect(logs.allSatisfy { (try? JSONValue.parse($0))?["msg"] != nil }, "every log line is JSON: \(logs)")
        #expect(!logs.joined().contains(token))
        await server.stop()
    }
}
