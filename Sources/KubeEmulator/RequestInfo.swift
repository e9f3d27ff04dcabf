import Foundation

/// What an HTTP request means in Kubernetes terms, parsed from its method, path and query.
public struct RequestInfo: Sendable, Hashable {
    /// get, list, watch, create, update, patch, delete, deletecollection; or the lowercased HTTP
    /// method for non-resource paths (discovery, /version).
    public var verb: String
    public var method: String
    public var path: String
    public var isResourceRequest: Bool
    public var group: String
    public var version: String
    public var resource: String
    public var subresource: String?
    public var namespace: String?
    public var name: String?
    public var userAgent: String
    /// The decoded query parameters (`resourceVersion`, `limit`, `labelSelector`, ...), so a test
    /// can check what a client asked for, e.g. where a re-opened watch resumes.
    public var query: [String: String]

    /// Parses a request; `query` has already been split into parameters.
    init(method: String, path: String, query: [String: String], userAgent: String) {
        self.method = method
        self.path = path
        self.query = query
        self.userAgent = userAgent
        verb = method.lowercased()
        isResourceRequest = false
        group = ""
        version = ""
        resource = ""
        var parts = path.split(separator: "/").map(String.init)
        if parts.first == "api", parts.count >= 3 {
            version = parts[1]
            parts.removeFirst(2)
        } else if parts.first == "apis", parts.count >= 4 {
            group = parts[1]
            version = parts[2]
            parts.removeFirst(3)
        } else {
            return
        }
        isResourceRequest = true
        if parts[0] == "namespaces", parts.count > 1 {
            namespace = parts[1]
            // namespaces/<n>/status and /finalize are subresources of the namespace itself.
            if parts.count > 2 && !["status", "finalize"].contains(parts[2]) { parts.removeFirst(2) }
        }
        resource = parts[0]
        if parts.count > 1 { name = parts[1] }
        if parts.count > 2 { subresource = parts[2...].joined(separator: "/") }
        if resource == "namespaces" && group.isEmpty { namespace = nil }
        let watching = ["1", "true"].contains(query["watch"]?.lowercased() ?? "")
        switch method.uppercased() {
        case "GET", "HEAD": verb = watching ? "watch" : (name == nil ? "list" : "get")
        case "POST": verb = "create"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        case "DELETE": verb = name == nil ? "deletecollection" : "delete"
        default: verb = method.lowercased()
        }
    }

    /// Splits `a=b&c=d`, decoding percent escapes and `+` as a space (like Go's url.ParseQuery).
    static func parseQuery(_ query: String?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            result[decode(kv[0])] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return result
    }
}

/// Who a request said it was: what a test compares between two clients given the same kubeconfig.
public struct RequestIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The `Authorization` header as sent (test credentials only ever reach the emulator).
    public var authorization: String?
    /// `Impersonate-*` header lines, `name: value` with the name lowercased, sorted.
    public var impersonation: [String]
    /// The serial number (hex) of the client certificate presented on the connection.
    public var clientCertificateSerial: String?
    /// The `Host` (HTTP/1.1) or `:authority` (HTTP/2) the request named.
    public var authority: String?

    public init(authorization: String? = nil, impersonation: [String] = [], clientCertificateSerial: String? = nil,
                authority: String? = nil) {
        self.authorization = authorization
        self.impersonation = impersonation
        self.clientCertificateSerial = clientCertificateSerial
        self.authority = authority
    }

    public var description: String {
        "authorization=\(authorization ?? "-") impersonation=\(impersonation) certificate=\(clientCertificateSerial ?? "-") authority=\(authority ?? "-")"
    }
}

/// One request as the emulator saw it, for tests that count what a client did.
public struct RequestRecord: Sendable, Hashable {
    public var info: RequestInfo
    public var code: Int
    public var identity = RequestIdentity()
    public var verb: String { info.verb }
    public var path: String { info.path }
    public var resource: String { info.resource }
    public var subresource: String? { info.subresource }
    public var namespace: String? { info.namespace }
    public var name: String? { info.name }
    public var userAgent: String { info.userAgent }

    /// A LIST, or a streaming list (a watch with `sendInitialEvents=true`, which lists too).
    public var isList: Bool {
        info.verb == "list" || (info.verb == "watch" && ["1", "true"].contains(info.query["sendInitialEvents"]?.lowercased() ?? ""))
    }

    /// create, update, patch, delete and deletecollection by a client (eviction posts count too).
    public var isWrite: Bool { ["create", "update", "patch", "delete", "deletecollection"].contains(info.verb) }
}
