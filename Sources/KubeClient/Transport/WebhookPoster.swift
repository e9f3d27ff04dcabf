import Foundation
import KubeAPI

/// POSTs a JSON body to a URL outside the cluster (a ticket webhook), over the same libcurl
/// transport the API client uses. One poster owns one driver thread; share it.
///
/// Secrets: header values passed as `SecretString` go on the wire only. Errors and descriptions
/// name the URL without its query, fragment or user info (webhook URLs often embed a token there).
public final class WebhookPoster: Sendable {
    private let transport: CurlTransport
    private let timeout: Duration
    private let connectTimeout: Duration
    private let tls: TLSSettings
    private let userAgent: String

    public init(timeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(5),
                tls: TLSSettings = TLSSettings(), userAgent: String = "gateway-medic") throws(KubeError) {
        self.transport = try CurlTransport(threadName: "gateway-medic.webhook")
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.tls = tls
        self.userAgent = userAgent
    }

    deinit { transport.shutdown() }

    /// Stops the driver thread; later posts fail with `.cancelled`.
    public func shutdown() { transport.shutdown(wait: true) }

    /// Sends `body` as `application/json` and returns the HTTP status when it is 2xx.
    /// - Throws: `.transport` when no answer came, `.api` (with the status code) for any other status.
    @discardableResult
    public func postJSON(url: String, body: [UInt8], headers: [String: String] = [:],
                         secretHeaders: [String: SecretString] = [:]) async throws(KubeError) -> Int {
        let display = Self.displayURL(url)
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
              parsed.host != nil else {
            throw .configuration("the webhook URL \(display) is not an http(s) URL")
        }
        var lines = ["Content-Type: application/json", "Accept: application/json"]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            try Self.checkHeader(name, value, display)
            lines.append("\(name): \(value)")
        }
        for (name, value) in secretHeaders.sorted(by: { $0.key < $1.key }) {
            try Self.checkHeader(name, value.value, display)
            lines.append("\(name): \(value.value)")
        }
        var request = HTTPRequest(method: "POST", url: url, displayURL: display, headers: lines, body: body)
        request.userAgent = userAgent
        request.timeout = timeout
        request.connectTimeout = connectTimeout
        request.tls = tls
        switch await transport.send(request) {
        case .failure(let error):
            throw error
        case .success(let response):
            guard (200..<300).contains(response.status) else {
                throw KubeError.fromResponse(status: response.status, body: response.body, verb: "post", path: display)
            }
            return response.status
        }
    }

    /// `scheme://host[:port]/path` with no user info, query or fragment.
    public static func displayURL(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "(unparseable URL)" }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        parts.fragment = nil
        return parts.string ?? "(unparseable URL)"
    }

    /// A header name or value with a line break would let one header smuggle another.
    private static func checkHeader(_ name: String, _ value: String, _ display: String) throws(KubeError) {
        let bad = CharacterSet(charactersIn: "\r\n\0")
        if name.isEmpty || name.rangeOfCharacter(from: bad.union(CharacterSet(charactersIn: ": "))) != nil
            || value.rangeOfCharacter(from: bad) != nil {
            throw .configuration("a header for \(display) (\(name.isEmpty ? "empty name" : name)) contains a forbidden character")
        }
    }
}
