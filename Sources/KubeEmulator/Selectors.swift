import Foundation
import KubeAPI

/// A parsed label selector: `a=b,c!=d,e in (f,g),h notin (i),j,!k`.
public struct LabelSelector: Sendable, Hashable {
    public enum Requirement: Sendable, Hashable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
    }

    public var requirements: [Requirement]

    /// Parses the query-parameter form; a malformed selector is a 400 `Status`.
    public init(parsing text: String) throws(Status) {
        requirements = []
        for term in Self.splitTopLevel(text) {
            let t = term.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            requirements.append(try Self.requirement(t))
        }
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            switch r {
            case .equals(let k, let v): labels[k] == v
            case .notEquals(let k, let v): labels[k] != v
            case .isIn(let k, let vs): labels[k].map(vs.contains) ?? false
            case .notIn(let k, let vs): labels[k].map { !vs.contains($0) } ?? true
            case .exists(let k): labels[k] != nil
            case .doesNotExist(let k): labels[k] == nil
            }
        }
    }

    /// Splits on commas that are not inside `( )`.
    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            if c == "," && depth == 0 { parts.append(current); current = "" } else { current.append(c) }
        }
        parts.append(current)
        return parts
    }

    private static func invalid(_ text: String) -> Status {
        Status(message: "unable to parse requirement: invalid label selector \"\(text)\"", reason: "BadRequest", code: 400)
    }

    private static func requirement(_ t: String) throws(Status) -> Requirement {
        if t.hasPrefix("!") {
            let key = String(t.dropFirst()).trimmingCharacters(in: .whitespaces)
            guard isKey(key) else { throw invalid(t) }
            return .doesNotExist(key)
        }
        if let r = t.range(of: "!=") {
            return .notEquals(try key(String(t[..<r.lowerBound]), t), String(t[r.upperBound...]).trimmingCharacters(in: .whitespaces))
        }
        if let r = t.range(of: "==") ?? t.range(of: "=") {
            return .equals(try key(String(t[..<r.lowerBound]), t), String(t[r.upperBound...]).trimmingCharacters(in: .whitespaces))
        }
        for (word, isIn) in [(" notin ", false), (" in ", true)] {
            if let r = t.range(of: word) {
                let k = try key(String(t[..<r.lowerBound]), t)
                var rest = t[r.upperBound...].trimmingCharacters(in: .whitespaces)
                guard rest.hasPrefix("("), rest.hasSuffix(")") else { throw invalid(t) }
                rest = String(rest.dropFirst().dropLast())
                let values = Set(rest.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                return isIn ? .isIn(k, values) : .notIn(k, values)
            }
        }
        guard isKey(t) else { throw invalid(t) }
        return .exists(t)
    }

    private static func key(_ raw: String, _ term: String) throws(Status) -> String {
        let k = raw.trimmingCharacters(in: .whitespaces)
        guard isKey(k) else { throw invalid(term) }
        return k
    }

    private static func isKey(_ k: String) -> Bool {
        !k.isEmpty && k.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
    }
}

/// A parsed field selector: `metadata.name=x,involvedObject.kind!=Pod`. Supported fields are the
/// ones the real server indexes for the resources gateway-medic and kubectl use.
public struct FieldSelector: Sendable, Hashable {
    private var storage: [Term]

    private struct Term: Sendable, Hashable {
        var field: String
        var value: String
        var equal: Bool
    }

    static let supportedFields: Set<String> = [
        "metadata.name", "metadata.namespace",
        "involvedObject.kind", "involvedObject.name", "involvedObject.namespace", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "type", "reason", "source", "reportingComponent",
        "spec.nodeName", "status.phase", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
    ]

    public init(parsing text: String) throws(Status) {
        storage = []
        for raw in text.split(separator: ",") {
            let t = raw.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            let term: Term
            if let r = t.range(of: "!=") {
                term = Term(field: String(t[..<r.lowerBound]), value: String(t[r.upperBound...]), equal: false)
            } else if let r = t.range(of: "==") ?? t.range(of: "=") {
                term = Term(field: String(t[..<r.lowerBound]), value: String(t[r.upperBound...]), equal: true)
            } else {
                throw Status(message: "invalid field selector \"\(t)\": expected field=value", reason: "BadRequest", code: 400)
            }
            guard Self.supportedFields.contains(term.field) else {
                throw Status(message: "field label not supported: \(term.field)", reason: "BadRequest", code: 400)
            }
            storage.append(term)
        }
    }

    public func matches(_ object: JSONValue) -> Bool {
        storage.allSatisfy { term in
            let actual = Self.value(of: term.field, in: object)
            return (actual == term.value) == term.equal
        }
    }

    /// The exact name this selector pins, so a lookup can skip the scan.
    var pinnedName: String? { storage.first { $0.field == "metadata.name" && $0.equal }?.value }

    static func value(of field: String, in object: JSONValue) -> String {
        var current: JSONValue? = object
        for key in field.split(separator: ".") { current = current?[String(key)] }
        switch current {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return String(b)
        default: return ""
        }
    }
}

/// The label and field selectors of one list or watch, applied together.
public struct ObjectFilter: Sendable {
    public var labels: LabelSelector?
    public var fields: FieldSelector?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil) throws(Status) {
        labels = nil
        fields = nil
        if let labelSelector, !labelSelector.isEmpty { labels = try LabelSelector(parsing: labelSelector) }
        if let fieldSelector, !fieldSelector.isEmpty { fields = try FieldSelector(parsing: fieldSelector) }
    }

    public func matches(_ object: JSONValue) -> Bool {
        if let labels {
            var map: [String: String] = [:]
            for (k, v) in object[path: "metadata", "labels"]?.objectValue ?? [:] { if let s = v.stringValue { map[k] = s } }
            if !labels.matches(map) { return false }
        }
        if let fields, !fields.matches(object) { return false }
        return true
    }
}
