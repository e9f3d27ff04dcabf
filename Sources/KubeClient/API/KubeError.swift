import Foundation
import KubeAPI

/// Everything the client can fail with. Messages name what failed (verb, path or URL) and never
/// contain credentials.
public enum KubeError: Error, Sendable, CustomStringConvertible {
    /// The API server answered 4xx/5xx; `Status` is the server's, or one built from the response
    /// when its body was not a Status.
    case api(Status, verb: String, path: String)
    /// The request never got an HTTP answer: the URL and libcurl's message (e.g. a CA mismatch).
    case transport(url: String, message: String)
    /// A response body that is not the JSON expected.
    case decoding(path: String, message: String)
    /// 410 Gone (HTTP status or watch ERROR event): the resource version is too old; relist.
    case gone(resourceVersion: String?)
    /// A configuration the client cannot use.
    case configuration(String)
    /// The task was cancelled or the client shut down.
    case cancelled

    /// The HTTP status code, when the server answered.
    public var statusCode: Int? {
        switch self {
        case .api(let status, _, _): status.code
        case .gone: 410
        default: nil
        }
    }

    /// The server's `reason` (NotFound, AlreadyExists, Conflict, ...), when there is one.
    public var reason: String? {
        if case .api(let status, _, _) = self { return status.reason }
        if case .gone = self { return "Expired" }
        return nil
    }

    public var isNotFound: Bool { statusCode == 404 }
    public var isConflict: Bool { statusCode == 409 && reason != "AlreadyExists" }
    public var isAlreadyExists: Bool { statusCode == 409 && reason == "AlreadyExists" }
    public var isGone: Bool { statusCode == 410 }
    public var isForbidden: Bool { statusCode == 403 }
    public var isUnauthorized: Bool { statusCode == 401 }
    public var isTooManyRequests: Bool { statusCode == 429 }
    public var isCancelled: Bool { if case .cancelled = self { return true }; return false }
    public var isTransport: Bool { if case .transport = self { return true }; return false }

    /// True for failures that may succeed when tried again later (429, 5xx, connection errors).
    public var isTransient: Bool {
        if isTransport { return true }
        guard let code = statusCode else { return false }
        return code == 429 || code >= 500
    }

    public var description: String {
        switch self {
        case .api(let status, let verb, let path):
            let code = status.code.map(String.init) ?? "?"
            let reason = status.reason.map { " \($0)" } ?? ""
            let message = status.message.map { ": \($0)" } ?? ""
            return "\(verb) \(path) failed with HTTP \(code)\(reason)\(message)"
        case .transport(let url, let message):
            return "cannot reach \(url): \(message)"
        case .decoding(let path, let message):
            return "cannot decode the response of \(path): \(message)"
        case .gone(let rv):
            return "resource version \(rv ?? "(none)") is too old (410 Gone): a relist is needed"
        case .configuration(let message):
            return "client configuration: \(message)"
        case .cancelled:
            return "cancelled"
        }
    }
}

extension KubeError {
    /// The error for an HTTP error answer. The body is decoded as a Status when it is one;
    /// otherwise a Status is built from the code and (a prefix of) the body text.
    static func fromResponse(status code: Int, body: [UInt8], verb: String, path: String) -> KubeError {
        var status = Status(message: nil, reason: defaultReason(code), code: code)
        if let value = try? JSONValue.parse(body), value["kind"]?.stringValue == "Status",
           let decoded = try? value.decode(Status.self) {
            status = decoded
            if status.code == nil { status.code = code }
            if status.reason == nil { status.reason = defaultReason(code) }
        } else {
            let text = String(decoding: body.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            status.message = text.isEmpty ? "HTTP \(code)" : text
        }
        if code == 410 || status.code == 410 { return .gone(resourceVersion: nil) }
        return .api(status, verb: verb, path: path)
    }

    /// The reason the API server would give for a bare status code.
    static func defaultReason(_ code: Int) -> String? {
        switch code {
        case 400: "BadRequest"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 405: "MethodNotAllowed"
        case 409: "Conflict"
        case 410: "Expired"
        case 422: "Invalid"
        case 429: "TooManyRequests"
        case 500: "InternalError"
        case 503: "ServiceUnavailable"
        case 504: "Timeout"
        default: nil
        }
    }
}
