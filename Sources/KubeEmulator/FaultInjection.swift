import KubeAPI

/// Which requests an injected fault applies to. Unset fields match anything; by default only
/// resource requests match, so discovery and /version keep working.
public struct RequestMatcher: Sendable {
    public var verb: String?
    public var resource: String?
    public var subresource: String?
    public var namespace: String?
    public var name: String?
    public var includeNonResourceRequests: Bool
    public var predicate: (@Sendable (RequestInfo) -> Bool)?

    public init(verb: String? = nil, resource: String? = nil, subresource: String? = nil, namespace: String? = nil,
                name: String? = nil, includeNonResourceRequests: Bool = false, where predicate: (@Sendable (RequestInfo) -> Bool)? = nil) {
        self.verb = verb
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
        self.includeNonResourceRequests = includeNonResourceRequests
        self.predicate = predicate
    }

    public static let any = RequestMatcher()

    public func matches(_ info: RequestInfo) -> Bool {
        if !info.isResourceRequest && !includeNonResourceRequests { return false }
        if let verb, verb != info.verb { return false }
        if let resource, resource != info.resource { return false }
        if let subresource, subresource != info.subresource { return false }
        if let namespace, namespace != info.namespace { return false }
        if let name, name != info.name { return false }
        return predicate?(info) ?? true
    }
}

/// A queued failure: the next `remaining` matching requests get `status`.
struct FaultRule: Sendable {
    var remaining: Int
    var status: Int
    var retryAfter: Int?
    var matcher: RequestMatcher
    /// Served as is instead of a Status (a server answering garbage), when set.
    var rawBody: [UInt8]? = nil

    var statusObject: Status {
        let reason: String = switch status {
        case 400: "BadRequest"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 409: "Conflict"
        case 410: "Expired"
        case 429: "TooManyRequests"
        case 503: "ServiceUnavailable"
        case 504: "Timeout"
        default: "InternalError"
        }
        return Status(message: "injected fault: HTTP \(status)", reason: reason, code: status,
                      details: retryAfter.map { StatusDetails(retryAfterSeconds: $0) })
    }
}
