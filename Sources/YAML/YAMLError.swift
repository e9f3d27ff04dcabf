/// Why a YAML text could not be read. Carries where (source name, 1-based line and column) and
/// what went wrong, so that a user can find the spot in their file.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// libyaml's scanner or parser refused the text.
        case syntax
        case duplicateKey
        /// A mapping key that is itself a mapping or a sequence (JSON keys are strings).
        case nonScalarKey
        case unknownAnchor
        /// Aliases would expand past the node budget ("billion laughs").
        case aliasBudgetExceeded
        case depthExceeded
        /// `<<` whose value is not a mapping or a list of mappings.
        case invalidMerge
        /// An explicit tag (`!!int`, `!!bool`, ...) that the value does not satisfy.
        case tagMismatch
        /// `parseSingle` found more than one document.
        case multipleDocuments
    }

    public var kind: Kind
    /// The file name or other label the caller gave; nil when none was given.
    public var source: String?
    /// 1-based; 0 when unknown.
    public var line: Int
    /// 1-based; 0 when unknown.
    public var column: Int
    public var problem: String

    public init(kind: Kind, source: String?, line: Int, column: Int, problem: String) {
        self.kind = kind
        self.source = source
        self.line = line
        self.column = column
        self.problem = problem
    }

    public var description: String {
        let place = line > 0 ? "\(source ?? "<yaml>"):\(line):\(column)" : (source ?? "<yaml>")
        return "\(place): \(problem)"
    }
}

/// Bounds that keep hostile input from exhausting memory or the stack.
public struct YAMLLimits: Sendable, Equatable {
    /// Deepest nesting of sequences and mappings.
    public var maxDepth: Int
    /// Most nodes one document may amount to once aliases are expanded.
    public var maxNodes: Int

    public init(maxDepth: Int = 512, maxNodes: Int = 1_000_000) {
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    public static let `default` = YAMLLimits()
}
