import KubeAPI

/// Options of a list call.
public struct ListOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Page size. `listAll` uses 500 when nil.
    public var limit: Int?
    public var continueToken: String?
    public var resourceVersion: String?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
                continueToken: String? = nil, resourceVersion: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
    }

    var queryItems: [QueryItem] {
        var items: [QueryItem] = []
        if let labelSelector { items.append(("labelSelector", labelSelector)) }
        if let fieldSelector { items.append(("fieldSelector", fieldSelector)) }
        if let limit { items.append(("limit", String(limit))) }
        if let continueToken { items.append(("continue", continueToken)) }
        if let resourceVersion { items.append(("resourceVersion", resourceVersion)) }
        return items
    }
}

/// Options of a watch.
public struct WatchOptions: Sendable, Hashable {
    /// Start after this version (typically the list's); nil starts with synthetic ADDED events.
    public var resourceVersion: String?
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Server-side timeout of each watch request; nil picks a random 300...600 s per request
    /// (as client-go does) so that many watches do not reconnect in lockstep.
    public var timeoutSeconds: Int?
    /// Ask for BOOKMARK events: the server's resourceVersion, sent after every change before it
    /// (a resumed watch uses one to know it has caught up).
    public var allowBookmarks: Bool
    /// Keep each plain object as its bytes (`WatchEvent.unparsed`) for a consumer that reads them
    /// directly; its tree is then built only if someone asks for `object`.
    public var defersObjects: Bool
    /// With `defersObjects`: reads each kept object's view in the same pass as its identity, for
    /// a consumer that caches views of that type (`WatchEvent.Unparsed.view`).
    public var objectReader: WatchObjectReader?
    /// A streaming list (kube-apiserver's WatchList): `sendInitialEvents=true` with
    /// `resourceVersionMatch=NotOlderThan` and bookmarks. The server first sends every object as
    /// ADDED (as of `resourceVersion` or newer; nil: the newest), then a BOOKMARK annotated
    /// `k8s.io/initial-events-end: "true"` (`WatchEvent.isInitialEventsEnd`), then the changes.
    /// A server without the feature refuses it (422 Invalid) or ignores it (a plain watch).
    public var sendInitialEvents: Bool

    public init(resourceVersion: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
                timeoutSeconds: Int? = nil, allowBookmarks: Bool = true, defersObjects: Bool = false,
                objectReader: WatchObjectReader? = nil, sendInitialEvents: Bool = false) {
        self.defersObjects = defersObjects
        self.objectReader = objectReader
        self.sendInitialEvents = sendInitialEvents
        self.resourceVersion = resourceVersion
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.timeoutSeconds = timeoutSeconds
        self.allowBookmarks = allowBookmarks
    }

    func queryItems(resourceVersion: String?, timeoutSeconds: Int) -> [QueryItem] {
        var items: [QueryItem] = [("watch", "1")]
        if allowBookmarks || sendInitialEvents { items.append(("allowWatchBookmarks", "true")) }
        if sendInitialEvents {
            items.append(("sendInitialEvents", "true"))
            items.append(("resourceVersionMatch", "NotOlderThan"))
        }
        if let labelSelector { items.append(("labelSelector", labelSelector)) }
        if let fieldSelector { items.append(("fieldSelector", fieldSelector)) }
        if let resourceVersion { items.append(("resourceVersion", resourceVersion)) }
        items.append(("timeoutSeconds", String(timeoutSeconds)))
        return items
    }
}

/// A patch and its content type.
public enum Patch: Sendable, Hashable {
    case merge(JSONValue)
    case json([JSONValue])
    case strategicMerge(JSONValue)

    public var contentType: String {
        switch self {
        case .merge: "application/merge-patch+json"
        case .json: "application/json-patch+json"
        case .strategicMerge: "application/strategic-merge-patch+json"
        }
    }

    var body: JSONValue {
        switch self {
        case .merge(let v), .strategicMerge(let v): v
        case .json(let ops): .array(ops)
        }
    }
}

typealias QueryItem = (name: String, value: String)

/// Percent-encoding for paths and query strings: only RFC 3986 unreserved characters stay.
enum URLEncoding {
    private static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// Encodes one component (a query key or value, or one path segment).
    static func component(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            if isUnreserved(b) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `a=1&b=x%20y`, in the given order; empty for no items.
    static func query(_ items: [QueryItem]) -> String {
        items.map { "\(component($0.name))=\(component($0.value))" }.joined(separator: "&")
    }
}
