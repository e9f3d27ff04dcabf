import Foundation
import KubeAPI

/// A kubeconfig `cluster` entry turned into a server URL and TLS settings.
struct ClusterEntryReader {
    struct Result {
        var server: String
        var tls: TLSSettings
        var proxyURL: String?
        /// `spec.cluster` for exec plugins that ask for it.
        var execClusterInfo: JSONValue
        var isTLS: Bool { server.lowercased().hasPrefix("https://") }
    }

    var entry: NamedEntry

    func read() throws(KubeConfigError) -> Result {
        let fields = FieldReader(file: entry.file)
        let body = entry.body
        let f = entry.field
        guard var server = try fields.string(body["server"], at: "\(f).server")?.trimmingCharacters(in: .whitespaces), !server.isEmpty else {
            throw KubeConfigError(file: entry.file, field: "\(f).server", reason: .missingField)
        }
        if !server.contains("://") { server = "https://" + server }  // client-go's default scheme
        while server.hasSuffix("/") { server.removeLast() }
        guard let url = URL(string: server), let scheme = url.scheme, scheme == "https" || scheme == "http", url.host != nil else {
            throw KubeConfigError(file: entry.file, field: "\(f).server", reason: .invalidField("\"\(server)\" is not an http(s) URL"))
        }

        var tls = TLSSettings()
        tls.insecureSkipTLSVerify = try fields.bool(body["insecure-skip-tls-verify"], at: "\(f).insecure-skip-tls-verify") ?? false
        tls.serverName = try fields.string(body["tls-server-name"], at: "\(f).tls-server-name").flatMap { $0.isEmpty ? nil : $0 }
        // `-data` overrides the file, as client-go documents.
        if let data = try fields.string(body["certificate-authority-data"], at: "\(f).certificate-authority-data"), !data.isEmpty {
            tls.certificateAuthorityPEM = try fields.base64(data, at: "\(f).certificate-authority-data")
        } else if let path = try fields.string(body["certificate-authority"], at: "\(f).certificate-authority"), !path.isEmpty {
            let resolved = FileText.resolve(path, against: entry.directory)
            tls.certificateAuthorityPEM = SecretBytes(try FileText.readBytes(resolved, file: entry.file, field: "\(f).certificate-authority"))
        }
        if tls.insecureSkipTLSVerify && tls.certificateAuthorityPEM != nil {
            throw KubeConfigError(file: entry.file, field: "\(f).insecure-skip-tls-verify", reason: .caWithInsecure)
        }
        let proxy = try fields.string(body["proxy-url"], at: "\(f).proxy-url").flatMap { $0.isEmpty ? nil : $0 }
        if let proxy {
            // client-go's schemes; libcurl takes each as CURLOPT_PROXY.
            let scheme = URL(string: proxy)?.scheme?.lowercased()
            guard let scheme, ["http", "https", "socks5"].contains(scheme), URL(string: proxy)?.host != nil else {
                throw KubeConfigError(file: entry.file, field: "\(f).proxy-url",
                                      reason: .invalidField("must be an http://, https:// or socks5:// URL with a host (the value is not shown: it may hold a password)"))
            }
        }

        var info: [String: JSONValue] = ["server": .string(server)]
        if let name = tls.serverName { info["tls-server-name"] = .string(name) }
        if tls.insecureSkipTLSVerify { info["insecure-skip-tls-verify"] = true }
        if let ca = tls.certificateAuthorityPEM { info["certificate-authority-data"] = .string(Data(ca.bytes).base64EncodedString()) }
        if let proxy { info["proxy-url"] = .string(proxy) }
        if let extensions = try fields.sequence(body["extensions"], at: "\(f).extensions") {
            for item in extensions where item["name"]?.text == "client.authentication.k8s.io/exec" {
                if let config = item["extension"]?.json { info["config"] = config }
            }
        }
        return Result(server: server, tls: tls, proxyURL: proxy, execClusterInfo: .object(info))
    }
}

/// A kubeconfig `user` entry turned into client certificate material, a credential provider and
/// impersonation. Precedence as client-go: `tokenFile` over `token` (the file's last good read
/// wins); a static token or certificate makes `exec` unused; a token with basic auth is refused.
/// For a plain `http://` server nothing secret is used (clientcmd reads a user's credentials only
/// for a TLS server): a warning says so; impersonation still applies.
struct UserEntryReader {
    struct Result {
        var clientCertificatePEM: SecretBytes?
        var clientKeyPEM: SecretBytes?
        var credentials: any CredentialProvider
        var impersonation = Impersonation()
        var warnings: [String] = []
    }

    var entry: NamedEntry
    var environment: [String: String]
    var cluster: ClusterEntryReader.Result

    func read() throws(KubeConfigError) -> Result {
        let fields = FieldReader(file: entry.file)
        let body = entry.body
        let f = entry.field
        if let provider = try fields.mapping(body["auth-provider"], at: "\(f).auth-provider") {
            let name = try fields.string(provider["name"], at: "\(f).auth-provider.name") ?? "(unnamed)"
            throw KubeConfigError(file: entry.file, field: "\(f).auth-provider", reason: .authProviderUnsupported(name))
        }
        let impersonation = try readImpersonation(fields)
        let certificate = try pem(data: "client-certificate-data", file: "client-certificate", fields)
        let key = try pem(data: "client-key-data", file: "client-key", fields)
        if certificate != nil && key == nil {
            throw KubeConfigError(file: entry.file, field: "\(f).client-key", reason: .invalidField("client-key or client-key-data is required with a client certificate"))
        }
        if key != nil && certificate == nil {
            throw KubeConfigError(file: entry.file, field: "\(f).client-certificate", reason: .invalidField("client-certificate or client-certificate-data is required with a client key"))
        }
        var exec: ExecConfig?
        if let mapping = try fields.mapping(body["exec"], at: "\(f).exec") {
            exec = try ExecConfig.read(mapping, field: "\(f).exec", fields: fields)
        }
        let token = try fields.string(body["token"], at: "\(f).token").flatMap { $0.isEmpty ? nil : $0 }
        let tokenFile = try fields.string(body["tokenFile"], at: "\(f).tokenFile").flatMap { $0.isEmpty ? nil : $0 }
        let username = try fields.string(body["username"], at: "\(f).username").flatMap { $0.isEmpty ? nil : $0 }
        let password = try fields.string(body["password"], at: "\(f).password").flatMap { $0.isEmpty ? nil : $0 }
        if (token != nil || tokenFile != nil) && (username != nil || password != nil) {
            throw KubeConfigError(file: entry.file, field: "\(f).username",
                                  reason: .invalidField("a token and username/password cannot both be set (kubectl refuses it too): keep one"))
        }

        guard cluster.isTLS else {
            var withheld: [String] = []
            if token != nil { withheld.append("token") }
            if tokenFile != nil { withheld.append("tokenFile") }
            if username != nil || password != nil { withheld.append("username/password") }
            if exec != nil { withheld.append("exec") }
            if certificate != nil { withheld.append("client certificate") }
            var result = Result(credentials: NoCredentials(), impersonation: impersonation)
            if !withheld.isEmpty {
                result.warnings.append("\(entry.file): user \"\(entry.name)\": \(withheld.joined(separator: ", ")) not sent: the server "
                                       + "\(cluster.server) is plain http, where credentials would travel unencrypted (kubectl does the same)")
            }
            return result
        }

        var result = Result(clientCertificatePEM: certificate, clientKeyPEM: key, credentials: NoCredentials(), impersonation: impersonation)
        if let tokenFile {
            result.credentials = try TokenFileCredentials(path: FileText.resolve(tokenFile, against: entry.directory),
                                                          origin: entry.file, field: "\(f).tokenFile")
        } else if let token {
            result.credentials = StaticTokenCredentials(token: SecretString(token))
        } else if username != nil || password != nil {
            result.credentials = StaticCredentials(Credentials(basicAuth: BasicAuth(username: username ?? "", password: SecretString(password ?? ""))))
        } else if let exec, certificate == nil {
            result.credentials = ExecCredentials(config: exec, origin: entry.file, field: "\(f).exec", environment: environment,
                                                 clusterInfo: cluster.execClusterInfo)
        }
        return result
    }

    private func readImpersonation(_ fields: FieldReader) throws(KubeConfigError) -> Impersonation {
        let f = entry.field
        var result = Impersonation()
        result.user = try fields.string(entry.body["as"], at: "\(f).as").flatMap { $0.isEmpty ? nil : $0 }
        result.uid = try fields.string(entry.body["as-uid"], at: "\(f).as-uid").flatMap { $0.isEmpty ? nil : $0 }
        result.groups = try fields.strings(entry.body["as-groups"], at: "\(f).as-groups")
        if let extra = try fields.mapping(entry.body["as-user-extra"], at: "\(f).as-user-extra") {
            for (key, node) in extra {
                result.extra[key] = try fields.strings(node, at: "\(f).as-user-extra.\(key)")
            }
        }
        return result
    }

    /// PEM from `<name>-data` (base64) or from the file `<name>` (relative to the kubeconfig's folder).
    private func pem(data dataKey: String, file fileKey: String, _ fields: FieldReader) throws(KubeConfigError) -> SecretBytes? {
        let f = entry.field
        if let data = try fields.string(entry.body[dataKey], at: "\(f).\(dataKey)"), !data.isEmpty {
            return try fields.base64(data, at: "\(f).\(dataKey)")
        }
        if let path = try fields.string(entry.body[fileKey], at: "\(f).\(fileKey)"), !path.isEmpty {
            let resolved = FileText.resolve(path, against: entry.directory)
            return SecretBytes(try FileText.readBytes(resolved, file: entry.file, field: "\(f).\(fileKey)"))
        }
        return nil
    }
}
