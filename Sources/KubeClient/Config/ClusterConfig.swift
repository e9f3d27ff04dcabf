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

    public init(server: String, tls: TLSSettings = TLSSettings(), proxyURL: String? = nil,
                credentials: any CredentialProvider = NoCredentials(), namespace: String = "default", origin: String = "") {
        self.server = server
        self.tls = tls
        self.proxyURL = proxyURL
        self.credentials = credentials
        self.namespace = namespace
        self.origin = origin
    }
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
    /// Client certificate and key issued by an exec plugin (override the kubeconfig's, if any).
    public var clientCertificatePEM: SecretBytes?
    public var clientKeyPEM: SecretBytes?
    public init(bearerToken: SecretString? = nil, clientCertificatePEM: SecretBytes? = nil, clientKeyPEM: SecretBytes? = nil) {
        self.bearerToken = bearerToken
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
    }
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
