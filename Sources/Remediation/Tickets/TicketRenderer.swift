import Foundation
import HealthModel
import KubeAPI

/// A draft as Markdown (for people) and as JSON (for machines and webhooks).
public enum TicketRenderer {
    /// Pretty JSON with sorted keys; times RFC 3339.
    public static func json(_ draft: TicketDraft) -> String {
        guard let data = try? RemediationCoding.encoder(pretty: true).encode(draft) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a draft back from `json(_:)`; nil when it is not one.
    public static func draft(fromJSON text: String) -> TicketDraft? {
        try? RemediationCoding.decoder().decode(TicketDraft.self, from: Data(text.utf8))
    }

    public static func markdown(_ d: TicketDraft) -> String {
        let e = d.evidence
        var out: [String] = []
        out.append("# \(d.title)")
        out.append("")
        out.append("| | |\n| --- | --- |")
        var rows: [(String, String)] = [
            ("Severity", d.severity.rawValue), ("Gateway", "\(d.namespace)/\(d.gateway)"),
            ("Incident", d.incident.rawValue), ("State", d.state.rawValue), ("Since", time(d.since)),
            ("Status", d.status.rawValue),
        ]
        if let reason = d.facts?.reason { rows.insert(("Reason", reason), at: 4) }
        if let at = d.resolvedAt { rows.append(("Resolved at", time(at))) }
        rows += [("Updated", time(d.updatedAt)), ("Ticket id", d.id), ("gateway-medic", d.version)]
        out += rows.map { "| \($0.0) | \(cell($0.1)) |" }
        out += ["", "## Summary", "", d.summary]
        if !d.escalations.isEmpty {
            out += ["", "## Escalation", ""]
            out += d.escalations.map { "- \(time($0.at)) \($0.step.rawValue): \($0.text)" }
        }
        out += ["", "## Evidence", ""]
        // Instants, not ages: a draft is not rewritten just because time passed.
        out.append("- Heartbeat: \(e.heartbeat ?? "never reported")")
        out.append("- Generations: applied \(gen(e.appliedGeneration)), current \(gen(e.currentGeneration)), FRR \(gen(e.frrAppliedGeneration))")
        if let since = e.configLagSince { out.append("- Configuration lagging since \(since)") }
        if let since = e.routingLagSince { out.append("- FRR lagging since \(since)") }
        if let failing = d.facts?.failingConditions, !failing.isEmpty {
            out.append("- Failing conditions: \(failing.map { "\($0.type) \($0.status) (\($0.reason))" }.joined(separator: ", "))")
        }
        out.append("- Liveness: \(e.liveness.rawValue): \(e.livenessDetail)")
        if !e.groups.isEmpty { out.append("- Groups: \(e.groups.joined(separator: ", "))") }
        out += ["", "### BGP neighbours (\(e.bgpSummary) established)", ""]
        if e.neighbors.isEmpty { out.append("None reported.") } else {
            out.append("| VRF | Neighbour | State | Expected | Enabled |\n| --- | --- | --- | --- | --- |")
            out += e.neighbors.map { n in
                "| \(cell(n.vrf ?? "-")) | \(cell(n.address)) | \(cell(n.state)) | \(n.expected ? "yes" : "no") | \(n.enabled.map { $0 ? "yes" : "no" } ?? "-") |"
            }
        }
        out += ["", "### Traffic counters", ""]
        if e.counters.isEmpty { out.append("None reported.") } else {
            out.append("| Counter | Packets | Drops | Δ packets | Δ drops | Note |\n| --- | --- | --- | --- | --- | --- |")
            out += e.counters.map { c in
                "| \(cell(c.key)) | \(num(c.packets)) | \(num(c.drops)) | \(num(c.deltaPackets)) | \(num(c.deltaDrops)) | \(cell(c.note)) |"
            }
        }
        out += ["", "### Pods", ""]
        if e.pods.isEmpty { out.append("None found.") } else {
            out.append("| Pod | Role | Phase | Ready | Restarts | Last termination / waiting reason |\n| --- | --- | --- | --- | --- | --- |")
            out += e.pods.map { p in
                "| \(cell(p.name))\(p.terminating ? " (terminating)" : "") | \(p.role) | \(cell(p.phase)) | \(p.ready) | \(p.restarts) | \(cell(p.detail ?? "-")) |"
            }
        }
        if !e.problems.isEmpty {
            out += ["", "### Malformed fields", ""]
            out += e.problems.map { "- `\($0.path)`: \($0.issue)" }
        }
        out += ["", "### Last Events", ""]
        if d.lastEvents.isEmpty { out.append("None.") } else {
            out.append("| Time | Type | Reason | Message |\n| --- | --- | --- | --- |")
            out += d.lastEvents.map { ev in
                let count = (ev.count ?? 1) > 1 ? " (×\(ev.count ?? 1))" : ""
                return "| \(ev.time.map(time) ?? "-") | \(cell(ev.type)) | \(cell(ev.reason)) | \(cell(ev.message))\(count) |"
            }
        }
        out += ["", "## Troubleshooting checklist", ""]
        out += d.checklist.map { "- [ ] \($0)" }
        out += ["", "## Collect more", "", "```sh"]
        out += d.kubectlCommands
        out += ["```", "", "_Drafted by gateway-medic \(d.version). Secrets are redacted from every text above._", ""]
        return out.joined(separator: "\n")
    }

    private static func time(_ d: Date) -> String { KubeTime.format(d.wholeSeconds) }
    private static func gen(_ g: Int64?) -> String { g.map(String.init) ?? "unknown" }
    private static func num(_ n: Int64?) -> String { n.map(String.init) ?? "-" }
    /// A table cell: no line breaks, pipes escaped.
    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
    }
}
