import Foundation

/// RFC 3339 timestamps as Kubernetes writes them: `2026-04-17T16:29:04Z` (Time) and
/// `2026-04-17T16:29:04.123456Z` (MicroTime). Parsed by hand: no formatter state, any thread.
public enum KubeTime {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; nil when it does not parse.
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// The same, from the text's UTF-8 bytes (a watched object's timestamps, read in place).
    public static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Date? {
        guard b.count >= 20 else { return nil }
        guard let year = decimal(b, 0, 4), b[4] == 45, let month = decimal(b, 5, 2), b[7] == 45, let day = decimal(b, 8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32,
              let hour = decimal(b, 11, 2), b[13] == 58, let minute = decimal(b, 14, 2), b[16] == 58, let second = decimal(b, 17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            guard let oh = decimal(b, i + 1, 2), i + 3 < b.count, b[i + 3] == 58, let om = decimal(b, i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == 43 ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// The `len` decimal digits at `from` (nil: past the end, or not a digit). Inlined into
    /// `parse` with its constant lengths: a call per field (seven a timestamp, four or five
    /// timestamps every watch event) was most of the parse's time.
    @inline(__always)
    private static func decimal(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ len: Int) -> Int? {
        guard from + len <= b.count else { return nil }
        var v = 0
        for i in from..<(from + len) {
            let digit = b[i] &- 48
            guard digit < 10 else { return nil }
            v = v * 10 + Int(digit)
        }
        return v
    }

    /// `2026-04-17T16:29:04Z`, whole seconds, UTC.
    public static func format(_ date: Date) -> String { render(date, micro: false) }

    /// `2026-04-17T16:29:04.123456Z`, for MicroTime fields (Lease renewTime, Event eventTime).
    public static func formatMicro(_ date: Date) -> String { render(date, micro: true) }

    /// Whether `text` is `format(date)`, compared without building that string (the heartbeat
    /// rule finds the stamp it remembers on every heartbeat that moves no verdict).
    public static func isFormat(_ text: String, of date: Date) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { out in
            guard let count = write(date, micro: false, into: out) else { return text == format(date) }
            return same(text, UnsafeBufferPointer(rebasing: out[..<count]))
        }
    }

    /// `format(date)`, which is `text` itself when `text` is its rendering (then no new string
    /// is built): the heartbeat rule keeps the previous heartbeat's stamp and renders each new
    /// one once, where it compared (`isFormat`) and then rendered it again.
    public static func format(_ date: Date, reusing text: String?) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { out in
            guard let count = write(date, micro: false, into: out) else {
                let rendered = format(date)
                return text == rendered ? text ?? rendered : rendered
            }
            let bytes = UnsafeBufferPointer(rebasing: out[..<count])
            if let text, same(text, bytes) { return text }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// `text`'s UTF-8 against `bytes`: one `memcmp` when its bytes are at hand (a native
    /// string); `elementsEqual`, generic and byte by byte, cost more than the rendering.
    private static func same(_ text: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let equal: Bool? = text.utf8.withContiguousStorageIfAvailable { t in
            t.count == bytes.count && (t.isEmpty || memcmp(t.baseAddress!, bytes.baseAddress!, t.count) == 0)
        }
        return equal ?? text.utf8.elementsEqual(bytes)
    }

    private static func render(_ date: Date, micro: Bool) -> String {
        let fixed = String(unsafeUninitializedCapacity: micro ? 27 : 20) { out in write(date, micro: micro, into: out) ?? 0 }
        if !fixed.isEmpty { return fixed }
        let (t, whole, (y, m, d), rest) = civil(date)
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))"
        if micro {
            let us = min(999_999, Int(((t - Double(whole)) * 1_000_000).rounded()))
            out += "." + pad(us, 6)
        }
        return out + "Z"
    }

    /// The instant as seconds since 1970, its whole seconds, its UTC calendar day and the seconds
    /// into that day (both renderings start from these).
    private static func civil(_ date: Date) -> (t: TimeInterval, whole: Int, day: (Int, Int, Int), rest: Int) {
        let t = date.timeIntervalSince1970
        let whole = Int(t.rounded(.down))
        var days = whole / 86400
        var rest = whole % 86400
        if rest < 0 { rest += 86400; days -= 1 }
        return (t, whole, civilFromDays(days), rest)
    }

    /// The fixed-width form of a four-digit year, written digit by digit into `out` (20 bytes,
    /// 27 with microseconds); nil for other years, which take the general path.
    private static func write(_ date: Date, micro: Bool, into out: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        let (t, whole, (y, m, d), rest) = civil(date)
        // Every heartbeat is formatted (the health model's stamps): written digit by digit into
        // one string, not assembled from seven. Years beyond four digits take the general path.
        guard (0...9999).contains(y) else { return nil }
        let us = micro ? min(999_999, Int(((t - Double(whole)) * 1_000_000).rounded())) : 0
        var i = 0
        func put(_ v: Int, _ width: Int) {
            var v = v
            for at in stride(from: i + width - 1, through: i, by: -1) {
                out[at] = UInt8(48 + v % 10)
                v /= 10
            }
            i += width
        }
        func put(_ c: UInt8) {
            out[i] = c
            i += 1
        }
        put(y, 4); put(UInt8(ascii: "-")); put(m, 2); put(UInt8(ascii: "-")); put(d, 2); put(UInt8(ascii: "T"))
        put(rest / 3600, 2); put(UInt8(ascii: ":")); put(rest / 60 % 60, 2); put(UInt8(ascii: ":")); put(rest % 60, 2)
        if micro { put(UInt8(ascii: ".")); put(us, 6) }
        put(UInt8(ascii: "Z"))
        return i
    }

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    private static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
