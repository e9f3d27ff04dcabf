import Foundation
import KubeAPI
import OperatorTestSupport
import Testing
import TestSupport

/// manifests/monitoring checked offline: promtool on the PrometheusRule's rules and its unit
/// tests (tests/rules-test.yaml, a test per alert that it is silent one evaluation before it
/// fires and fires when it should), every alert's labels and annotations, the dashboard's queries.
@Suite struct MonitoringRulesTests {
    @Test func promtoolChecksTheRulesAndEveryAlertPassesItsUnitTest() async throws {
        let promtool = try Monitoring.tool("promtool")
        let dir = try Monitoring.temporaryFolder("gm-rules")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Monitoring.writeRulesFile(to: dir.appendingPathComponent("rules.yaml"))
        try FileManager.default.copyItem(at: Monitoring.folder.appendingPathComponent("tests/rules-test.yaml"),
                                         to: dir.appendingPathComponent("rules-test.yaml"))
        let check = try await ChildProcess.run(promtool, ["check", "rules", dir.appendingPathComponent("rules.yaml").path],
                                             environment: [:], timeout: .seconds(60), record: E2EOutputRecord.cliOutput)
        #expect(check.status == 0, "promtool check rules: \(check.stdout)\(check.stderr)")
        let unit = try await ChildProcess.run(promtool, ["test", "rules", dir.appendingPathComponent("rules-test.yaml").path],
                                            environment: [:], timeout: .seconds(120), record: E2EOutputRecord.cliOutput)
        #expect(unit.status == 0, "promtool test rules: \(unit.stdout)\(unit.stderr)")
        #expect(unit.stdout.contains("SUCCESS"))

        // A unit test for every alert, and one that checks it silent before it fires.
        let tests = try String(contentsOf: Monitoring.folder.appendingPathComponent("tests/rules-test.yaml"), encoding: .utf8)
        let alerts = try Monitoring.rules().compactMap { $0["alert"]?.stringValue }
        #expect(alerts.count >= 13)
        for alert in alerts {
            let checks = tests.components(separatedBy: "alertname: \(alert)\n").count - 1
            #expect(checks >= 2, "\(alert) has \(checks) alert_rule_test entries; it needs a silent one and a firing one")
        }
    }

    @Test func everyAlertHasASeveritySummaryDescriptionAndARunbookSection() throws {
        let runbook = try String(contentsOf: Monitoring.root.appendingPathComponent("docs/runbook.md"), encoding: .utf8)
        let anchors = Set(runbook.split(separator: "\n").filter { $0.hasPrefix("#") }.map { line in
            // GitHub's anchor: lowercased, spaces to dashes, punctuation dropped.
            String(line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
                .replacingOccurrences(of: " ", with: "-").filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        })
        let rules = try Monitoring.rules().filter { $0["alert"] != nil }
        for rule in rules {
            let name = rule["alert"]?.stringValue ?? "?"
            #expect(["critical", "warning", "info"].contains(rule["labels"]?["severity"]?.stringValue ?? ""), "\(name): severity")
            for key in ["summary", "description", "runbook_url"] {
                let text = rule["annotations"]?[key]?.stringValue ?? ""
                #expect(text.count > 10, "\(name): no \(key)")
            }
            let url = rule["annotations"]?["runbook_url"]?.stringValue ?? ""
            #expect(url.contains("docs/runbook.md#"), "\(name): \(url)")
            let anchor = url.components(separatedBy: "#").last ?? ""
            #expect(anchors.contains(anchor), "\(name): docs/runbook.md has no heading for #\(anchor)")
            // A gateway's namespace is gateway_namespace: the target's `namespace` would clash.
            let expr = rule["expr"]?.stringValue ?? ""
            #expect(!expr.contains("(namespace") && !expr.contains(" namespace,") && !expr.contains("{namespace"), "\(name): \(expr)")
        }
    }

    @Test func theDashboardParsesAndEveryPanelHasAQuery() throws {
        let dashboard = try Monitoring.dashboard()
        let panels = Monitoring.panelQueries(dashboard)
        #expect(panels.count >= 8)
        for panel in panels { #expect(!panel.exprs.isEmpty, "panel \(panel.title) has no query") }
        let titles = panels.map(\.title).joined(separator: "|").lowercased()
        for topic in ["state", "bgp", "drops", "lag", "remediation", "ticket", "operator"] {
            #expect(titles.contains(topic), "no panel about \(topic)")
        }
    }

    @Test func metricNamesAreFoundInPromQL() {
        #expect(Monitoring.metricNames(in: #"max by (gateway_namespace, gateway) (gateway_medic_gateway_state{state="DOWN"}) == 1"#)
            == ["gateway_medic_gateway_state"])
        #expect(Monitoring.metricNames(in: #"histogram_quantile(0.99, sum by (le) (rate(a_bucket{c="x"}[$__rate_interval]))) > 5 and b"#)
            == ["a_bucket", "b"])
        #expect(Monitoring.metricNames(in: "time() - max(x_seconds) > 120") == ["x_seconds"])
    }
}
