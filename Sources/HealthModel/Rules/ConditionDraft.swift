import Foundation
import KubeAPI

/// A condition before its lastTransitionTime is decided (that needs the previous assessment).
public struct ConditionDraft: Sendable, Equatable {
    public var type: String
    public var status: String
    public var reason: String
    public var message: String

    public init(type: String, status: String, reason: String, message: String) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }

    public static func isTrue(_ type: String, _ reason: String, _ message: String) -> ConditionDraft {
        ConditionDraft(type: type, status: "True", reason: reason, message: message)
    }
    public static func isFalse(_ type: String, _ reason: String, _ message: String) -> ConditionDraft {
        ConditionDraft(type: type, status: "False", reason: reason, message: message)
    }
    public static func unknown(_ type: String, _ reason: String, _ message: String) -> ConditionDraft {
        ConditionDraft(type: type, status: "Unknown", reason: reason, message: message)
    }

    /// metav1.Condition semantics: lastTransitionTime moves only when the status changes.
    /// - Parameter nowText: `now` rendered, shared by the conditions of one evaluation (rendered
    ///   by the first that needs it): each kept copy of the same text was a string per condition.
    func finalize(previous: [Condition]?, now: Date, nowText: inout String?) -> Condition {
        let old = previous?.first { $0.type == type }
        let transition: String
        if let kept = old?.status == status ? old?.lastTransitionTime : nil {
            transition = kept
        } else {
            let text = nowText ?? KubeTime.format(now)
            nowText = text
            transition = text
        }
        return Condition(type: type, status: status, reason: reason, message: message.utf8.count <= 32768 ? message : String(message.prefix(32768)),
                         lastTransitionTime: transition, observedGeneration: nil)
    }
}

/// Seconds as a whole number for messages and evidence.
func seconds(_ interval: TimeInterval) -> Int { Int(interval.rounded(.down)) }

/// `45s`, `2m0s`, `1h3m` — short durations for messages.
func describe(_ interval: TimeInterval) -> String {
    let total = max(0, seconds(interval))
    if total < 60 { return "\(total)s" }
    if total < 3600 { return "\(total / 60)m\(total % 60)s" }
    return "\(total / 3600)h\(total % 3600 / 60)m"
}

/// `String(format: "%g%%", value)` without Foundation's formatter, which was a sixth of an
/// evaluation's time: Swift's shortest round-trip text is what `%g` prints whenever it has at
/// most 6 significant digits and no exponent; anything else takes the formatter.
func percentText(_ value: Double) -> String {
    // A whole percentage (the default threshold is 1 %) is written without formatting a Double:
    // every heartbeat's traffic message quotes it.
    if value >= 1, value < 1_000_000, value == value.rounded(.towardZero) { return "\(Int(value))%" }
    var text = "\(value)"
    if text.hasSuffix(".0") { text.removeLast(2) }
    let digits = text.utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.drop { $0 == UInt8(ascii: "0") }
    let plain = text.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }
    guard plain, digits.count <= 6, value >= 0.0001 || value == 0 else { return String(format: "%g%%", value) }
    return text + "%"
}
