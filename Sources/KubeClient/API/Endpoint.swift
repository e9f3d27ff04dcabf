import Foundation

/// Where requests go: the server URL split so that `tls-server-name` can be honoured. libcurl
/// verifies a certificate against the URL's host, so with a server name the URL names that host
/// and `CURLOPT_CONNECT_TO` sends the connection to the real address.
struct Endpoint: Sendable, Equatable {
    /// Scheme, host, port and path prefix as libcurl fetches them; no trailing slash.
    let requestBase: String
    /// The configured server, for messages.
    let displayBase: String
    let connectTo: String?
    /// With a server name, the `Host` the server URL names (kubectl sends that one: only the TLS
    /// handshake uses the server name); nil when the URL's host is the one libcurl sends anyway.
    let hostHeader: String?

    init(server: String, serverName: String?) throws(KubeError) {
        let trimmed = server.hasSuffix("/") ? String(server.dropLast()) : server
        guard let parts = URLComponents(string: trimmed), let scheme = parts.scheme?.lowercased(),
              scheme == "https" || scheme == "http" else {
            throw .configuration("server \"\(server)\" is not an http(s) URL")
        }
        guard let rawHost = parts.host, !rawHost.isEmpty else {
            throw .configuration("server \"\(server)\" has no host")
        }
        guard parts.query == nil, parts.fragment == nil, parts.user == nil, parts.password == nil else {
            throw .configuration("server \"\(server)\" must not carry a query, fragment or user info")
        }
        let host = Self.bracketed(rawHost)
        let port = parts.port ?? (scheme == "https" ? 443 : 80)
        let path = parts.percentEncodedPath
        displayBase = trimmed
        if let name = serverName?.trimmingCharacters(in: .whitespaces), !name.isEmpty, Self.bracketed(name) != host {
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-.:[]".contains($0) }) else {
                throw .configuration("tls-server-name \"\(name)\" is not a host name")
            }
            let named = Self.bracketed(name)
            requestBase = "\(scheme)://\(named):\(port)\(path)"
            connectTo = "\(named):\(port):\(host):\(port)"
            hostHeader = host + (parts.port.map { ":\($0)" } ?? "")
        } else {
            requestBase = "\(scheme)://\(host):\(port)\(path)"
            connectTo = nil
            hostHeader = nil
        }
    }

    /// IPv6 literals go in brackets in URLs and CONNECT_TO entries.
    private static func bracketed(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }
}
