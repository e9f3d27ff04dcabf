import Foundation
import KubeAPI
import YAML

/// A `name` + body entry of a kubeconfig list (`clusters`, `users`, `contexts`), remembering the
/// file it came from: relative paths resolve against that file's folder, errors name it.
struct NamedEntry: Sendable {
    var name: String
    /// The inner mapping (`cluster:`, `user:`, `context:`); empty when absent.
    var body: [String: YAMLNode]
    var file: String
    /// Field path of the body, e.g. `users["admin"].user`.
    var field: String

    var directory: String { (file as NSString).deletingLastPathComponent }
}

/// One kubeconfig file, read and checked for shape but not merged.
struct KubeConfigFile: Sendable {
    var path: String
    var clusters: [NamedEntry] = []
    var users: [NamedEntry] = []
    var contexts: [NamedEntry] = []
    var currentContext: String?

    static func read(path: String) throws(KubeConfigError) -> KubeConfigFile {
        try parse(text: try FileText.read(path, file: path, field: nil), path: path)
    }

    /// The kubeconfig in `text`, as if read from `path` (relative paths in it resolve against
    /// that path's folder, errors name it).
    static func parse(text: String, path: String) throws(KubeConfigError) -> KubeConfigFile {
        let root: YAMLNode?
        do {
            root = try YAML.parseSingleNode(text, source: path)
        } catch {
            throw KubeConfigError(file: path, reason: .malformedYAML(line: error.line, column: error.column, problem: error.problem))
        }
        var file = KubeConfigFile(path: path)
        guard let root, !root.isNull else { return file }  // an empty file is an empty config
        let fields = FieldReader(file: path)
        let top = try fields.mapping(root, at: "(top level)") ?? [:]
        file.currentContext = try fields.string(top["current-context"], at: "current-context").flatMap { $0.isEmpty ? nil : $0 }
        file.clusters = try entries(top["clusters"], list: "clusters", body: "cluster", fields)
        file.users = try entries(top["users"], list: "users", body: "user", fields)
        file.contexts = try entries(top["contexts"], list: "contexts", body: "context", fields)
        return file
    }

    private static func entries(_ node: YAMLNode?, list: String, body: String, _ fields: FieldReader) throws(KubeConfigError) -> [NamedEntry] {
        guard let items = try fields.sequence(node, at: list) else { return [] }
        var result: [NamedEntry] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let itemField = "\(list)[\(index)]"
            let mapping = try fields.mapping(item, at: itemField) ?? [:]
            guard let name = try fields.string(mapping["name"], at: "\(itemField).name"), !name.isEmpty else {
                throw KubeConfigError(file: fields.file, field: "\(itemField).name", reason: .missingField)
            }
            guard seen.insert(name).inserted else {
                throw KubeConfigError(file: fields.file, field: "\(itemField).name", reason: .invalidField("duplicate name \"\(name)\" in \(list)"))
            }
            let bodyField = "\(list)[\"\(name)\"].\(body)"
            let inner = try fields.mapping(mapping[body], at: bodyField) ?? [:]
            result.append(NamedEntry(name: name, body: inner, file: fields.file, field: bodyField))
        }
        return result
    }
}

/// Typed access to kubeconfig fields; every refusal names the file and the field.
struct FieldReader: Sendable {
    var file: String

    /// A string field, read from the scalar's original text (so `token: 0123` stays "0123").
    func string(_ node: YAMLNode?, at field: String) throws(KubeConfigError) -> String? {
        guard let node, !node.isNull else { return nil }
        guard let text = node.text else {
            throw KubeConfigError(file: file, field: field, reason: .invalidField("expected a string, found a \(node.kindName)"))
        }
        return text
    }

    func bool(_ node: YAMLNode?, at field: String) throws(KubeConfigError) -> Bool? {
        guard let node, !node.isNull else { return nil }
        guard case .bool(let value) = node.json else {
            throw KubeConfigError(file: file, field: field, reason: .invalidField("expected true or false, found a \(node.kindName)"))
        }
        return value
    }

    func mapping(_ node: YAMLNode?, at field: String) throws(KubeConfigError) -> [String: YAMLNode]? {
        guard let node, !node.isNull else { return nil }
        guard let mapping = node.mapping else {
            throw KubeConfigError(file: file, field: field, reason: .invalidField("expected a mapping, found a \(node.kindName)"))
        }
        return mapping
    }

    func sequence(_ node: YAMLNode?, at field: String) throws(KubeConfigError) -> [YAMLNode]? {
        guard let node, !node.isNull else { return nil }
        guard let items = node.sequence else {
            throw KubeConfigError(file: file, field: field, reason: .invalidField("expected a list, found a \(node.kindName)"))
        }
        return items
    }

    /// A list of strings (`args`), each taken as written.
    func strings(_ node: YAMLNode?, at field: String) throws(KubeConfigError) -> [String] {
        guard let items = try sequence(node, at: field) else { return [] }
        var result: [String] = []
        for (i, item) in items.enumerated() {
            result.append(try string(item, at: "\(field)[\(i)]") ?? "")
        }
        return result
    }

    /// Standard base64, line breaks and spaces ignored (as Go's decoder ignores newlines).
    func base64(_ text: String, at field: String) throws(KubeConfigError) -> SecretBytes {
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else {
            throw KubeConfigError(file: file, field: field, reason: .invalidBase64)
        }
        return SecretBytes(Array(data))
    }
}

/// Reading files with errors that name the file and the field that pointed at it.
enum FileText {
    /// Largest kubeconfig, certificate or token file read (real ones are kilobytes).
    static let maxFileBytes = 8 << 20

    static func readBytes(_ path: String, file: String, field: String?) throws(KubeConfigError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            if let field { throw KubeConfigError(file: file, field: field, reason: .unreadableReferencedFile(path: path, detail: "no such file")) }
            throw KubeConfigError(file: file, reason: .fileNotFound)
        }
        var tooLarge = false
        do {
            guard !isDirectory.boolValue else { throw CocoaError(.fileReadUnknown) }
            // Bounded: a path pointing at /dev/zero or a huge file must not exhaust memory.
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            let data = try handle.read(upToCount: maxFileBytes + 1) ?? Data()
            guard data.count <= maxFileBytes else {
                tooLarge = true
                throw CocoaError(.fileReadTooLarge)
            }
            return Array(data)
        } catch {
            let detail = isDirectory.boolValue ? "is a folder"
                : tooLarge ? "larger than \(maxFileBytes >> 20) MiB" : "permission denied or unreadable"
            if let field { throw KubeConfigError(file: file, field: field, reason: .unreadableReferencedFile(path: path, detail: detail)) }
            throw KubeConfigError(file: file, reason: .unreadable(detail))
        }
    }

    static func read(_ path: String, file: String, field: String?) throws(KubeConfigError) -> String {
        let bytes = try readBytes(path, file: file, field: field)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            if let field { throw KubeConfigError(file: file, field: field, reason: .unreadableReferencedFile(path: path, detail: "not UTF-8 text")) }
            throw KubeConfigError(file: file, reason: .unreadable("not UTF-8 text"))
        }
        return text
    }

    /// `path` made absolute against `directory` when relative (`~` is not expanded by kubectl either).
    static func resolve(_ path: String, against directory: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return path }
        return (directory as NSString).appendingPathComponent(path)
    }
}
