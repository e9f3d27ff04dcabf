/// metav1.Status: what the API server answers on an error (and on some deletes).
public struct Status: Codable, Sendable, Hashable, Error {
    public var kind: String? = "Status"
    public var apiVersion: String? = "v1"
    public var status: String?  // "Success" | "Failure"
    public var message: String?
    public var reason: String?  // e.g. "NotFound", "AlreadyExists", "Conflict", "Expired", "TooManyRequests"
    public var code: Int?
    public var details: StatusDetails?

    public init(status: String? = "Failure", message: String? = nil, reason: String? = nil, code: Int? = nil, details: StatusDetails? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
        self.details = details
    }
}

public struct StatusDetails: Codable, Sendable, Hashable {
    public var name: String?
    public var group: String?
    public var kind: String?
    public var retryAfterSeconds: Int?
    public init(name: String? = nil, group: String? = nil, kind: String? = nil, retryAfterSeconds: Int? = nil) {
        self.name = name
        self.group = group
        self.kind = kind
        self.retryAfterSeconds = retryAfterSeconds
    }
}
