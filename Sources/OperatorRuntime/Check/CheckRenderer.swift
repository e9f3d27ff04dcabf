import Foundation
import KubeAPI
import YAML

/// How `check` prints its verdicts.
public enum CheckOutputFormat: String, Sendable, CaseIterable {
    case table, json, yaml
}

/// Renders check reports for people (a table) or programs (a JSON or YAML list).
public enum CheckRenderer {
    public static let tableHeader = ["GATEWAY", "STATE", "REASON", "HEARTBEAT", "APPLIED", "CURRENT", "BGP", "PODS"]

    public static func render(_ reports: [GatewayReport], format: CheckOutputFormat) -> String {
        switch format {
        case .table: return table(reports)
        case .json: return String(decoding: prettyJSON(.array(reports.map { $0.json() })), as: UTF8.self) + "\n"
        case .yaml: return YAML.emit(.array(reports.map { $0.json() }))
        }
    }

    /// kubectl-style columns: left-aligned, three spaces apart, `-` for a value not reported.
    /// HEARTBEAT is the heartbeat's age at the check (the assessment's evaluation time): the
    /// table is printed at once, unlike the persisted status, which carries only the instant.
    public static func table(_ reports: [GatewayReport]) -> String {
        let rows = [tableHeader] + reports.map { r in
            let e = r.assessment.evidence
            return [
                r.name, r.state.rawValue, r.assessment.reason, r.assessment.heartbeatAgeAtEvaluation.map { age(Int($0)) } ?? "-",
                e.appliedGeneration.map(String.init) ?? "-", e.currentGeneration.map(String.init) ?? "-",
                e.bgpSummary, "\(r.readyPods)/\(e.pods.count)",
            ]
        }
        let widths = tableHeader.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }

    /// kubectl's age style: `42s`, `5m3s`, `2h7m`, `3d4h`; negative ages (a clock ahead) keep their sign.
    public static func age(_ seconds: Int) -> String {
        if seconds < 0 { return "-" + age(-seconds) }
        switch seconds {
        case ..<120: return "\(seconds)s"
        case ..<3600: return seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds / 60)m\(seconds % 60)s"
        case ..<86400: return "\(seconds / 3600)h\((seconds % 3600) / 60)m"
        default: return "\(seconds / 86400)d\((seconds % 86400) / 3600)h"
        }
    }

    /// Indented JSON with sorted keys (stable output to diff and grep).
    static func prettyJSON(_ value: JSONValue) -> [UInt8] {
        let compact = Data(value.serialized())
        guard let object = try? JSONSerialization.jsonObject(with: compact, options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return Array(compact) }
        return Array(data)
    }
}
