import Foundation
import KubeClient
import Testing

/// Reads the bearer token a config's provider hands out.
private func token(_ config: ClusterConfig, refresh: Bool = false) async throws -> String? {
    try await config.credentials.credentials(refresh: refresh).bearerToken?.value
}

/// Runs `body`, which must throw a KubeConfigError, and returns it.
private func kubeConfigError(_ body: () throws -> Void) -> KubeConfigError? {
    do {
        try body()
        return nil
    } catch let error as KubeConfigError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

@Suite struct KubeConfigLoaderTests {
    let folder: ConfigFixtureFolder
    init() throws { folder = try ConfigFixtureFolder() }

    @Test func mergedListFirstFileWins() async throws {
        let a = try folder.write("a.yaml", """
        apiVersion: v1
        kind: Config
        current-context: ctx-a
        clusters:
        - name: shared
          cluster: {server: "https://a.example:6443/"}
        users:
        - name: shared-user
          user: {token: token-from-a}
        contexts:
        - name: ctx-a
          context: {cluster: shared, user: shared-user, namespace: ns-a}
        """)
        let b = try folder.write("b.yaml", """
        current-context: ctx-b
        clusters:
        - name: shared
          cluster: {server: "https://b.example"}
        - name: only-b
          cluster: {server: "b-only.example:8443"}
        users:
        - name: shared-user
          user: {token: token-from-b}
        contexts:
        - name: ctx-a
          context: {cluster: only-b, user: shared-user}
        - name: ctx-b
          context: {cluster: only-b, user: shared-user}
        """)
        let env = ["KUBECONFIG": "\(folder.file("missing.yaml")):\(a)::\(b)", "HOME": folder.path]
        let current = try KubeConfigLoader.load(explicitPath: nil, environment: env)
        #expect(current.server == "https://a.example:6443")
        #expect(current.namespace == "ns-a")
        #expect(current.origin == a)
        #expect(try await token(current) == "token-from-a")

        let named = try KubeConfigLoader.load(explicitPath: nil, context: "ctx-b", environment: env)
        #expect(named.server == "https://b-only.example:8443")  // no scheme: https
        #expect(named.namespace == "default")
        #expect(try await token(named) == "token-from-a")
        #expect(named.tls.insecureSkipTLSVerify == false)

        // Reversed order: b's entries now win.
        let reversed = try KubeConfigLoader.load(explicitPath: nil, environment: ["KUBECONFIG": "\(b):\(a)"])
        #expect(reversed.server == "https://b-only.example:8443")
        #expect(try await token(reversed) == "token-from-b")
    }

    @Test func kubeconfigListOfOnlyMissingFilesIsAnError() {
        let list = "\(folder.file("x")):\(folder.file("y"))"
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: nil, environment: ["KUBECONFIG": list]) }
        #expect(error?.reason == .noConfiguration)
        #expect(error?.description.contains(folder.file("x")) == true)
    }

    @Test func explicitPathWinsAndMustExist() throws {
        try folder.write(".kube/config", "current-context: home\ncontexts: [{name: home, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: https://home}}]\n")
        let explicitPath = try folder.write("explicit.yaml", "current-context: e\ncontexts: [{name: e, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: https://explicit}}]\n")
        let env = ["HOME": folder.path, "KUBECONFIG": folder.file(".kube/config")]
        #expect(try KubeConfigLoader.load(explicitPath: explicitPath, environment: env).server == "https://explicit")
        #expect(try KubeConfigLoader.load(explicitPath: nil, environment: ["HOME": folder.path]).server == "https://home")
        #expect(try KubeConfigLoader.load(explicitPath: nil, environment: [:], homeDirectory: folder.path).server == "https://home")

        let missing = folder.file("nope.yaml")
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: missing, environment: env) }
        #expect(error?.reason == .fileNotFound)
        #expect(error?.file == missing)
        #expect(error?.description.contains(missing) == true)
    }

    @Test func relativePathsResolveAgainstTheFileThatNamesThem() async throws {
        try folder.write("conf/pki/ca.pem", "CA-PEM")
        try folder.write("conf/pki/client.crt", "CLIENT-CERT")
        try folder.write("conf/pki/client.key", "CLIENT-KEY")
        try folder.write("conf/token.txt", "  file-token\n")
        let path = try folder.write("conf/config", """
        current-context: dev
        clusters:
        - name: c
          cluster:
            server: https://10.0.0.1:6443
            certificate-authority: pki/ca.pem
            tls-server-name: api.internal
            proxy-url: http://proxy:3128
        users:
        - name: cert-user
          user:
            client-certificate: pki/client.crt
            client-key: pki/client.key
            tokenFile: token.txt
        contexts:
        - name: dev
          context: {cluster: c, user: cert-user, namespace: team}
        """)
        let config = try KubeConfigLoader.load(explicitPath: path, environment: [:])
        #expect(config.tls.certificateAuthorityPEM == SecretBytes("CA-PEM"))
        #expect(config.tls.clientCertificatePEM == SecretBytes("CLIENT-CERT"))
        #expect(config.tls.clientKeyPEM == SecretBytes("CLIENT-KEY"))
        #expect(config.tls.serverName == "api.internal")
        #expect(config.proxyURL == "http://proxy:3128")
        #expect(config.namespace == "team")
        #expect(try await token(config) == "file-token")
    }

    @Test func inlineDataAndStringFieldsKeptAsWritten() async throws {
        let path = try folder.write("inline.yaml", """
        current-context: "0123"
        clusters:
        - name: c
          cluster:
            server: https://c
            certificate-authority-data: \(configBase64("CA-DATA"))
        users:
        - name: u
          user:
            client-certificate-data: \(configBase64("CERT-DATA"))
            client-key-data: |
              \(configBase64("KEY-DATA"))
            token: 0123
        contexts:
        - name: "0123"
          context: {cluster: c, user: u}
        """)
        let config = try KubeConfigLoader.load(explicitPath: path, environment: [:])
        #expect(config.tls.certificateAuthorityPEM == SecretBytes("CA-DATA"))
        #expect(config.tls.clientCertificatePEM == SecretBytes("CERT-DATA"))
        #expect(config.tls.clientKeyPEM == SecretBytes("KEY-DATA"))
        #expect(try await token(config) == "0123")
    }

    @Test func contextNamingAMissingUserOrCluster() throws {
        let path = try folder.write("ctx.yaml", """
        current-context: broken
        clusters: [{name: c, cluster: {server: https://c}}]
        contexts:
        - {name: broken, context: {cluster: c, user: ghost}}
        - {name: lost, context: {cluster: nowhere}}
        """)
        let user = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, environment: [:]) }
        #expect(user?.reason == .userNotFound("ghost"))
        #expect(user?.file == path)
        #expect(user?.field == "contexts[\"broken\"].context.user")
        #expect(user?.description.contains(path) == true)
        #expect(user?.description.contains("contexts[\"broken\"].context.user") == true)

        let cluster = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, context: "lost", environment: [:]) }
        #expect(cluster?.reason == .clusterNotFound("nowhere"))
        #expect(cluster?.field == "contexts[\"lost\"].context.cluster")

        let context = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, context: "absent", environment: [:]) }
        #expect(context?.reason == .contextNotFound("absent"))
    }

    @Test func noCurrentContext() throws {
        let path = try folder.write("none.yaml", "clusters: []\n")
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, environment: [:]) }
        #expect(error?.reason == .noCurrentContext)
        #expect(error?.field == "current-context")
        #expect(error?.description.contains(path) == true)
    }

    @Test func malformedYAMLNamesFileLineAndColumn() throws {
        let path = try folder.write("bad.yaml", "clusters:\n- name: c\n  cluster: {server: [unclosed\ncontexts: []\n")
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, environment: [:]) }
        guard case .malformedYAML(let line, let column, let problem)? = error?.reason else {
            Issue.record("expected malformed YAML, got \(String(describing: error))")
            return
        }
        #expect(line >= 3)
        #expect(column > 0)
        #expect(!problem.isEmpty)
        #expect(error?.description.contains(path) == true)
    }

    @Test func wrongShapesAreFieldErrors() throws {
        let path = try folder.write("shape.yaml", "current-context: x\nclusters: {c: 1}\n")
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, environment: [:]) }
        #expect(error?.field == "clusters")
        let noName = try folder.write("noname.yaml", "clusters:\n- cluster: {server: https://x}\n")
        #expect(kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: noName, environment: [:]) }?.field == "clusters[0].name")
        let insecureString = try folder.write("insecure.yaml", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://c, insecure-skip-tls-verify: "true"}}]
        contexts: [{name: x, context: {cluster: c}}]
        """)
        let bad = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: insecureString, environment: [:]) }
        #expect(bad?.field == "clusters[\"c\"].cluster.insecure-skip-tls-verify")
    }

    @Test func badBase64NamesTheFieldAndNotTheValue() throws {
        let path = try folder.write("b64.yaml", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://c}}]
        users: [{name: u, user: {client-certificate-data: \(configBase64("C")), client-key-data: "sekrit!!key"}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        """)
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, environment: [:]) }
        #expect(error?.reason == .invalidBase64)
        #expect(error?.field == "users[\"u\"].user.client-key-data")
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("sekrit") == false)
    }

    @Test func certificateAuthorityTogetherWithInsecureIsRefused() throws {
        let path = try folder.write("insecure-ca.yaml", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://c, insecure-skip-tls-verify: true, certificate-authority-data: \(configBase64("CA"))}}]
        contexts: [{name: x, context: {cluster: c}}]
        """)
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, environment: [:]) }
        #expect(error?.reason == .caWithInsecure)
        #expect(error?.field == "clusters[\"c\"].cluster.insecure-skip-tls-verify")
        #expect(error?.description.contains(path) == true)

        let insecureOnly = try folder.write("insecure-only.yaml", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://c, insecure-skip-tls-verify: yes}}]
        contexts: [{name: x, context: {cluster: c}}]
        """)
        #expect(try KubeConfigLoader.load(explicitPath: insecureOnly, environment: [:]).tls.insecureSkipTLSVerify)
    }

    @Test func unreadableReferencedFileNamesBoth() throws {
        let path = try folder.write("ref.yaml", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://c, certificate-authority: missing/ca.pem}}]
        contexts: [{name: x, context: {cluster: c}}]
        """)
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, environment: [:]) }
        #expect(error?.field == "clusters[\"c\"].cluster.certificate-authority")
        guard case .unreadableReferencedFile(let referenced, _)? = error?.reason else {
            Issue.record("expected an unreadable referenced file, got \(String(describing: error))")
            return
        }
        #expect(referenced == folder.file("missing/ca.pem"))
        #expect(error?.description.contains(path) == true)
    }

    @Test func certificateWithoutKeyIsRefused() throws {
        let path = try folder.write("halfcert.yaml", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://c}}]
        users: [{name: u, user: {client-certificate-data: \(configBase64("C"))}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        """)
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, environment: [:]) }
        #expect(error?.field == "users[\"u\"].user.client-key")
    }

    @Test func secretsNeverAppearInDescriptions() throws {
        let path = try folder.write("secret.yaml", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://c}}]
        users: [{name: u, user: {token: super-secret-token}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        """)
        let config = try KubeConfigLoader.load(explicitPath: path, environment: [:])
        #expect(!"\(config)".contains("super-secret-token"))
    }

    private func user(_ lines: String, server: String = "https://c") throws -> String {
        try folder.write("user-\(UUID().uuidString).yaml", """
        current-context: x
        clusters: [{name: c, cluster: {server: "\(server)"}}]
        users:
        - name: u
          user:
        \(lines.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        contexts: [{name: x, context: {cluster: c, user: u}}]
        """)
    }

    /// client-go: the token file's last good read wins over an inline token.
    @Test func tokenFileWinsOverToken() async throws {
        try folder.write("t.txt", "from-file\n")
        let path = try user("token: inline\ntokenFile: \(folder.file("t.txt"))")
        #expect(try await token(try KubeConfigLoader.load(explicitPath: path, environment: [:])) == "from-file")
    }

    @Test func basicAuthAndImpersonation() async throws {
        let path = try user("""
        username: alice
        password: "0123"
        as: jane
        as-uid: "42"
        as-groups: [dev, ops]
        as-user-extra: {"reason/x": [audit], scopes: [a, b]}
        """)
        let config = try KubeConfigLoader.load(explicitPath: path, environment: [:])
        let credentials = try await config.credentials.credentials(refresh: false)
        #expect(credentials.basicAuth == BasicAuth(username: "alice", password: SecretString("0123")))
        #expect(credentials.bearerToken == nil)
        #expect(config.impersonation == Impersonation(user: "jane", uid: "42", groups: ["dev", "ops"], extra: ["reason/x": ["audit"], "scopes": ["a", "b"]]))
        #expect(config.impersonation.headerLines == [
            "Impersonate-User: jane", "Impersonate-Uid: 42", "Impersonate-Group: dev", "Impersonate-Group: ops",
            "Impersonate-Extra-reason%2Fx: audit", "Impersonate-Extra-scopes: a", "Impersonate-Extra-scopes: b"])
        #expect(!"\(credentials)".contains("0123"), "the password is redacted")
    }

    @Test func tokenWithBasicAuthIsRefused() throws {
        let path = try user("token: t\nusername: alice\npassword: p")
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, environment: [:]) }
        #expect(error?.field == "users[\"u\"].user.username")
        #expect(error?.description.contains("cannot both be set") == true)
    }

    /// As kubectl: no credentials for a plain http server, a warning naming what was withheld;
    /// impersonation stays.
    @Test func plainHTTPServerGetsNoCredentials() async throws {
        let path = try user("token: secret-token\nas: jane", server: "http://127.0.0.1:8080")
        let config = try KubeConfigLoader.load(explicitPath: path, environment: [:])
        #expect(try await token(config) == nil)
        #expect(config.impersonation.user == "jane")
        #expect(config.warnings.count == 1)
        #expect(config.warnings.first?.contains("token not sent") == true && config.warnings.first?.contains("plain http") == true)
        #expect(config.warnings.first?.contains("secret-token") == false)
    }

    @Test func authProviderNamesTheFix() throws {
        let path = try user("auth-provider: {name: gcp, config: {access-token: very-secret}}")
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: path, environment: [:]) }
        #expect(error?.reason == .authProviderUnsupported("gcp"))
        #expect(error?.field == "users[\"u\"].user.auth-provider")
        #expect(error?.description.contains("exec credential plugin") == true)
        #expect(error?.description.contains("gke-gcloud-auth-plugin") == true)
        #expect(error?.description.contains("very-secret") == false)
    }

    @Test func proxySchemes() throws {
        for proxy in ["http://p:3128", "https://p:3129", "socks5://p:1080"] {
            let path = try folder.write("proxy.yaml", """
            current-context: x
            clusters: [{name: c, cluster: {server: https://c, proxy-url: "\(proxy)"}}]
            contexts: [{name: x, context: {cluster: c}}]
            """)
            #expect(try KubeConfigLoader.load(explicitPath: path, environment: [:]).proxyURL == proxy)
        }
        let bad = try folder.write("bad-proxy.yaml", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://c, proxy-url: "ftp://user:pw@p"}}]
        contexts: [{name: x, context: {cluster: c}}]
        """)
        let error = kubeConfigError { _ = try KubeConfigLoader.load(explicitPath: bad, environment: [:]) }
        #expect(error?.field == "clusters[\"c\"].cluster.proxy-url")
        #expect(error?.description.contains("pw") == false)
    }
}
