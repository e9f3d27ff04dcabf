import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import YAML

/// How `check` prints its verdicts.
/// How `check` prints its verdicts: kubectl's `-o` values.
public enum CheckOutputFormat: String, Sendable, CaseIterable {
    case table, wide, json, yaml, name
}

/// Renders check reports for people (a table) or programs (a JSON or YAML list).
public enum CheckRenderer {
    /// FORWARDING and PEERINGS: the status of the gateway's `Forwarding` and `PeeringsHealthy`
    /// conditions (`-` when not reported); their reasons and messages are in `-o json|yaml`.
    public static let tableHeader = ["GATEWAY", "STATE", "REASON", "HEARTBEAT", "APPLIED", "CURRENT", "BGP", "FORWARDING", "PEERINGS", "PODS"]
    /// `-o wide` adds the namespace, when the state began (RFC 3339) and the message.
    public static let wideHeader = ["NAMESPACE"] + tableHeader + ["SINCE", "MESSAGE"]

    public static func render(_ reports: [GatewayReport], format: CheckOutputFormat, noHeaders: Bool = false) -> String {
        switch format {
        case .table: return table(reports, wide: false, headers: !noHeaders)
        case .wide: return table(reports, wide: true, headers: !noHeaders)
        case .json: return String(decoding: prettyJSON(list(reports)), as: UTF8.self) + "\n"
        case .yaml: return YAML.emit(list(reports))
        case .name: return reports.map { "\(ResourceType.gateways.kind.lowercased()).\(ResourceType.gateways.group)/\($0.name)\n" }.joined()
        }
    }

    /// A kubectl `List`, so that `jq .items[]` and `kubectl`-minded scripts read it as any other.
    static func list(_ reports: [GatewayReport]) -> JSONValue {
        ["apiVersion": "v1", "kind": "List", "metadata": ["resourceVersion": ""], "items": .array(reports.map { $0.json() })]
    }

    /// kubectl-style columns: left-aligned, three spaces apart, `-` for a value not reported.
    /// HEARTBEAT is the heartbeat's age at the check (the assessment's evaluation time): the
    /// table is printed at once, unlike the persisted status, which carries only the instant.
    public static func table(_ reports: [GatewayReport], wide: Bool = false, headers: Bool = true) -> String {
        let header = wide ? wideHeader : tableHeader
        let body = reports.map { (r: GatewayReport) -> [String] in
            let e = r.assessment.evidence
            let heartbeat: String = r.assessment.heartbeatAgeAtEvaluation.map { age(Int($0)) } ?? "-"
            let forwarding: String = r.assessment.condition(ConditionType.forwarding)?.status ?? "-"
            let peerings: String = r.assessment.condition(ConditionType.peeringsHealthy)?.status ?? "-"
            let columns: [String] = [
                r.name, r.state.rawValue, r.assessment.reason, heartbeat,
                e.appliedGeneration.map(String.init) ?? "-", e.currentGeneration.map(String.init) ?? "-",
                e.bgpSummary, forwarding, peerings, "\(r.readyPods)/\(e.pods.count)",
            ]
            return wide ? [r.namespace] + columns + [KubeTime.format(r.assessment.since), r.assessment.message] : columns
        }
        let rows = (headers ? [header] : []) + body
        guard !rows.isEmpty else { return "" }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
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
