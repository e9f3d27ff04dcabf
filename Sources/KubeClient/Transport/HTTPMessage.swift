import Foundation

/// One HTTP exchange as the transport performs it. Built by the request layer; headers may hold
/// an `Authorization` value, so a request is never logged or printed whole.
struct HTTPRequest: Sendable {
    var method: String
    /// What libcurl fetches (its host may be the `tls-server-name`, see `connectTo`).
    var url: String
    /// What error messages name: the configured server plus path and query.
    var displayURL: String
    /// Complete header lines, "Name: value".
    var headers: [String] = []
    var body: [UInt8]?
    var userAgent: String = ""
    /// Whole-transfer deadline; nil for streams (they use `idleTimeoutSeconds`).
    var timeout: Duration?
    var connectTimeout: Duration = .seconds(10)
    /// Abort when less than one byte a second arrives for this long (a dead link on a stream).
    var idleTimeoutSeconds: Int?
    var tls: TLSSettings = TLSSettings()
    /// `CURLOPT_CONNECT_TO` entry "name:port:host:port" so TLS verifies against `tls-server-name`.
    var connectTo: String?
    var proxyURL: String?

    /// Describes the request without headers or body, for logs.
    var summary: String { "\(method) \(displayURL)" }
}

/// Status line and headers of a response.
struct ResponseHead: Sendable, Equatable {
    var status: Int
    /// Header names lowercased; a repeated header keeps its last value.
    var headers: [String: String]
}

/// A complete buffered response.
struct HTTPResponse: Sendable {
    var head: ResponseHead
    var body: [UInt8]
    var status: Int { head.status }
}

/// Accumulates header lines from libcurl's header callback. Each new status line (a redirect, a
/// proxy CONNECT, a 100-continue) starts the header set afresh, so the final response's remain.
struct HeaderCollector: Sendable {
    private(set) var headers: [String: String] = [:]

    mutating func consume(line raw: String) {
        let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        headers[name] = value
    }
}
