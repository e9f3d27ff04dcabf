import Locking

/// One line of a watch stream.
///
/// Its object is normally parsed. A decoder asked to defer (see `WatchEvent.Unparsed`) keeps a
/// well-formed object as its bytes instead, with the identity fields read out of them: a cache
/// that can project those bytes straight into its view then never builds the tree. `object`
/// parses them on first need, once: the tree is kept for every later read (of this event or a
/// copy of it), so every other reader sees the same value either way.
public struct WatchEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable {
        case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK", error = "ERROR"
    }

    /// An object kept as bytes: checked to be well-formed JSON (by `JSONScanner`, at least as
    /// strict as the parser), with its `metadata` identity read out.
    public struct Unparsed: Sendable, Hashable {
        public let bytes: ArraySlice<UInt8>
        public let name: String
        public let namespace: String?
        public let resourceVersion: String?
        /// The view the watch's `WatchObjectReader` read from `bytes` in the same pass as the
        /// identity (nil without a reader, or when it missed): a cache whose values are of its
        /// type takes it instead of reading the bytes a second time. Not part of equality: it
        /// is what the bytes say.
        public let view: (any Sendable)?

        public init(bytes: ArraySlice<UInt8>, name: String, namespace: String?, resourceVersion: String?,
                    view: (any Sendable)? = nil) {
            self.bytes = bytes
            self.name = name
            self.namespace = namespace
            self.resourceVersion = resourceVersion
            self.view = view
        }

        public static func == (lhs: Unparsed, rhs: Unparsed) -> Bool {
            lhs.bytes == rhs.bytes && lhs.name == rhs.name && lhs.namespace == rhs.namespace && lhs.resourceVersion == rhs.resourceVersion
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(bytes)
            hasher.combine(name)
            hasher.combine(namespace)
            hasher.combine(resourceVersion)
        }

        /// The tree. The bytes were checked, so this cannot fail; were it ever to, the object
        /// reads as empty (a nameless object, skipped and counted by the cache) rather than crash.
        public var parsed: JSONValue { (try? JSONValue.parse(bytes)) ?? .object([:]) }
    }

    /// The annotation of the BOOKMARK that ends a streaming list's initial events
    /// (`sendInitialEvents=true`): every object that existed has been sent as ADDED.
    public static let initialEventsEndAnnotation = "k8s.io/initial-events-end"

    /// True for the BOOKMARK that ends a streaming list's initial events.
    public var isInitialEventsEnd: Bool {
        type == .bookmark && object[path: "metadata", "annotations", Self.initialEventsEndAnnotation]?.stringValue == "true"
    }

    public var type: Kind
    /// The object's bytes while nobody has needed its tree.
    public private(set) var unparsed: Unparsed?
    private var parsedObject: JSONValue
    /// A deferred object's tree once a reader needed it (copies of the event share it).
    private var tree: Locked<JSONValue?>?

    public init(type: Kind, object: JSONValue) {
        self.type = type
        self.parsedObject = object
    }

    public init(type: Kind, unparsed: Unparsed) {
        self.type = type
        self.unparsed = unparsed
        self.parsedObject = .null
        self.tree = Locked(nil)
    }

    /// The object (a deferred one is parsed from its bytes at the first read, then kept).
    public var object: JSONValue {
        get {
            guard let unparsed, let tree else { return parsedObject }
            return tree.withLock { kept in
                if let kept { return kept }
                let parsed = unparsed.parsed
                kept = parsed
                return parsed
            }
        }
        set {
            unparsed = nil
            tree = nil
            parsedObject = newValue
        }
    }

    /// Whether the object's tree exists (it always does unless the event was deferred and no
    /// reader has needed the tree yet).
    public var hasTree: Bool { unparsed == nil || tree?.withLock({ $0 != nil }) == true }

    /// `metadata.resourceVersion`, without parsing a deferred object.
    public var resourceVersion: String? {
        if let unparsed { return unparsed.resourceVersion }
        return parsedObject[path: "metadata", "resourceVersion"]?.stringValue
    }

    public static func == (lhs: WatchEvent, rhs: WatchEvent) -> Bool {
        lhs.type == rhs.type && lhs.object == rhs.object
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(object)
    }
}

extension WatchEvent: Codable {
    enum CodingKeys: String, CodingKey { case type, object }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(type: try c.decode(Kind.self, forKey: .type), object: try c.decode(JSONValue.self, forKey: .object))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(object, forKey: .object)
    }
}

extension WatchEvent.Unparsed {
    /// Reads a watch line of the plain form `{"type":"ADDED|MODIFIED|DELETED","object":{…}}`
    /// (in either order: the API server writes `type` first, a server that sorts keys last)
    /// without building the object: its bytes are checked and its identity read out. Nil for any
    /// other line (another type, other members, an unusual object): the caller parses that one whole.
    ///
    /// With a `reader`, the object is read by it instead, its view and identity in one pass
    /// (`view`); where the reader misses, the identity is read alone as without it.
    public static func scan(line: ArraySlice<UInt8>, reader: WatchObjectReader? = nil) -> (WatchEvent.Kind, WatchEvent.Unparsed)? {
        line.withUnsafeBufferPointer { buffer -> (WatchEvent.Kind, WatchEvent.Unparsed)? in
            var scanner = JSONScanner(buffer)
            do throws(JSONScanner.Miss) {
                // Kept apart (not one optional tuple): binding such a tuple copied the view's
                // existential through its value witnesses, on every event.
                var type: WatchEvent.Kind?
                var range: Range<Int>?
                var identity: Identity = (nil, nil, nil)
                var view: (any Sendable)?
                try scanner.beginObject()
                while let key = try scanner.nextKey() {
                    if key.isEqual(to: "type"), type == nil {
                        type = try Self.kind(&scanner)
                        guard type != nil else { return nil }
                    } else if key.isEqual(to: "object"), range == nil {
                        _ = try scanner.peek()
                        let start = scanner.index
                        var viewScanner = scanner
                        if let reader, let read = try? reader.read(&viewScanner) {
                            scanner = viewScanner
                            identity = (read.identity.name, read.identity.namespace, read.identity.resourceVersion)
                            view = read.view
                        } else {
                            identity = try scanIdentity(&scanner)
                        }
                        range = start..<scanner.index
                    } else {
                        return nil
                    }
                }
                try scanner.end()
                guard let type, let range, let name = identity.name, !name.isEmpty else { return nil }
                let base = line.startIndex
                return (type, WatchEvent.Unparsed(bytes: line[(base + range.lowerBound)..<(base + range.upperBound)],
                                                  name: name, namespace: identity.namespace,
                                                  resourceVersion: identity.resourceVersion, view: view))
            } catch {
                return nil
            }
        }
    }

    private typealias Identity = (name: String?, namespace: String?, resourceVersion: String?)

    /// At the `type` member's value: ADDED, MODIFIED or DELETED, read as bytes (no string made);
    /// nil for any other string (BOOKMARK, ERROR, another word, one with an escape: the caller
    /// leaves the line to the parser, as for any unusual line). Not a string misses.
    private static func kind(_ scanner: inout JSONScanner) throws(JSONScanner.Miss) -> WatchEvent.Kind? {
        let text = JSONScanner.Key(bytes: try scanner.stringBytes())
        if text.isEqual(to: "MODIFIED") { return .modified }
        if text.isEqual(to: "ADDED") { return .added }
        if text.isEqual(to: "DELETED") { return .deleted }
        return nil
    }

    /// Walks a whole object, reading `metadata.name`, `.namespace` and `.resourceVersion`.
    private static func scanIdentity(_ scanner: inout JSONScanner) throws(JSONScanner.Miss) -> Identity {
        var identity: Identity = (nil, nil, nil)
        var sawMetadata = false
        try scanner.beginObject()
        while let key = try scanner.nextKey() {
            guard key.isEqual(to: "metadata") else { try scanner.skipValue(); continue }
            // A repeated metadata: the parser keeps the last; leave that to it.
            guard !sawMetadata else { throw JSONScanner.Miss() }
            sawMetadata = true
            var seen = (name: false, namespace: false, version: false)
            try scanner.beginObject()
            while let field = try scanner.nextKey() {
                if field.isEqual(to: "name") {
                    guard !seen.name else { throw JSONScanner.Miss() }
                    seen.name = true
                    identity.name = try scanner.string()
                } else if field.isEqual(to: "namespace") {
                    guard !seen.namespace else { throw JSONScanner.Miss() }
                    seen.namespace = true
                    identity.namespace = try scanner.string()
                } else if field.isEqual(to: "resourceVersion") {
                    guard !seen.version else { throw JSONScanner.Miss() }
                    seen.version = true
                    identity.resourceVersion = try scanner.string()
                } else {
                    try scanner.skipValue()
                }
            }
        }
        return identity
    }
}

/// Reads a watched object's view straight from its bytes, in the same pass as the identity the
/// watch decoder needs (`WatchEvent.Unparsed.scan`): a GatewayAgent heartbeat was walked twice,
/// once for its name and version, once for its view.
///
/// `read` starts at the object's value and must leave the scanner past it. It answers only where
/// the decoder's own identity scan would answer the same: the object is walked whole and checked
/// as strictly (`JSONScanner`), `metadata.name` is a non-empty string, `namespace` and
/// `resourceVersion` strings or absent (a null, a repeated key or a repeated `metadata` misses),
/// and its view is the one the cache's byte projection reads from the same bytes. A class so that
/// options holding one stay `Hashable` (two readers are the same reader or not).
public final class WatchObjectReader: Sendable, Hashable {
    public struct Identity: Sendable, Equatable {
        public var name: String
        public var namespace: String?
        public var resourceVersion: String?

        public init(name: String, namespace: String?, resourceVersion: String?) {
            self.name = name
            self.namespace = namespace
            self.resourceVersion = resourceVersion
        }
    }

    public let read: @Sendable (inout JSONScanner) throws(JSONScanner.Miss) -> (identity: Identity, view: any Sendable)

    public init(_ read: @escaping @Sendable (inout JSONScanner) throws(JSONScanner.Miss) -> (identity: Identity, view: any Sendable)) {
        self.read = read
    }

    public static func == (lhs: WatchObjectReader, rhs: WatchObjectReader) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
