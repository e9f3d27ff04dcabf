import Foundation
import KubeAPI

/// Reads typed fields out of a `JSONValue`, recording a `FieldProblem` for every value of the
/// wrong type or shape. A missing or null field is `.absent` and is not a problem.
struct FieldReader {
    /// Most problems listed one by one; beyond it they are counted (a status full of wrong
    /// types must not make the GatewayHealth grow without bound).
    static let maxProblems = 64
    private var listed: [FieldProblem] = []
    private var unlisted = 0

    var problems: [FieldProblem] {
        unlisted == 0 ? listed : listed + [FieldProblem(path: "(object)", issue: "\(unlisted) more problems not listed")]
    }

    static func render(_ path: [String]) -> String {
        if path.isEmpty { return "(object)" }
        var out = ""
        for key in path {
            if key.contains(".") || key.contains(" ") || key.isEmpty {
                out += "[\(key)]"
            } else {
                out += out.isEmpty ? key : ".\(key)"
            }
        }
        return out
    }

    mutating func note(_ path: [String], _ issue: String) {
        add(FieldProblem(path: Self.render(path), issue: issue))
    }

    private mutating func add(_ problem: FieldProblem) {
        guard !listed.contains(problem) else { return }
        if listed.count < Self.maxProblems { listed.append(problem) } else { unlisted += 1 }
    }

    /// Takes over the problems another reader found inside the value at `path`.
    mutating func absorb(_ other: FieldReader, under path: [String]) {
        for problem in other.problems {
            add(FieldProblem(path: Self.render(path) + "." + problem.path, issue: problem.issue))
        }
    }

    /// Follows object keys; `.invalid` when a step on the way is not an object.
    mutating func node(_ root: JSONValue, _ path: [String]) -> Reading<JSONValue> {
        var current = root
        for (index, key) in path.enumerated() {
            guard case .object(let object) = current else {
                note(Array(path[..<index]), "expected an object, found \(current.typeName)")
                return .invalid
            }
            guard let next = object[key], !next.isNull else { return .absent }
            current = next
        }
        return .value(current)
    }

    mutating func string(_ root: JSONValue, _ path: [String]) -> Reading<String> {
        typed(root, path, "a string") { $0.stringValue }
    }

    mutating func bool(_ root: JSONValue, _ path: [String]) -> Reading<Bool> {
        typed(root, path, "a boolean") { $0.boolValue }
    }

    mutating func int(_ root: JSONValue, _ path: [String], nonNegative: Bool = false) -> Reading<Int64> {
        let reading = typed(root, path, "an integer") { $0.intValue }
        if nonNegative, let v = reading.value, v < 0 {
            note(path, "negative value \(v)")
            return .invalid
        }
        return reading
    }

    mutating func object(_ root: JSONValue, _ path: [String]) -> Reading<[String: JSONValue]> {
        typed(root, path, "an object") { $0.objectValue }
    }

    mutating func array(_ root: JSONValue, _ path: [String]) -> Reading<[JSONValue]> {
        typed(root, path, "an array") { $0.arrayValue }
    }

    /// An RFC 3339 timestamp, truncated to whole seconds.
    mutating func time(_ root: JSONValue, _ path: [String]) -> Reading<Date> {
        switch string(root, path) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .value(let text):
            if let date = KubeTime.parse(text) { return .value(date.wholeSeconds) }
            note(path, "not an RFC 3339 time: \"\(text.prefix(64))\"")
            return .invalid
        }
    }

    private mutating func typed<T: Sendable & Equatable>(_ root: JSONValue, _ path: [String], _ what: String, _ cast: (JSONValue) -> T?) -> Reading<T> {
        switch node(root, path) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .value(let v):
            if let typed = cast(v) { return .value(typed) }
            note(path, "expected \(what), found \(v.typeName)")
            return .invalid
        }
    }
}
