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

/// A kubeconfig `user` entry turned into client certificate material and a credential provider.
/// Precedence as client-go: `token` over `tokenFile`; a static token or certificate makes `exec` unused.
struct UserEntryReader {
    struct Result {
        var clientCertificatePEM: SecretBytes?
        var clientKeyPEM: SecretBytes?
        var credentials: any CredentialProvider
    }

    var entry: NamedEntry
    var environment: [String: String]
    var cluster: ClusterEntryReader.Result

    func read() throws(KubeConfigError) -> Result {
        let fields = FieldReader(file: entry.file)
        let body = entry.body
        let f = entry.field
        let certificate = try pem(data: "client-certificate-data", file: "client-certificate", fields)
        let key = try pem(data: "client-key-data", file: "client-key", fields)
        if certificate != nil && key == nil {
            throw KubeConfigError(file: entry.file, field: "\(f).client-key", reason: .invalidField("client-key or client-key-data is required with a client certificate"))
        }
        if key != nil && certificate == nil {
            throw KubeConfigError(file: entry.file, field: "\(f).client-certificate", reason: .invalidField("client-certificate or client-certificate-data is required with a client key"))
        }
        var result = Result(clientCertificatePEM: certificate, clientKeyPEM: key, credentials: NoCredentials())
        var exec: ExecConfig?
        if let mapping = try fields.mapping(body["exec"], at: "\(f).exec") {
            exec = try ExecConfig.read(mapping, field: "\(f).exec", fields: fields)
        }
        if let token = try fields.string(body["token"], at: "\(f).token"), !token.isEmpty {
            result.credentials = StaticTokenCredentials(token: SecretString(token))
        } else if let path = try fields.string(body["tokenFile"], at: "\(f).tokenFile"), !path.isEmpty {
            result.credentials = try TokenFileCredentials(path: FileText.resolve(path, against: entry.directory),
                                                          origin: entry.file, field: "\(f).tokenFile")
        } else if let exec, certificate == nil {
            result.credentials = ExecCredentials(config: exec, origin: entry.file, field: "\(f).exec", environment: environment,
                                                 clusterInfo: cluster.execClusterInfo)
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
