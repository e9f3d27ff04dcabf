import Foundation
import Testing
import KubeAPI

@Test func timestampsRoundTrip() {
    let text = "2026-04-17T16:29:04Z"
    let date = KubeTime.parse(text)
    #expect(date != nil)
    #expect(KubeTime.format(date!) == text)
    #expect(KubeTime.parse("2026-04-17T16:29:04.5+01:00")!.timeIntervalSince1970 == date!.timeIntervalSince1970 - 3600 + 0.5)
    #expect(KubeTime.parse("yesterday") == nil)
}

/// The formatter writes digits in place: every instant over four centuries and every
/// microsecond fraction reads back as itself (whole seconds; micro to the microsecond).
@Test func formattingReadsBackOverCenturies() {
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    for _ in 0..<2_000 {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        let t = Double(seed >> 11 % 12_622_780_800) - 2_208_988_800 + Double(seed % 1_000_000) / 1_000_000
        let date = Date(timeIntervalSince1970: t)
        let text = KubeTime.format(date)
        #expect(text.utf8.count == 20 && text.hasSuffix("Z"), "\(text)")
        #expect(KubeTime.parse(text)?.timeIntervalSince1970 == t.rounded(.down), "\(text)")
        let micro = KubeTime.formatMicro(date)
        #expect(micro.utf8.count == 27, "\(micro)")
        let back = KubeTime.parse(micro)?.timeIntervalSince1970 ?? .nan
        #expect(abs(back - t) < 0.000_01, "\(micro)")
    }
    #expect(KubeTime.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    #expect(KubeTime.formatMicro(Date(timeIntervalSince1970: 1.25)) == "1970-01-01T00:00:01.250000Z")
}

/// `isFormat` answers exactly `text == format(date)`, without building the string: for the
/// formatted instant itself, its neighbours, other spellings of the same instant and years
/// beyond four digits.
@Test func isFormatAgreesWithFormatting() {
    var seed: UInt64 = 0x2545_F491_4F6C_DD1D
    for _ in 0..<500 {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        let date = Date(timeIntervalSince1970: Double(seed >> 11 % 12_622_780_800) - 2_208_988_800)
        let text = KubeTime.format(date)
        for (candidate, instant) in [(text, date), (text, date.addingTimeInterval(1)), (text, date.addingTimeInterval(-86_400)),
                                     (text.lowercased(), date), (String(text.dropLast()) + "+00:00", date), ("", date)] {
            #expect(KubeTime.isFormat(candidate, of: instant) == (candidate == KubeTime.format(instant)), "\(candidate)")
        }
    }
    let far = Date(timeIntervalSince1970: 300_000_000_000)
    #expect(KubeTime.format(far).utf8.count > 20 && KubeTime.isFormat(KubeTime.format(far), of: far))
    #expect(!KubeTime.isFormat("absent", of: far) && KubeTime.isFormat("2026-04-17T16:29:04Z", of: KubeTime.parse("2026-04-17T16:29:04Z")!))
}

/// `format(_:reusing:)` is `format` byte for byte, whatever the candidate, and is the candidate's
/// own storage exactly when the candidate is that rendering (the heartbeat rule's stamp).
@Test func formatReusingIsFormat() {
    func storage(_ s: String) -> UnsafeRawPointer? {
        s.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    let far = Date(timeIntervalSince1970: 300_000_000_000)
    var dates = [far, Date(timeIntervalSince1970: -62_167_219_200), Date(timeIntervalSince1970: 0.5)]
    for _ in 0..<500 {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        dates.append(Date(timeIntervalSince1970: Double(seed >> 11 % 12_622_780_800) - 2_208_988_800))
    }
    for date in dates {
        let text = KubeTime.format(date)
        let candidates: [String?] = [nil, text, String(decoding: Array(text.utf8), as: UTF8.self), KubeTime.format(date.addingTimeInterval(1)),
                                     text.lowercased(), String(text.dropLast()) + "+00:00", "", text + "\u{301}", "absent"]
        for candidate in candidates {
            let reused = KubeTime.format(date, reusing: candidate)
            #expect(Array(reused.utf8) == Array(text.utf8), "\(candidate ?? "nil")")
            if let candidate, Array(candidate.utf8) == Array(text.utf8) {
                #expect(storage(reused) == storage(candidate), "the candidate itself: \(candidate)")
            }
        }
    }
}

/// The parse with its digits read inline answers as the parse it replaced (below, as it was):
/// every byte value at every place of stamps of each form (whole seconds, fractions, offsets),
/// and every prefix of them.
@Test func parsingAgreesWithTheDigitByDigitReference() {
    func reference(_ b: [UInt8]) -> Date? {
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                guard i < b.count, b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == 45, let month = num(5, 2), b[7] == 45, let day = num(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32,
              let hour = num(11, 2), b[13] == 58, let minute = num(14, 2), b[16] == 58, let second = num(17, 2),
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
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 58, let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == 43 ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let (y, m, d) = (month <= 2 ? year - 1 : year, month, day)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1
        let days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468
        return Date(timeIntervalSince1970: Double(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction)
    }
    func agree(_ text: [UInt8]) -> Bool {
        let fast = text.withUnsafeBufferPointer { KubeTime.parse(bytes: $0) }
        return fast?.timeIntervalSince1970 == reference(text)?.timeIntervalSince1970
    }
    let stamps = ["2026-04-17T16:29:04Z", "1999-12-31t23:59:60z", "2000-02-29 00:00:00Z", "2026-04-17T16:29:04.123456Z",
                  "2026-04-17T16:29:04.5+01:00", "2026-04-17T16:29:04-09:30", "0000-01-01T00:00:00Z"].map { Array($0.utf8) }
    var failures = 0
    for stamp in stamps {
        #expect(reference(stamp) != nil, "\(String(decoding: stamp, as: UTF8.self))")
        for at in stamp.indices {
            for byte in 0...255 {
                var text = stamp
                text[at] = UInt8(byte)
                if !agree(text) { failures += 1 }
            }
        }
        for count in 0...stamp.count where !agree(Array(stamp.prefix(count))) { failures += 1 }
        if !agree(stamp + [UInt8(ascii: "0")]) { failures += 1 }
    }
    #expect(failures == 0)
}
