import Foundation
import KubeAPI

/// The last Events raised about one gateway (oldest first), as `TicketEventLine`s packed into
/// bytes and deflated against a dictionary of the Events the operator raises, in one buffer of
/// just its size. Every gateway keeps some (its first transition at least), for a draft it may
/// never have: as an array of lines, one line was two allocations, the array's (a line takes 80
/// bytes inline) and its message's (≈ 100–150 characters), ≈ 300 bytes of heap a gateway;
/// packed alone, ≈ 200 (and the message's text is often also held by the Event recorder's
/// cache); deflated, ≈ 80. Read and written only when a gateway's Events are noted or a draft
/// of it is planned, never on a quiet heartbeat.
///
/// A line: a byte of flags (a time, a count, the type Normal, Warning or another), the time's
/// bits (8 bytes), the count (8 bytes), then the other type, the reason and the message, each its
/// UTF-8 length (LEB128) and bytes. A Swift string is valid UTF-8, so it reads back exactly. The
/// buffer: the packed length times two (LEB128; plus one when the rest is not deflated, were
/// zlib to fail), then the deflated (or packed) lines.
public struct RecentTicketEvents: Sendable, Equatable {
    private var bytes: [UInt8] = []

    public init() {}

    /// The newest `limit` of `lines`.
    public init(_ lines: [TicketEventLine], keeping limit: Int = .max) {
        append(lines, keeping: limit)
    }

    public var isEmpty: Bool { bytes.isEmpty }

    /// Bytes held (tests).
    public var storedCount: Int { bytes.count }

    /// Appends `lines` (newest last) and keeps the newest `limit`.
    public mutating func append(_ lines: [TicketEventLine], keeping limit: Int) {
        guard !lines.isEmpty else { return }
        let packed = self.packed
        var added: [UInt8] = []
        for line in lines { Self.encode(line, into: &added) }
        let kept = Self.count(packed)
        let drop = max(0, kept + lines.count - max(0, limit))
        let start = Self.offset(skipping: min(drop, kept), in: packed)
        let addedStart = Self.offset(skipping: drop - min(drop, kept), in: added)
        let next = Array(packed[start...]) + added[addedStart...]
        guard !next.isEmpty else {
            bytes = []
            return
        }
        let deflated = CompactJSON.deflate(next, dictionary: Self.dictionary)
        var header: [UInt8] = []
        Self.putLength(next.count * 2 + (deflated == nil ? 1 : 0), into: &header)
        let body = deflated ?? next
        // A buffer of just its size (an appended array keeps up to twice its count).
        var stored: [UInt8] = []
        stored.reserveCapacity(header.count + body.count)
        stored += header
        stored += body
        bytes = stored
    }

    /// The lines packed, not deflated.
    private var packed: [UInt8] {
        guard !bytes.isEmpty else { return [] }
        var at = 0
        let header = Self.length(&at, in: bytes)
        let body = Array(bytes[at...])
        if header & 1 == 1 { return body }
        // Only our own output is ever inflated, so this holds; were it not, no lines read back.
        return CompactJSON.inflate(body, length: header / 2, dictionary: Self.dictionary) ?? []
    }

    /// How many lines are kept.
    public var count: Int { Self.count(packed) }

    /// The lines, oldest first.
    public var lines: [TicketEventLine] {
        let b = packed
        var out: [TicketEventLine] = []
        var at = 0
        while at < b.count { out.append(Self.decode(&at, in: b)) }
        return out
    }

    private static func count(_ b: [UInt8]) -> Int {
        var n = 0
        var at = 0
        while at < b.count {
            at = end(of: at, in: b)
            n += 1
        }
        return n
    }

    private enum Flag {
        static let time: UInt8 = 1
        static let count: UInt8 = 2
        static let warning: UInt8 = 4
        static let otherType: UInt8 = 8
    }

    private static func encode(_ line: TicketEventLine, into out: inout [UInt8]) {
        var flags: UInt8 = 0
        if line.time != nil { flags |= Flag.time }
        if line.count != nil { flags |= Flag.count }
        switch line.type {
        case "Normal": break
        case "Warning": flags |= Flag.warning
        default: flags |= Flag.otherType
        }
        out.append(flags)
        if let time = line.time { put(time.timeIntervalSinceReferenceDate.bitPattern, into: &out) }
        if let count = line.count { put(UInt64(bitPattern: Int64(count)), into: &out) }
        if flags & Flag.otherType != 0 { put(line.type, into: &out) }
        put(line.reason, into: &out)
        put(line.message, into: &out)
    }

    private static func decode(_ at: inout Int, in b: [UInt8]) -> TicketEventLine {
        let flags = b[at]
        at += 1
        let time = flags & Flag.time != 0 ? Date(timeIntervalSinceReferenceDate: Double(bitPattern: word(&at, in: b))) : nil
        let count = flags & Flag.count != 0 ? Int(Int64(bitPattern: word(&at, in: b))) : nil
        let type = flags & Flag.otherType != 0 ? text(&at, in: b) : flags & Flag.warning != 0 ? "Warning" : "Normal"
        let reason = text(&at, in: b)
        let message = text(&at, in: b)
        return TicketEventLine(time: time, type: type, reason: reason, message: message, count: count)
    }

    /// The offset just past the line at `at`.
    private static func end(of at: Int, in b: [UInt8]) -> Int {
        let flags = b[at]
        var at = at + 1
        if flags & Flag.time != 0 { at += 8 }
        if flags & Flag.count != 0 { at += 8 }
        for _ in 0..<(flags & Flag.otherType != 0 ? 3 : 2) { at += length(&at, in: b) }
        return at
    }

    /// The offset of the line after the first `n` in `b` (its end when it has fewer).
    private static func offset(skipping n: Int, in b: [UInt8]) -> Int {
        var at = 0
        var skipped = 0
        while skipped < n, at < b.count {
            at = end(of: at, in: b)
            skipped += 1
        }
        return at
    }

    private static func put(_ word: UInt64, into out: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
    }

    private static func word(_ at: inout Int, in b: [UInt8]) -> UInt64 {
        var word: UInt64 = 0
        for i in 0..<8 { word |= UInt64(b[at + i]) << UInt64(8 * i) }
        at += 8
        return word
    }

    private static func put(_ text: String, into out: inout [UInt8]) {
        putLength(text.utf8.count, into: &out)
        out += text.utf8
    }

    private static func putLength(_ n: Int, into out: inout [UInt8]) {
        var n = n
        repeat {
            out.append(UInt8(n & 0x7F) | (n > 0x7F ? 0x80 : 0))
            n >>= 7
        } while n > 0
    }

    private static func length(_ at: inout Int, in b: [UInt8]) -> Int {
        var n = 0
        var shift = 0
        while true {
            let byte = b[at]
            at += 1
            n |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return n }
            shift += 7
        }
    }

    private static func text(_ at: inout Int, in b: [UInt8]) -> String {
        let n = length(&at, in: b)
        defer { at += n }
        return String(decoding: b[at..<(at + n)], as: UTF8.self)
    }

    /// What the lines usually say: the transition Events (`TransitionEvents`), the rules' and
    /// remediation's, laid out as packed (a reason's and a message's length before each); the
    /// most frequent, an UP transition, last (deflate finds the nearest match first).
    static let dictionary = CompactJSON.Dictionary([
        "\u{0D}GatewayWaiting\u{7F}gateway gw-1 is WAITING: AwaitingFirstHeartbeat: gw-1 has not reported yet; created at 2027-01-15T08:00:00Z (startup grace 5m0s, until 2027-01-15T08:05:00Z)",
        "\u{0B}GatewayDown\u{7F}gateway gw-1 is DOWN (was UP): HeartbeatLost: no heartbeat for 2m0s (last 2027-01-15T08:00:00Z); the data plane is not alive: BGP sessions down",
        "\u{0D}KeepaliveFail\u{7F}gateway gw-1 is KEEPALIVE_FAIL (was UP): KeepaliveMissed: no heartbeat for 1m0s, but the data plane is alive: BGP sessions established",
        "\u{0A}ConfigFail\u{7F}gateway gw-1 is CONFIG_FAIL (was UP): ApplyTimedOut: configuration generation 3 not applied",
        "\u{0B}PeeringDown\u{7F}PeeringsHealthy PeeringDown: \u{10}PeeringRecovered\u{7F}PeeringsHealthy AllPeeringsHealthy: all peerings healthy",
        "\u{0E}BGPSessionDown\u{7F}BGPEstablished SessionsDown: \u{0B}BGPFlapping\u{7F}BGPStable Flapping: \u{0C}TrafficDrops\u{7F}TrafficHealthy Drops: ",
        "\u{0E}RedundancyLost\u{7F}Redundant \u{12}RedundancyRestored\u{7F}Redundant Redundant: ",
        "\u{14}GatewayNotForwarding\u{7F}Forwarding \u{11}GatewayForwarding\u{7F}Forwarding Forwarding: ",
        "\u{12}RemediationSkipped\u{7F}RemediationStarted\u{7F}restart pod gw--gw-1--dataplane \u{0C}TicketOpened\u{7F}opened: \u{0F}TicketEscalated\u{7F}escalated: ",
        "\u{09}GatewayUp\u{7F}gateway gw-1 is UP (was DOWN): Healthy: heartbeat fresh, configuration applied, pods running",
        "\u{09}GatewayUp\u{7F}gateway gw-1 is UP (was WAITING): Healthy: heartbeat fresh, configuration applied, pods running",
        "\u{09}GatewayUp\u{7F}gateway gw-1 is UP: Healthy: heartbeat fresh, configuration applied, pods running",
    ].joined())
}
