import KubeAPI

/// YAML as Kubernetes reads it (YAML 1.1 scalars, merge keys, multi-document streams), parsed
/// with libyaml, and block-style YAML written back.
public enum YAML {
    /// Every non-empty document of a stream, as JSON values.
    public static func parse(_ text: String, source: String? = nil, limits: YAMLLimits = .default) throws(YAMLError) -> [JSONValue] {
        try parseNodes(text, source: source, limits: limits).map(\.json)
    }

    /// The one document of `text`; `.null` when there is none; an error when there are several.
    public static func parseSingle(_ text: String, source: String? = nil, limits: YAMLLimits = .default) throws(YAMLError) -> JSONValue {
        try parseSingleNode(text, source: source, limits: limits)?.json ?? .null
    }

    /// Every non-empty document as nodes that keep each scalar's original text.
    public static func parseNodes(_ text: String, source: String? = nil, limits: YAMLLimits = .default) throws(YAMLError) -> [YAMLNode] {
        var builder = try TreeBuilder(text: text, source: source, limits: limits)
        return try builder.documents()
    }

    /// The one document as a node; nil when the text holds no document.
    public static func parseSingleNode(_ text: String, source: String? = nil, limits: YAMLLimits = .default) throws(YAMLError) -> YAMLNode? {
        let documents = try parseNodes(text, source: source, limits: limits)
        if documents.count > 1 {
            let second = documents[1]
            throw YAMLError(kind: .multipleDocuments, source: source, line: second.line, column: second.column,
                            problem: "expected one document, found \(documents.count)")
        }
        return documents.first
    }

    /// Block-style YAML with sorted keys (deterministic). Strings that would read back as
    /// another type (`"yes"`, `"0123"`, `"null"`, `""`) are quoted; multi-line strings use `|`.
    public static func emit(_ value: JSONValue) -> String {
        var out = ""
        YAMLEmitter.emitDocument(value, into: &out)
        return out
    }

    /// Several documents separated by `---`.
    public static func emit(documents: [JSONValue]) -> String {
        documents.map { emit($0) }.joined(separator: "---\n")
    }
}
