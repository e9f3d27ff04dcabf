import Foundation
import KubeAPI

/// One malformed value found while reading an object: where it is and what is wrong with it.
/// Views collect these instead of throwing, so one bad field never hides the rest of an object.
public struct FieldProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A dotted path into the object; keys that contain dots are bracketed,
    /// e.g. `status.state.bgp.vrfs.default.neighbors[172.30.128.12].sessionState`.
    public var path: String
    /// What is wrong, e.g. `expected an integer, found string`.
    public var issue: String

    public init(path: String, issue: String) {
        self.path = path
        self.issue = issue
    }

    public var description: String { "\(path): \(issue)" }
}

/// A field as read from an object: missing, present but unusable, or a usable value.
/// Rules treat `.invalid` as "cannot tell" (a condition with status Unknown), never as a value.
public enum Reading<Value: Sendable & Equatable>: Sendable, Equatable {
    case absent
    case invalid
    case value(Value)

    public var value: Value? {
        if case .value(let v) = self { return v }
        return nil
    }

    public var isInvalid: Bool {
        if case .invalid = self { return true }
        return false
    }

    public var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }

    func map<T: Sendable & Equatable>(_ transform: (Value) -> T) -> Reading<T> {
        switch self {
        case .absent: .absent
        case .invalid: .invalid
        case .value(let v): .value(transform(v))
        }
    }

    /// Written out and inlinable, not derived: the derived `==` is not inlinable, so every
    /// caller in another module ran it unspecialised, with a lookup of the payload tuple's
    /// metadata per call (the fleet index compares two `Reading<Date>`s per GatewayAgent heartbeat).
    @inlinable
    public static func == (lhs: Reading, rhs: Reading) -> Bool {
        switch (lhs, rhs) {
        case (.absent, .absent), (.invalid, .invalid): true
        case (.value(let a), .value(let b)): a == b
        default: false
        }
    }
}

extension Date {
    /// The model reasons in whole seconds, so that a timestamp persisted as RFC 3339 and read back
    /// gives the same verdict as the original (remediation planning and the byte reader too).
    package var wholeSeconds: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}

/// A `/32` (or any prefix) stripped from an address: `172.30.8.0/32` → `172.30.8.0`.
package func bareAddress(_ text: String) -> String {
    // Foundation's trimming bridges through NSString (3 % of the steady state's CPU); an address
    // that starts and ends with a printable ASCII byte has nothing to trim.
    let printable: ClosedRange<UInt8> = 0x21...0x7E
    let untouched = text.utf8.first.map(printable.contains) == true && text.utf8.last.map(printable.contains) == true
    let trimmed = untouched ? text : text.trimmingCharacters(in: .whitespaces)
    // Byte-wise when all ASCII, where a "/" byte is a "/" character (searching characters was
    // 15 % of reading a GatewayAgent's spec from bytes).
    if trimmed.utf8.allSatisfy({ $0 < 0x80 }) {
        guard let slash = trimmed.utf8.firstIndex(of: UInt8(ascii: "/")) else { return trimmed }
        return String(trimmed[..<slash])
    }
    if let slash = trimmed.firstIndex(of: "/") { return String(trimmed[..<slash]) }
    return trimmed
}
