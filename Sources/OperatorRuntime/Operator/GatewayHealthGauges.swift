import ControllerKit
import Foundation
import HealthModel
import KubeAPI
import Locking

/// The per-gateway series of /metrics, kept in a table of our own and rendered in the Prometheus
/// text format at scrape time:
///
///     gateway_medic_gateway_state{gateway_namespace,gateway,state}              1 for the current state, 0 for the other four
///     gateway_medic_condition{gateway_namespace,gateway,condition,status}       1 for each condition's status, 0 for the other two
///     gateway_medic_last_heartbeat_timestamp_seconds{gateway_namespace,gateway} the heartbeat's own time (Unix seconds)
///     gateway_medic_config_lag_seconds{gateway_namespace,gateway}               how long the applied generation has lagged, at scrape time
///     gateway_medic_frr_lag_seconds{gateway_namespace,gateway}                  the same for FRR
///
/// Instants are kept, not ages: a timestamp is exact whenever it is read (the query computes the
/// age), and the lags are computed from the instant the lag began at scrape time, so nothing is
/// frozen between evaluations. The gateway's namespace is `gateway_namespace`, never `namespace`:
/// Prometheus' target labels (`namespace`, `pod`, `job`, `instance`) would rename ours to
/// `exported_namespace` under the Prometheus Operator's default `honorLabels: false`.
///
/// Why not the Prometheus registry: swift-prometheus copies a metric family's whole set of label
/// sets to add one series, so registering 6 series per gateway made the first sync O(N²)
/// (69.6 % of the operator's CPU at 10,000 gateways, docs/performance.md). Here a new gateway is
/// one dictionary insert, an update one dictionary write, and a deleted gateway's series vanish
/// (the registry could only set them to 0 forever).
public final class GatewayHealthGauges: Sendable {
    struct Entry: Equatable {
        var state: GatewayState
        /// (type, status) in the assessment's order.
        var conditions: ConditionStatuses
        var heartbeat: Date?
        var configLagSince: Date? = nil
        var routingLagSince: Date? = nil

        init(state: GatewayState, conditions: [(type: String, status: String)], heartbeat: Date?,
             configLagSince: Date? = nil, routingLagSince: Date? = nil) {
            self.state = state
            self.conditions = ConditionStatuses(conditions)
            self.heartbeat = heartbeat
            self.configLagSince = configLagSince
            self.routingLagSince = routingLagSince
        }
    }

    /// A gateway's conditions as the table keeps them: the types, in one array that every
    /// gateway listing the same types shares (`Table.sharedTypes`), and the statuses two bits
    /// each. As an array of (type, status) per gateway they were ≈ 450 bytes each, 4.2 MB of
    /// the operator's heap at 10,000 gateways (docs/performance.md, "Twelfth round: RSS").
    struct ConditionStatuses: Equatable, Sequence {
        fileprivate enum Storage: Equatable {
            /// Status i is `statuses[(bits >> 2i) & 3]`: up to 32 conditions of True, False, Unknown.
            case packed(types: [String], bits: UInt64)
            /// Anything else, as it came.
            case pairs(types: [String], statuses: [String])
        }

        private var storage: Storage

        init(_ conditions: [(type: String, status: String)]) {
            let types = conditions.map(\.type)
            var bits: UInt64 = 0
            for (index, condition) in conditions.enumerated() {
                guard index < 32, let code = GatewayHealthGauges.conditionStatuses.firstIndex(of: condition.status) else {
                    storage = .pairs(types: types, statuses: conditions.map(\.status))
                    return
                }
                bits |= UInt64(code) << (2 * UInt64(index))
            }
            storage = .packed(types: types, bits: bits)
        }

        var types: [String] {
            switch storage {
            case .packed(let types, _), .pairs(let types, _): types
            }
        }

        /// The same conditions with `types`' storage when the types are equal (one array for the fleet).
        mutating func share(_ shared: inout [String]) {
            switch storage {
            case .packed(let types, let bits):
                if types == shared { storage = .packed(types: shared, bits: bits) } else { shared = types }
            case .pairs(let types, let statuses):
                if types == shared { storage = .pairs(types: shared, statuses: statuses) } else { shared = types }
            }
        }

        func makeIterator() -> Iterator { Iterator(storage: storage) }

        struct Iterator: IteratorProtocol {
            fileprivate let storage: Storage
            private var index = 0

            fileprivate init(storage: Storage) { self.storage = storage }

            mutating func next() -> (type: String, status: String)? {
                defer { index += 1 }
                switch storage {
                case .packed(let types, let bits):
                    guard index < types.count else { return nil }
                    return (types[index], GatewayHealthGauges.conditionStatuses[Int((bits >> (2 * UInt64(index))) & 3)])
                case .pairs(let types, let statuses):
                    guard index < types.count else { return nil }
                    return (types[index], statuses[index])
                }
            }
        }
    }

    private struct Table {
        var entries: [ObjectKey: Entry] = [:]
        /// The condition types of the gateway recorded last: every other with the same list shares it.
        var sharedTypes: [String] = []
    }

    private let table = Locked(Table())

    public init() {}

    /// Records a gateway's latest assessment. A heartbeat that is missing or does not parse keeps
    /// the last one seen (the series says when the gateway last reported, not that it never did).
    public func record(_ key: ObjectKey, _ assessment: Assessment) {
        let evidence = assessment.evidence
        let beat = evidence.heartbeat.flatMap(KubeTime.parse)
        let entry = Entry(state: assessment.state,
                          conditions: assessment.conditions.map { ($0.type, $0.status) },
                          heartbeat: beat,
                          configLagSince: evidence.configLagSince.flatMap(KubeTime.parse),
                          routingLagSince: evidence.routingLagSince.flatMap(KubeTime.parse))
        record(key, entry)
    }

    func record(_ key: ObjectKey, _ entry: Entry) {
        table.withLock { table in
            var entry = entry
            if entry.heartbeat == nil { entry.heartbeat = table.entries[key]?.heartbeat }
            entry.conditions.share(&table.sharedTypes)
            table.entries[key] = entry
        }
    }

    /// A heartbeat advanced without an evaluation (`GatewayReconciler.advance`): state,
    /// conditions and lags stand, only the heartbeat moved (`heartbeat`: the evidence's stamp,
    /// whole seconds).
    public func recordHeartbeat(_ key: ObjectKey, _ heartbeat: Date) {
        // Through the entry's index: `entries[key]?.heartbeat =` copied the entry out of the
        // table and back (a retain and release of its fields) on every quiet heartbeat.
        table.withLock { table in
            guard let index = table.entries.index(forKey: key) else { return }
            table.entries.values[index].heartbeat = heartbeat
        }
    }

    /// A deleted gateway: its series disappear from /metrics.
    public func remove(_ key: ObjectKey) {
        _ = table.withLock { $0.entries.removeValue(forKey: key) }
    }

    /// Gateways with series (tests, footprint).
    public var count: Int { table.withLock { $0.entries.count } }

    /// Appends every family, HELP and TYPE lines first, gateways sorted by namespace and name
    /// (a stable order makes diffs of two scrapes readable). Families are announced even with no
    /// gateway known, so rules and dashboards can tell "no gateways" from "no such metric".
    /// `now` is the scrape's time: the lags are measured to it.
    public func render(into out: inout [UInt8], now: Date) {
        var chunks = self.chunks(now: now, chunkBytes: .max)
        while let chunk = chunks.next() { out.append(contentsOf: chunk) }
    }

    /// The same text in pieces of about `chunkBytes`, each rendered when asked for. At 10,000
    /// gateways the text is ≈ 37 MB (≈ 3.7 KB per gateway); rendered whole, then copied into
    /// the response, a scrape held it twice (and up to twice again while the array grew), so
    /// `/metrics` streams these instead.
    public func chunks(now: Date, chunkBytes: Int = 64 << 10) -> Chunks {
        Chunks(entries: table.current.entries.sorted { $0.key < $1.key }, now: now, chunkBytes: chunkBytes)
    }

    /// See `chunks(now:chunkBytes:)`.
    public struct Chunks: IteratorProtocol {
        let entries: [(key: ObjectKey, value: Entry)]
        let now: Date
        let chunkBytes: Int
        /// The family being rendered (the order of `render`), and the next gateway in it.
        private var family = 0
        private var index = 0
        private static let families = 5

        init(entries: [(key: ObjectKey, value: Entry)], now: Date, chunkBytes: Int) {
            self.entries = entries
            self.now = now
            self.chunkBytes = max(1, chunkBytes)
        }

        public mutating func next() -> [UInt8]? {
            guard family < Self.families else { return nil }
            var out: [UInt8] = []
            if chunkBytes < .max { out.reserveCapacity(chunkBytes + 4096) }
            while family < Self.families, out.count < chunkBytes {
                if index == 0 { out.append(contentsOf: GatewayHealthGauges.headers[family].utf8) }
                if index < entries.count {
                    render(family, entries[index].key, entries[index].value, into: &out)
                    index += 1
                }
                if index >= entries.count {
                    family += 1
                    index = 0
                }
            }
            return out
        }

        private func render(_ family: Int, _ key: ObjectKey, _ entry: Entry, into out: inout [UInt8]) {
            let labels = GatewayHealthGauges.labels(key)
            switch family {
            case 0:
                for state in GatewayState.allCases {
                    out.append(contentsOf: "gateway_medic_gateway_state{\(labels),state=\"\(state.rawValue)\"} ".utf8)
                    out.append(contentsOf: (state == entry.state ? "1\n" : "0\n").utf8)
                }
            case 1:
                for condition in entry.conditions {
                    let prefix = "gateway_medic_condition{\(labels),condition=\"\(GatewayHealthGauges.escape(condition.type))\",status=\""
                    for status in GatewayHealthGauges.conditionStatuses {
                        out.append(contentsOf: "\(prefix)\(status)\"} ".utf8)
                        out.append(contentsOf: (status == condition.status ? "1\n" : "0\n").utf8)
                    }
                }
            case 2:
                guard let beat = entry.heartbeat else { return }
                out.append(contentsOf: "gateway_medic_last_heartbeat_timestamp_seconds{\(labels)} \(GatewayHealthGauges.number(beat.timeIntervalSince1970))\n".utf8)
            default:
                let (name, since) = family == 3 ? ("gateway_medic_config_lag_seconds", entry.configLagSince)
                                                : ("gateway_medic_frr_lag_seconds", entry.routingLagSince)
                // 0 while not lagging; never negative (a lag stamped ahead of our clock has not begun).
                let lag = since.map { max(0, now.timeIntervalSince($0).rounded(.down)) } ?? 0
                out.append(contentsOf: "\(name){\(labels)} \(GatewayHealthGauges.number(lag))\n".utf8)
            }
        }
    }

    static var headers: [String] { [stateHeader, conditionHeader, heartbeatHeader, configLagHeader, frrLagHeader] }

    /// metav1.Condition's statuses, one-hot per condition.
    static let conditionStatuses = ["True", "False", "Unknown"]

    static let stateHeader = """
        # HELP gateway_medic_gateway_state 1 for the gateway's current state, 0 for the other states.
        # TYPE gateway_medic_gateway_state gauge

        """
    static let conditionHeader = """
        # HELP gateway_medic_condition 1 for the status each condition of the gateway's GatewayHealth has, 0 for the other statuses.
        # TYPE gateway_medic_condition gauge

        """
    static let heartbeatHeader = """
        # HELP gateway_medic_last_heartbeat_timestamp_seconds The GatewayAgent's status.lastHeartbeat as reported (Unix time); the age is time() minus this.
        # TYPE gateway_medic_last_heartbeat_timestamp_seconds gauge

        """
    static let configLagHeader = """
        # HELP gateway_medic_config_lag_seconds Seconds since the dataplane's applied generation began to lag the current one (0 when not lagging).
        # TYPE gateway_medic_config_lag_seconds gauge

        """
    static let frrLagHeader = """
        # HELP gateway_medic_frr_lag_seconds Seconds since FRR's applied generation began to lag the dataplane's (0 when not lagging).
        # TYPE gateway_medic_frr_lag_seconds gauge

        """

    static func labels(_ key: ObjectKey) -> String {
        "gateway_namespace=\"\(escape(key.namespace ?? ""))\",gateway=\"\(escape(key.name))\""
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
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
