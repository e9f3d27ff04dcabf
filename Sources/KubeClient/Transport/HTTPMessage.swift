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

    /// One header line as curl hands it over (with its line end). Works on the bytes: trimming
    /// through Foundation's character sets was 4 % of the operator's CPU while it wrote 30,000
    /// objects (three header lines or more per answer).
    mutating func consume(line raw: String) {
        var line = Substring(raw).utf8[...]
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        while let b = line.first, isSpace(b) { line = line.dropFirst() }
        while let b = line.last, isSpace(b) { line = line.dropLast() }
        if line.starts(with: "HTTP/".utf8) {
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        var value = line[line.index(after: colon)...]
        while let b = value.first, isSpace(b) { value = value.dropFirst() }
        let name = String(decoding: line[..<colon].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
        headers[name] = String(decoding: value, as: UTF8.self)
    }
}
