import FabricSimulator
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import KubeEmulator
import OperatorTestSupport
import Testing
import YAML
@testable import OperatorRuntime

@Suite(.serialized) struct CheckFleetTests {
    static func client(_ fixture: CheckFixture) throws -> KubeClient {
        try KubeClient(config: ClusterConfig(server: fixture.server.baseURL))
    }

    @Test func allUpExitsZeroWithTheRequiredJSONFields() async throws {
        try await CheckFixture.with(gateways: 3) { fixture in
            try await fixture.simulator.step(now: fixture.at(30))

            let runner = CheckCommandRunner(kubeconfig: fixture.kubeconfig, format: .json, environment: [:])
            let out = OutputCapture(), err = OutputCapture()
            let code = await runner.execute(now: fixture.at(30), stdout: out.write, stderr: err.write)
            #expect(code == 0, "stderr: \(err.value)\nstdout: \(out.value)")

            let document = try JSONValue.parse(out.value)
            #expect(document["kind"] == "List" && document["apiVersion"] == "v1", "a kubectl List: \(out.value.prefix(200))")
            let list = try #require(document["items"]?.arrayValue)
            #expect(list.count == 3)
            for item in list {
                #expect(item["state"] == "UP")
                for field in ["name", "namespace", "state", "reason", "message", "conditions", "evidence", "since"] {
                    #expect(item[field] != nil, "\(field) missing")
                }
                #expect(item["conditions"]?.arrayValue?.count == ConditionType.all.count)
                #expect(item["memory"] == nil)
            }
            #expect(list.compactMap { $0["name"]?.stringValue } == ["gateway-1", "gateway-2", "gateway-3"])
            #expect(fixture.server.writeCount == 0)
        }
    }

    /// Names, `-l` on Gateway labels, `-o name|yaml`, `--no-headers`, and a name not found.
    @Test func selectionAndOutputsAsKubectl() async throws {
        try await CheckFixture.with(gateways: 3) { fixture in
            try await fixture.simulator.step(now: fixture.at(30))
            let client = try Self.client(fixture)
            defer { client.shutdown() }
            var gateway = try await client.get(.gateways, namespace: "default", name: "gateway-2")
            gateway["metadata"]?["labels"] = ["tier": "edge"]
            _ = try await client.update(.gateways, namespace: "default", name: "gateway-2", body: gateway)

            func check(_ selection: CheckSelection, _ format: CheckOutputFormat, noHeaders: Bool = false) async -> (Int32, String, String) {
                let runner = CheckCommandRunner(kubeconfig: fixture.kubeconfig, format: format, noHeaders: noHeaders,
                                                selection: selection, environment: [:])
                let out = OutputCapture(), err = OutputCapture()
                let code = await runner.execute(now: fixture.at(30), stdout: out.write, stderr: err.write)
                return (code, out.value, err.value)
            }
            let (code, names, _) = await check(CheckSelection(names: ["gateway-3", "gateway-1"]), .name)
            #expect(code == 0)
            #expect(names == "gateway.gateway.githedgehog.com/gateway-1\ngateway.gateway.githedgehog.com/gateway-3\n")

            let (_, selected, _) = await check(CheckSelection(labelSelector: "tier=edge"), .table, noHeaders: true)
            #expect(selected.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) } == ["gateway-2"], "\(selected)")

            let (_, yaml, _) = await check(CheckSelection(names: ["gateway-1"]), .yaml)
            let document = try YAML.parseSingleNode(yaml, source: "check")?.json
            #expect(document?["kind"] == "List")
            #expect(document?["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["gateway-1"])

            let (missingCode, _, stderr) = await check(CheckSelection(names: ["gateway-1", "gateway-9"]), .table)
            #expect(missingCode == 2)
            #expect(stderr.contains("gateway \"gateway-9\" not found in namespace \"default\""), "\(stderr)")
        }
    }

    @Test func aGatewayWithStoppedHeartbeatsFailsTheCheck() async throws {
        try await CheckFixture.with(gateways: 2) { fixture in
            try await fixture.simulator.step(now: fixture.at(20))
            try await fixture.simulator.stopHeartbeats(gateway: "gateway-2", now: fixture.at(20))
            try await fixture.simulator.step(now: fixture.at(120))

            let reports = try await FleetCheck.run(client: try Self.client(fixture), config: .default, now: fixture.at(120))
            let byName = Dictionary(uniqueKeysWithValues: reports.map { ($0.name, $0) })
            #expect(byName["gateway-1"]?.state == .up)
            let stale = try #require(byName["gateway-2"])
            // Past 45 s without a heartbeat while the leaves still see its BGP sessions up.
            #expect(stale.state == .keepaliveFail)
            let age = try #require(stale.assessment.heartbeatAgeAtEvaluation)
            #expect(age > HealthPolicy.default.heartbeatStaleAfter)
            #expect(CheckResult(reports: reports, notes: []).exitCode == 1)

            let out = OutputCapture(), err = OutputCapture()
            let code = await CheckCommandRunner(kubeconfig: fixture.kubeconfig, environment: [:])
                .execute(now: fixture.at(120), stdout: out.write, stderr: err.write)
            #expect(code == 1)
            let table = out.value.split(separator: "\n")
            #expect(table.first?.hasPrefix("GATEWAY") == true)
            #expect(table.contains { $0.hasPrefix("gateway-2") && $0.contains("KEEPALIVE_FAIL") })
            // check is printed at once: its HEARTBEAT column is the age at the check.
            #expect(table.contains { $0.hasPrefix("gateway-2") && $0.contains("   \(CheckRenderer.age(Int(age)))   ") }, "\(out.value)")
            #expect(fixture.server.writeCount == 0)
        }
    }

    @Test func thePreviousAssessmentIsReadFromGatewayHealth() async throws {
        try await CheckFixture.with(gateways: 1) { fixture in
            try await fixture.simulator.step(now: fixture.at(30))
            let client = try Self.client(fixture)
            let first = try #require(try await FleetCheck.run(client: client, config: .default, now: fixture.at(30)).first)
            #expect(first.usedPreviousAssessment == false)
            var earlier = first.assessment
            earlier.since = fixture.at(-600)
            try fixture.server.store.create(.gatewayHealths, [
                "metadata": ["name": "gateway-1", "namespace": "default"],
                "spec": ["gatewayAgent": ["name": "gateway-1"]],
            ])
            var health = try fixture.server.store.get(.gatewayHealths, namespace: "default", name: "gateway-1")
            health["status"] = earlier.statusJSON()
            try fixture.server.store.updateStatus(.gatewayHealths, health)

            let second = try #require(try await FleetCheck.run(client: client, config: .default, now: fixture.at(31)).first)
            #expect(second.usedPreviousAssessment)
            #expect(second.assessment.since == fixture.at(-600))  // UP since then, as remembered
        }
    }

    @Test func missingSwitchAgentsAreNotAnError() async throws {
        try await CheckFixture.with(gateways: 1) { fixture in
            try await fixture.simulator.step(now: fixture.at(30))
            fixture.server.failNext(100, status: 404, matching: RequestMatcher(resource: "agents"))
            let result = try await FleetCheck.evaluate(client: try Self.client(fixture), config: .default, now: fixture.at(30))
            #expect(result.reports.first?.state == .up)
            #expect(result.notes.count == 1)
            #expect(result.notes.first?.contains("Agent") == true)
        }
    }

    @Test func anUnreachableServerExitsTwoWithAClearMessage() async throws {
        // A port that was just free: nothing listens there.
        let probe = EmulatedAPIServer()
        let port = try await probe.start()
        await probe.stop()
        let kubeconfig = try CheckFixture.writeKubeconfig(server: "http://127.0.0.1:\(port)")
        let out = OutputCapture(), err = OutputCapture()
        let code = await CheckCommandRunner(kubeconfig: kubeconfig, environment: [:], requestTimeout: .seconds(5), retryAttempts: 1)
            .execute(now: Date(), stdout: out.write, stderr: err.write)
        #expect(code == 2)
        #expect(out.value.isEmpty)
        #expect(err.value.contains("cannot read the fleet from http://127.0.0.1:\(port)"))
        #expect(err.value.contains("cannot reach"))
    }

    @Test func aBadKubeconfigExitsTwo() async {
        let err = OutputCapture()
        let code = await CheckCommandRunner(kubeconfig: "/nonexistent/kubeconfig", environment: [:])
            .execute(now: Date(), stdout: { _ in }, stderr: err.write)
        #expect(code == 2)
        #expect(err.value.contains("/nonexistent/kubeconfig"))
    }
}
