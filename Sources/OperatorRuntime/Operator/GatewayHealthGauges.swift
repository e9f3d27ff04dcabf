import HealthModel
import Locking

/// The per-gateway series of /metrics, kept in a table of our own and rendered in the Prometheus
/// text format at scrape time:
///
///     gateway_medic_gateway_state{gateway,namespace,state}   1 for the current state, 0 for the other four
///     gateway_medic_heartbeat_age_seconds{gateway,namespace} age of the heartbeat at the last evaluation
///
/// Why not the Prometheus registry: swift-prometheus copies a metric family's whole set of label
/// sets to add one series, so registering 6 series per gateway made the first sync O(N²)
/// (69.6 % of the operator's CPU at 10,000 gateways, docs/performance.md). Here a new gateway is
/// one dictionary insert, an update one dictionary write, and a deleted gateway's series vanish
/// (the registry could only set them to 0 forever).
public final class GatewayHealthGauges: Sendable {
    struct Entry: Equatable {
        var state: GatewayState
        var heartbeatAgeSeconds: Double?
    }

    private let table = Locked<[ObjectKey: Entry]>([:])

    public init() {}

    /// Records a gateway's state and, when known, its heartbeat age (nil keeps the last age: an
    /// unparseable or missing heartbeat cannot be aged).
    public func record(_ key: ObjectKey, state: GatewayState, heartbeatAgeSeconds: Double?) {
        table.withLock { table in
            let age = heartbeatAgeSeconds ?? table[key]?.heartbeatAgeSeconds
            table[key] = Entry(state: state, heartbeatAgeSeconds: age)
        }
    }

    /// A deleted gateway: its series disappear from /metrics.
    public func remove(_ key: ObjectKey) {
        _ = table.withLock { $0.removeValue(forKey: key) }
    }

    /// Gateways with series (tests, footprint).
    public var count: Int { table.withLock { $0.count } }

    /// Appends both families, HELP and TYPE lines first, gateways sorted by namespace and name
    /// (a stable order makes diffs of two scrapes readable). Nothing when no gateway is known.
    public func render(into out: inout [UInt8]) {
        let entries = table.current.sorted { $0.key < $1.key }
        guard !entries.isEmpty else { return }
        out.reserveCapacity(out.count + entries.count * 420)
        out.append(contentsOf: Self.stateHeader.utf8)
        for (key, entry) in entries {
            let labels = Self.labels(key)
            for state in GatewayState.allCases {
                out.append(contentsOf: "gateway_medic_gateway_state{\(labels),state=\"\(state.rawValue)\"} ".utf8)
                out.append(contentsOf: (state == entry.state ? "1\n" : "0\n").utf8)
            }
        }
        out.append(contentsOf: Self.ageHeader.utf8)
        for (key, entry) in entries {
            guard let age = entry.heartbeatAgeSeconds else { continue }
            out.append(contentsOf: "gateway_medic_heartbeat_age_seconds{\(Self.labels(key))} \(Self.number(age))\n".utf8)
        }
    }

    static let stateHeader = """
        # HELP gateway_medic_gateway_state 1 for the gateway's current state, 0 for the other states.
        # TYPE gateway_medic_gateway_state gauge

        """
    static let ageHeader = """
        # HELP gateway_medic_heartbeat_age_seconds Age of the GatewayAgent's last heartbeat at the last evaluation.
        # TYPE gateway_medic_heartbeat_age_seconds gauge

        """

    static func labels(_ key: ObjectKey) -> String {
        "gateway=\"\(escape(key.name))\",namespace=\"\(escape(key.namespace ?? ""))\""
    }

    /// A label value in the text format: backslash, double quote and line feed escaped.
    static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") })
        else { return value }
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count + 8)
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A sample value as Prometheus parses it (Go's ParseFloat; infinities spelled +Inf/-Inf).
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return "\(value)"
    }
}
