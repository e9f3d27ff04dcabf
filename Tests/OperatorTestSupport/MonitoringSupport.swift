import Foundation
import KubeAPI
import Testing
import YAML

/// manifests/monitoring as the tests read it, and the Prometheus tools they run (Debian's
/// `prometheus` package; `make test` installs it when missing).
package enum Monitoring {
    package static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    package static let folder = root.appendingPathComponent("manifests/monitoring")

    /// The PrometheusRule's `spec` (its `groups`).
    package static func ruleSpec() throws -> JSONValue {
        let text = try String(contentsOf: folder.appendingPathComponent("prometheusrule.yaml"), encoding: .utf8)
        return try #require(try YAML.parseSingle(text)["spec"])
    }

    /// Every rule of the PrometheusRule.
    package static func rules() throws -> [JSONValue] {
        try (ruleSpec()["groups"]?.arrayValue ?? []).flatMap { $0["rules"]?.arrayValue ?? [] }
    }

    package static func dashboard() throws -> JSONValue {
        try JSONValue.parse(String(contentsOf: folder.appendingPathComponent("dashboard.json"), encoding: .utf8))
    }

    /// Every panel's queries (rows' nested panels included).
    package static func panelQueries(_ dashboard: JSONValue) -> [(title: String, exprs: [String])] {
        func walk(_ panels: [JSONValue]) -> [(String, [String])] {
            panels.flatMap { panel -> [(String, [String])] in
                let exprs = (panel["targets"]?.arrayValue ?? []).compactMap { $0["expr"]?.stringValue }.filter { !$0.isEmpty }
                let own = panel["type"]?.stringValue == "row" ? [] : [(panel["title"]?.stringValue ?? "", exprs)]
                return own + walk(panel["panels"]?.arrayValue ?? [])
            }
        }
        return walk(dashboard["panels"]?.arrayValue ?? [])
    }

    /// The metric names a PromQL expression selects: identifiers outside strings, label
    /// matchers, `by (...)` lists and ranges that are neither functions, keywords nor Grafana variables.
    package static func metricNames(in expr: String) -> Set<String> {
        var text = expr
        for pattern in [#""(\\.|[^"\\])*""#, #"\{[^}]*\}"#, #"\[[^\]]*\]"#,
                        #"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#, #"\$\w+"#] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        let keywords: Set<String> = ["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "inf", "nan"]
        var names: Set<String> = []
        let scanner = text as NSString
        let regex = try! NSRegularExpression(pattern: #"[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?"#)
        for match in regex.matches(in: text, range: NSRange(location: 0, length: scanner.length)) {
            let token = scanner.substring(with: match.range)
            if token.hasSuffix("(") { continue }  // a function or aggregation
            if keywords.contains(token.lowercased()) { continue }
            names.insert(token)
        }
        return names
    }

    /// A tool of the Prometheus packages. Missing: under CI=true the test fails (CI must not pass
    /// without running it); elsewhere it fails too, saying how to install it: nothing is skipped silently.
    package static func tool(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") + ["/usr/bin"] {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        let ci = ProcessInfo.processInfo.environment["CI"] == "true" ? " (CI=true)" : ""
        throw MonitoringToolMissing(description: "\(name) is not installed\(ci): run `make deps` (installs Debian's prometheus and prometheus-alertmanager) or apt-get install prometheus")
    }

    /// A fresh temporary folder.
    package static func temporaryFolder(_ prefix: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Writes the PrometheusRule's spec as a plain rules file (what promtool and Prometheus read),
    /// after `adjust` (the end-to-end test shortens `for:`).
    package static func writeRulesFile(to url: URL, adjust: (inout [String: JSONValue]) -> Void = { _ in }) throws {
        var spec = try ruleSpec()
        if case .object(var top) = spec, case .array(let groups)? = top["groups"] {
            top["groups"] = .array(groups.map { group in
                guard case .object(var g) = group, case .array(let rules)? = g["rules"] else { return group }
                g["rules"] = .array(rules.map { rule in
                    guard case .object(var r) = rule else { return rule }
                    adjust(&r)
                    return .object(r)
                })
                return .object(g)
            })
            spec = .object(top)
        }
        try YAML.emit(spec).write(to: url, atomically: true, encoding: .utf8)
    }
}

package struct MonitoringToolMissing: Error, CustomStringConvertible {
    package let description: String
}
