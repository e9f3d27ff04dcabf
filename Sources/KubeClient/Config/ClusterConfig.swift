import Foundation

/// Everything the transport needs to reach one API server as one user. Built by
/// `KubeConfigLoader` (a kubeconfig file) or `InClusterConfig` (a service-account folder).
public struct ClusterConfig: Sendable {
    /// `https://host:port` with no trailing slash.
    public var server: String
    public var tls: TLSSettings
    /// `proxy-url` from the kubeconfig cluster.
    public var proxyURL: String?
    /// Where bearer tokens and exec-issued client certificates come from.
    public var credentials: any CredentialProvider
    /// The context's namespace, or the service account's; `default` when neither says.
    public var namespace: String
    /// Where this came from, for error messages: a file path, or "in-cluster".
    public var origin: String
    /// The user's `as`, `as-groups`, `as-uid`, `as-user-extra` (or `--as`/`--as-group`).
    public var impersonation: Impersonation
    /// What the loader chose not to use and why (credentials withheld from a plain http server),
    /// for a command-line program to print; never holds a secret.
    public var warnings: [String]

    public init(server: String, tls: TLSSettings = TLSSettings(), proxyURL: String? = nil,
                credentials: any CredentialProvider = NoCredentials(), namespace: String = "default", origin: String = "",
                impersonation: Impersonation = Impersonation(), warnings: [String] = []) {
        self.server = server
        self.tls = tls
        self.proxyURL = proxyURL
        self.credentials = credentials
        self.namespace = namespace
        self.origin = origin
        self.impersonation = impersonation
        self.warnings = warnings
    }
}

/// Who the requests act as, through the API server's impersonation headers.
public struct Impersonation: Sendable, Equatable {
    public var user: String?
    public var uid: String?
    public var groups: [String]
    /// `as-user-extra`: each key with its values, sent as `Impersonate-Extra-<key>`.
    public var extra: [String: [String]]

    public init(user: String? = nil, uid: String? = nil, groups: [String] = [], extra: [String: [String]] = [:]) {
        self.user = user
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }

    public var isEmpty: Bool { user == nil && uid == nil && groups.isEmpty && extra.isEmpty }

    /// The request header lines, as client-go's ImpersonatingRoundTripper writes them: the extra
    /// keys percent-encoded (a header name cannot hold every character a key may).
    public var headerLines: [String] {
        var lines: [String] = []
        if let user { lines.append("Impersonate-User: \(user)") }
        if let uid { lines.append("Impersonate-Uid: \(uid)") }
        for group in groups { lines.append("Impersonate-Group: \(group)") }
        for key in extra.keys.sorted() {
            let encoded = key.addingPercentEncoding(withAllowedCharacters: Self.headerKeyCharacters) ?? key
            for value in extra[key] ?? [] { lines.append("Impersonate-Extra-\(encoded): \(value)") }
        }
        return lines
    }

    /// RFC 7230 token characters, less `%` (the escape itself).
    private static let headerKeyCharacters = CharacterSet(charactersIn:
        "!#$&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
}

/// TLS material, held in memory and handed to libcurl as blobs: never written to disk.
public struct TLSSettings: Sendable {
    /// PEM bytes of the CA bundle (`certificate-authority-data`, or the file's content).
    public var certificateAuthorityPEM: SecretBytes?
    public var insecureSkipTLSVerify: Bool
    /// `tls-server-name`: the name to verify the server certificate against.
    public var serverName: String?
    /// PEM bytes of the client certificate and key.
    public var clientCertificatePEM: SecretBytes?
    public var clientKeyPEM: SecretBytes?

    public init(certificateAuthorityPEM: SecretBytes? = nil, insecureSkipTLSVerify: Bool = false, serverName: String? = nil,
                clientCertificatePEM: SecretBytes? = nil, clientKeyPEM: SecretBytes? = nil) {
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.serverName = serverName
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
    }
}

/// Bytes that must never be printed: descriptions are redacted.
public struct SecretBytes: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }
    public var description: String { "<redacted \(bytes.count) bytes>" }
    public var debugDescription: String { description }
}

/// A string that must never be printed (a bearer token).
public struct SecretString: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public var value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { description }
}

/// What a request presents to the API server.
public struct Credentials: Sendable {
    public var bearerToken: SecretString?
    /// `username` and `password` of the kubeconfig user (HTTP basic authentication).
    public var basicAuth: BasicAuth?
    /// Client certificate and key issued by an exec plugin (override the kubeconfig's, if any).
    public var clientCertificatePEM: SecretBytes?
    public var clientKeyPEM: SecretBytes?
    public init(bearerToken: SecretString? = nil, basicAuth: BasicAuth? = nil,
                clientCertificatePEM: SecretBytes? = nil, clientKeyPEM: SecretBytes? = nil) {
        self.bearerToken = bearerToken
        self.basicAuth = basicAuth
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
    }
}

public struct BasicAuth: Sendable, Equatable {
    public var username: String
    public var password: SecretString
    public init(username: String, password: SecretString) {
        self.username = username
        self.password = password
    }

    /// The `Authorization` header's value.
    var headerValue: String { "Basic " + Data("\(username):\(password.value)".utf8).base64EncodedString() }
}

/// A source of credentials. The transport asks before each request; after a 401 it asks again
/// with `refresh: true` (re-read a token file, re-run an exec plugin) and retries once.
public protocol CredentialProvider: Sendable {
    func credentials(refresh: Bool) async throws -> Credentials
}

public struct NoCredentials: CredentialProvider {
    public init() {}
    public func credentials(refresh: Bool) async throws -> Credentials { Credentials() }
}

public struct StaticTokenCredentials: CredentialProvider {
    public var token: SecretString
    public init(token: SecretString) { self.token = token }
    public func credentials(refresh: Bool) async throws -> Credentials { Credentials(bearerToken: token) }
}

/// Credentials fixed in the kubeconfig (basic authentication).
public struct StaticCredentials: CredentialProvider {
    public var value: Credentials
    public init(_ value: Credentials) { self.value = value }
    public func credentials(refresh: Bool) async throws -> Credentials { value }
}
