import KubeAPI

/// One parsed YAML node with aliases and merge keys already applied. Scalars keep their
/// original text beside the resolved value, so a reader that knows a field is a string (a token,
/// a name, a server URL) can take `0123` or `yes` literally, as Kubernetes' typed decoding does.
public struct YAMLNode: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        case scalar(text: String, value: JSONValue)
        case sequence([YAMLNode])
        case mapping([String: YAMLNode])
    }

    public var content: Content
    /// Where the node starts, 1-based.
    public var line: Int
    public var column: Int
    /// How many nodes this one amounts to, itself included (for the alias budget).
    var size: Int
    /// A plain `<<` (or `!!merge`): meaningful only in key position.
    var isMergeKey = false

    init(content: Content, line: Int, column: Int, size: Int) {
        self.content = content
        self.line = line
        self.column = column
        self.size = size
    }

    /// The value as the API speaks it.
    public var json: JSONValue {
        switch content {
        case .scalar(_, let value): return value
        case .sequence(let items): return .array(items.map(\.json))
        case .mapping(let entries): return .object(entries.mapValues(\.json))
        }
    }

    /// A scalar's text as written (without quotes); nil for collections.
    public var text: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// True for `~`, `null`, an empty plain scalar, `!!null`.
    public var isNull: Bool {
        if case .scalar(_, .null) = content { return true }
        return false
    }

    public var mapping: [String: YAMLNode]? {
        if case .mapping(let m) = content { return m }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let s) = content { return s }
        return nil
    }

    public subscript(key: String) -> YAMLNode? { mapping?[key] }

    /// "mapping", "sequence", "string", ...: for error messages.
    public var kindName: String {
        switch content {
        case .mapping: return "mapping"
        case .sequence: return "sequence"
        case .scalar(_, let value): return value.typeName
        }
    }
}
