import Foundation
import Testing
@testable import HealthModel

/// The hand-written text helpers on the evaluation path say exactly what Foundation would.
@Suite("Text formatting")
struct TextFormattingTests {
    @Test func percentTextIsWhatPercentGPrints() {
        var values: [Double] = [0, 0.0001, 0.00012, 0.5, 1, 2.5, 10, 33.333333, 99.9999, 100, 123456, 1234567, 1e-5, 1e16,
                                (0.1 + 0.2) * 100, 0.07 * 100]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2000 { values.append(Double.random(in: 0...1, using: &random) * 100) }
        for _ in 0..<500 { values.append(Double(Int.random(in: 0...1000, using: &random)) / 1000) }
        // Whole percentages take a path of their own.
        values += (0...1000).map(Double.init) + [999_999, 1_000_000, 1_000_001, 0.9999999, 1.0000001]
        for value in values {
            #expect(percentText(value) == String(format: "%g%%", value), "value \(value)")
        }
    }

    @Test func bareAddressTrimsAndDropsThePrefixLength() {
        for (text, bare) in [("10.0.0.1/32", "10.0.0.1"), (" 10.0.0.1/32 ", "10.0.0.1"), ("\t10.0.0.1", "10.0.0.1"),
                             ("10.0.0.1\u{00A0}", "10.0.0.1"), ("fd00::1/128", "fd00::1"), ("", ""), ("/", ""),
                             // Not ASCII: characters, not bytes (a "/" with a combining mark is no "/").
                             ("é/24", "é"), ("10.0.0.1/\u{301}24", "10.0.0.1/\u{301}24")] {
            #expect(bareAddress(text) == bare, "\(text.debugDescription)")
            #expect(bareAddress(text) == String(text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false).first ?? ""))
        }
    }
}
