import Foundation
import KubeAPI

/// The patch formats the API accepts, by Content-Type.
public enum PatchType: String, Sendable {
    case merge = "application/merge-patch+json"
    case json = "application/json-patch+json"
    /// Treated as a merge patch: the emulator has no per-field merge keys.
    case strategicMerge = "application/strategic-merge-patch+json"
    /// Server-side apply, treated as a merge patch of the applied configuration.
    case apply = "application/apply-patch+yaml"

    init?(contentType: String) {
        let base = contentType.split(separator: ";").first.map { String($0).lowercased() } ?? ""
        self.init(rawValue: base.trimmingCharacters(in: .whitespaces))
    }
}

enum Patcher {
    /// Applies a patch document to an object; failures are `Status` errors the client can read.
    static func apply(_ type: PatchType, patch: JSONValue, to object: JSONValue) throws(Status) -> JSONValue {
        switch type {
        case .merge, .strategicMerge, .apply: return mergePatch(object, patch)
        case .json: return try jsonPatch(object, patch)
        }
    }

    /// RFC 7386: objects merge key by key, `null` removes, anything else replaces.
    static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let patchObject) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchObject {
            if value.isNull {
                result.removeValue(forKey: key)
            } else {
                result[key] = mergePatch(result[key] ?? .null, value)
            }
        }
        return .object(result)
    }

    private static func invalid(_ message: String, code: Int = 422) -> Status {
        Status(message: message, reason: code == 422 ? "Invalid" : "BadRequest", code: code)
    }

    /// RFC 6902 operations: add, remove, replace, move, copy, test.
    static func jsonPatch(_ object: JSONValue, _ patch: JSONValue) throws(Status) -> JSONValue {
        guard case .array(let operations) = patch else { throw invalid("a JSON patch must be an array of operations", code: 400) }
        var document = object
        for operation in operations {
            guard let op = operation["op"]?.stringValue, let path = operation["path"]?.stringValue else {
                throw invalid("each JSON patch operation needs \"op\" and \"path\" strings", code: 400)
            }
            let pointer = try parsePointer(path)
            switch op {
            case "add":
                guard let value = operation["value"] else { throw invalid("add operation at \(path) has no value", code: 400) }
                document = try set(document, pointer[...], value, insert: true, path: path)
            case "remove":
                document = try remove(document, pointer[...], path: path).0
            case "replace":
                guard let value = operation["value"] else { throw invalid("replace operation at \(path) has no value", code: 400) }
                _ = try get(document, pointer, path: path)
                document = try set(document, pointer[...], value, insert: false, path: path)
            case "move", "copy":
                guard let from = operation["from"]?.stringValue else { throw invalid("\(op) operation needs \"from\"", code: 400) }
                let fromPointer = try parsePointer(from)
                let value = try get(document, fromPointer, path: from)
                if op == "move" { document = try remove(document, fromPointer[...], path: from).0 }
                document = try set(document, pointer[...], value, insert: true, path: path)
            case "test":
                let expected = operation["value"] ?? .null
                let actual = try get(document, pointer, path: path)
                guard actual == expected else { throw invalid("test operation failed: value at \(path) is not the expected one") }
            default:
                throw invalid("unknown JSON patch operation \"\(op)\"", code: 400)
            }
        }
        return document
    }

    static func parsePointer(_ path: String) throws(Status) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw invalid("JSON pointer \"\(path)\" must start with /", code: 400) }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ document: JSONValue, _ pointer: [String], path: String) throws(Status) -> JSONValue {
        var current = document
        for token in pointer {
            switch current {
            case .object(let o):
                guard let next = o[token] else { throw invalid("path \(path) does not exist") }
                current = next
            case .array(let a):
                guard let i = Int(token), a.indices.contains(i) else { throw invalid("path \(path) does not exist") }
                current = a[i]
            default:
                throw invalid("path \(path) does not exist")
            }
        }
        return current
    }

    static func set(_ document: JSONValue, _ pointer: ArraySlice<String>, _ value: JSONValue, insert: Bool, path: String) throws(Status) -> JSONValue {
        guard let token = pointer.first else { return value }
        let rest = pointer.dropFirst()
        switch document {
        case .object(var o):
            if rest.isEmpty {
                o[token] = value
            } else {
                guard let child = o[token] else { throw invalid("path \(path) does not exist") }
                o[token] = try set(child, rest, value, insert: insert, path: path)
            }
            return .object(o)
        case .array(var a):
            if rest.isEmpty {
                if token == "-" && insert { a.append(value); return .array(a) }
                guard let i = Int(token), i >= 0, insert ? i <= a.count : i < a.count else { throw invalid("index \(token) out of range at \(path)") }
                if insert { a.insert(value, at: i) } else { a[i] = value }
                return .array(a)
            }
            guard let i = Int(token), a.indices.contains(i) else { throw invalid("path \(path) does not exist") }
            a[i] = try set(a[i], rest, value, insert: insert, path: path)
            return .array(a)
        default:
            throw invalid("path \(path) does not exist")
        }
    }

    static func remove(_ document: JSONValue, _ pointer: ArraySlice<String>, path: String) throws(Status) -> (JSONValue, JSONValue) {
        guard let token = pointer.first else { throw invalid("cannot remove the whole document") }
        let rest = pointer.dropFirst()
        switch document {
        case .object(var o):
            guard let child = o[token] else { throw invalid("path \(path) does not exist") }
            if rest.isEmpty {
                o.removeValue(forKey: token)
                return (.object(o), child)
            }
            let (updated, removed) = try remove(child, rest, path: path)
            o[token] = updated
            return (.object(o), removed)
        case .array(var a):
            guard let i = Int(token), a.indices.contains(i) else { throw invalid("path \(path) does not exist") }
            if rest.isEmpty {
                let removed = a.remove(at: i)
                return (.array(a), removed)
            }
            let (updated, removed) = try remove(a[i], rest, path: path)
            a[i] = updated
            return (.array(a), removed)
        default:
            throw invalid("path \(path) does not exist")
        }
    }
}
