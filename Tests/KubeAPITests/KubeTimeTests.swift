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
