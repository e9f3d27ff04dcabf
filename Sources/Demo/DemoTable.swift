import Foundation

/// One gateway's row in the live table.
struct GatewayRow: Sendable, Equatable {
    var name: String
    var group: String
    var state: String?
    /// The status of the Forwarding condition ("True", "False", "Unknown"); nil until written.
    var forwarding: String?
    var reason: String = ""
    /// Simulated seconds since the demo started, when the state last changed.
    var since: TimeInterval = 0
}

/// Pure text formatting for the demo: times, the state table, ANSI colours.
enum DemoFormat {
    static let escape = "\u{1B}["

    /// `t+1m05s`: simulated time since the demo started.
    static func clock(_ seconds: TimeInterval) -> String {
        let whole = max(0, Int(seconds.rounded(.down)))
        return "t+\(whole / 60)m\(String(format: "%02d", whole % 60))s"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func truncate(_ text: String, _ width: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= width ? flat : String(flat.prefix(max(0, width - 1))) + "…"
    }

    /// The state, coloured by severity when `color` (a terminal), padded to `width` either way.
    static func state(_ state: String?, width: Int, color: Bool) -> String {
        let text = pad(state ?? "-", width)
        guard color else { return text }
        let code: String
        switch state {
        case "UP": code = "32"
        case "DOWN": code = "31;1"
        case "KEEPALIVE_FAIL", "CONFIG_FAIL": code = "33;1"
        case "WAITING": code = "36"
        default: code = "2"
        }
        return "\(escape)\(code)m\(text)\(escape)0m"
    }

    /// The Forwarding status, red when False, padded to `width` either way.
    static func forwarding(_ status: String?, width: Int, color: Bool) -> String {
        let text = pad(status ?? "-", width)
        guard color, status == "False" else { return text }
        return "\(escape)31;1m\(text)\(escape)0m"
    }

    /// The table: a header and one line per gateway.
    static func table(_ rows: [GatewayRow], now: TimeInterval, color: Bool, reasonWidth: Int = 28) -> [String] {
        let nameWidth = max(8, rows.map(\.name.count).max() ?? 0) + 2
        let groupWidth = max(6, rows.map(\.group.count).max() ?? 0) + 2
        let stateWidth = 16
        let forwardingWidth = 12
        var lines = [pad("GATEWAY", nameWidth) + pad("GROUP", groupWidth) + pad("STATE", stateWidth)
            + pad("FORWARDING", forwardingWidth) + pad("REASON", reasonWidth + 2) + "FOR"]
        for row in rows {
            let age = row.state == nil ? "" : duration(now - row.since)
            lines.append(pad(row.name, nameWidth) + pad(row.group, groupWidth) + state(row.state, width: stateWidth, color: color)
                + forwarding(row.forwarding, width: forwardingWidth, color: color)
                + pad(truncate(row.reason, reasonWidth), reasonWidth + 2) + age)
        }
        return lines
    }

    /// `45s`, `2m10s`.
    static func duration(_ seconds: TimeInterval) -> String {
        let whole = max(0, Int(seconds.rounded(.down)))
        return whole < 60 ? "\(whole)s" : "\(whole / 60)m\(String(format: "%02d", whole % 60))s"
    }

    /// Moves the cursor up over the previous frame and clears from there down.
    static func rewind(lines: Int) -> String {
        lines > 0 ? "\(escape)\(lines)A\r\(escape)J" : ""
    }
}
