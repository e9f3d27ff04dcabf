import FabricSimulator
import Foundation
import KubeAPI
import KubeEmulator
import Testing

/// The built `gateway-medic` binary run as a user would run it.
@Suite(.serialized) struct CLIProcessTests {
    /// Next to the test bundle (`swift build --build-tests` builds both into one folder).
    static func binary() throws -> String {
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            var url = URL(fileURLWithPath: first)
            while url.path != "/" && !url.lastPathComponent.hasSuffix(".xctest") && url.pathComponents.count > 1 {
                url.deleteLastPathComponent()
            }
            candidates.append(url.deletingLastPathComponent().appendingPathComponent("gateway-medic"))
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("gateway-medic"))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/gateway-medic"))
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try #require(found?.path, "gateway-medic not built; looked in \(candidates.map(\.path))")
    }

    @Test func checkAgainstTheEmulator() async throws {
        // The simulated fabric runs on the wall clock here: the binary judges it at its own `now`.
        let t0 = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 30)
        try await CheckFixture.with(gateways: 2, t0: t0) { fixture in
            try await fixture.simulator.step(now: Date())
            let result = try await CLIProcess.run(try Self.binary(), ["check", "--kubeconfig", fixture.kubeconfig], environment: ["HOME": "/nonexistent"])
            #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
            let lines = result.stdout.split(separator: "\n")
            let header = try #require(lines.first).split(separator: " ").map(String.init)
            #expect(header == ["GATEWAY", "STATE", "REASON", "HEARTBEAT", "APPLIED", "CURRENT", "BGP", "PODS"])
            #expect(lines.count == 3)
            #expect(fixture.server.writeCount == 0)
        }
    }

    @Test func checkWithABadKubeconfigExitsTwo() async throws {
        let result = try await CLIProcess.run(try Self.binary(), ["check", "--kubeconfig", "/nonexistent/kc"], environment: ["HOME": "/nonexistent"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/kc"))
    }

    @Test func versionPrintsTheVersion() async throws {
        let result = try await CLIProcess.run(try Self.binary(), ["version"], environment: [:])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("gateway-medic "))
    }

    @Test func runServesProbesLogsJSONWithoutSecretsAndStopsOnSIGTERM() async throws {
        let server = EmulatedAPIServer()
        try await server.start()
        let base = server.baseURL
        let token = "s3cr3t-\(UUID().uuidString)"
        let kubeconfig = try CheckFixture.writeKubeconfig(server: base, token: token)
        let process = try CLIProcess.start(try Self.binary(), [
            "run", "--kubeconfig", kubeconfig, "--server-host", "127.0.0.1", "--server-port", String(try freePort()),
            "--no-leader-elect", "--log-format", "json",
        ])
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
