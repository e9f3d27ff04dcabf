import Foundation
import KubeAPI
import KubeClient
import Testing
import TestSupport
@testable import KubeEmulator

/// kubectl as the oracle: the same kubeconfig given to the real `kubectl get gatewayagents` and
/// to the built `gateway-medic check` must reach the emulator as the same identity — the same
/// Authorization header, impersonation headers and client certificate — case by case.
@Suite(.serialized, .timeLimit(.minutes(3))) struct E2EKubectlParityTests {
    static let kubectl = "/usr/bin/kubectl"

    /// One row of the table: the files to write and how both programs are pointed at them.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        /// Writes the kubeconfig(s); returns the environment additions (KUBECONFIG, variables) for both programs.
        var setup: @Sendable (E2ECluster, LoopbackConnectProxy) throws -> [String: String]
        /// The identity both must present (nil: only compare the two).
        var expected: (@Sendable (E2ECluster) throws -> RequestIdentity)?
        /// Both must be let in (a 2xx on the list).
        var authenticated = true
        var description: String { name }
    }

    static let serverName = "localhost"
    /// Stands for the test client certificate's serial, read with openssl when the row runs.
    static let clientCertificate = "the test client certificate"

    static let cases: [Case] = [
        Case(name: "token", setup: { c, _ in
            ["KUBECONFIG": try c.writeKubeconfig("token.yaml", user: ["token: \(c.token)"])]
        }, expected: { c in RequestIdentity(authorization: "Bearer \(c.token)") }),
        Case(name: "tokenFile", setup: { c, _ in
            try c.folder.write("secrets/token", c.token + "\n")
            return ["KUBECONFIG": try c.writeKubeconfig("token-file.yaml", user: ["tokenFile: secrets/token"])]
        }, expected: { c in RequestIdentity(authorization: "Bearer \(c.token)") }),
        Case(name: "token and tokenFile: the file wins", setup: { c, _ in
            try c.folder.write("secrets/token", c.token + "\n")
            return ["KUBECONFIG": try c.writeKubeconfig("both.yaml", user: ["token: inline-loses", "tokenFile: secrets/token"])]
        }, expected: { c in RequestIdentity(authorization: "Bearer \(c.token)") }),
        Case(name: "client certificate files", setup: { c, _ in
            ["KUBECONFIG": try c.writeKubeconfig("cert-files.yaml", user: ["client-certificate: pki/client.crt", "client-key: pki/client.key"])]
        }, expected: { c in RequestIdentity(clientCertificateSerial: Self.clientCertificate) }),
        Case(name: "client certificate data", setup: { c, _ in
            ["KUBECONFIG": try c.writeKubeconfig("cert-data.yaml", user: [
                "client-certificate-data: \(try c.base64("client.crt"))", "client-key-data: \(try c.base64("client.key"))"])]
        }, expected: { c in RequestIdentity(clientCertificateSerial: Self.clientCertificate) }),
        Case(name: "exec v1 with env and an inherited variable", setup: { c, _ in
            try execCase(c, apiVersion: "client.authentication.k8s.io/v1", file: "exec-v1.yaml")
        }, expected: { c in RequestIdentity(authorization: "Bearer \(c.token)") }),
        Case(name: "exec v1beta1 with env and an inherited variable", setup: { c, _ in
            try execCase(c, apiVersion: "client.authentication.k8s.io/v1beta1", file: "exec-v1beta1.yaml")
        }, expected: { c in RequestIdentity(authorization: "Bearer \(c.token)") }),
        Case(name: "basic auth", setup: { c, _ in
            ["KUBECONFIG": try c.writeKubeconfig("basic.yaml", user: ["username: alice", "password: \"0123 pass\""])]
        }, expected: { _ in RequestIdentity(authorization: "Basic " + Data("alice:0123 pass".utf8).base64EncodedString()) }),
        Case(name: "impersonation", setup: { c, _ in
            ["KUBECONFIG": try c.writeKubeconfig("impersonate.yaml", user: [
                "token: \(c.token)", "as: jane", "as-uid: \"1234\"", "as-groups: [developers, \"system:authenticated\"]",
                "as-user-extra: {scopes: [view, edit], team: [net]}"])]
        }, expected: { c in
            RequestIdentity(authorization: "Bearer \(c.token)", impersonation: [
                "impersonate-extra-scopes: edit", "impersonate-extra-scopes: view", "impersonate-extra-team: net",
                "impersonate-group: developers", "impersonate-group: system:authenticated",
                "impersonate-uid: 1234", "impersonate-user: jane"].sorted())
        }),
        Case(name: "several KUBECONFIG files with overlapping names", setup: { c, _ in
            let first = try c.writeKubeconfig("merged/first.yaml", user: ["token: \(c.token)"], cluster: ["certificate-authority: ../pki/ca.crt"])
            let second = try c.folder.write("merged/second.yaml", """
                clusters:
                - name: emulator
                  cluster: {server: "https://127.0.0.1:1"}
                users:
                - name: tester
                  user: {token: from-the-second-file}
                - name: extra
                  user: {token: unused}
                contexts:
                - name: e2e
                  context: {cluster: emulator, user: extra}
                current-context: e2e

                """)
            return ["KUBECONFIG": "\(second.replacingOccurrences(of: "second", with: "absent")):\(first):\(second)"]
        }, expected: { c in RequestIdentity(authorization: "Bearer \(c.token)") }),
        Case(name: "a relative KUBECONFIG path and relative files in it", setup: { c, _ in
            try c.writeKubeconfig("rel/config", user: ["client-certificate: ../pki/client.crt", "client-key: ../pki/client.key"],
                                  cluster: ["certificate-authority: ../pki/ca.crt"])
            return ["KUBECONFIG": "rel/config"]  // both run in the fixture folder
        }, expected: { c in RequestIdentity(clientCertificateSerial: Self.clientCertificate) }),
        Case(name: "proxy-url through a CONNECT proxy on loopback", setup: { c, proxy in
            ["KUBECONFIG": try c.writeKubeconfig("proxy.yaml", user: ["token: \(c.token)"],
                                                 cluster: ["certificate-authority: pki/ca.crt", "proxy-url: \(proxy.url)"])]
        }, expected: { c in RequestIdentity(authorization: "Bearer \(c.token)") }),
        Case(name: "proxy-url socks5 on loopback", setup: { c, proxy in
            ["KUBECONFIG": try c.writeKubeconfig("socks.yaml", user: ["token: \(c.token)"],
                                                 cluster: ["certificate-authority: pki/ca.crt", "proxy-url: \(proxy.socks5URL)"])]
        }, expected: { c in RequestIdentity(authorization: "Bearer \(c.token)") }),
        Case(name: "tls-server-name", setup: { c, _ in
            // The server certificate names 127.0.0.1 and localhost: reached by IP, verified as localhost.
            ["KUBECONFIG": try c.writeKubeconfig("server-name.yaml", user: ["token: \(c.token)"],
                                                 cluster: ["certificate-authority: pki/ca.crt", "tls-server-name: \(serverName)"])]
        }, expected: { c in RequestIdentity(authorization: "Bearer \(c.token)") }),
        Case(name: "insecure-skip-tls-verify", setup: { c, _ in
            ["KUBECONFIG": try c.writeKubeconfig("insecure.yaml", user: ["token: \(c.token)"], cluster: ["insecure-skip-tls-verify: true"])]
        }, expected: { c in RequestIdentity(authorization: "Bearer \(c.token)") }),
    ]

    /// An exec plugin whose token is assembled from an inherited variable and one from the
    /// kubeconfig's `env`: only a plugin that got both prints the accepted token.
    static func execCase(_ c: E2ECluster, apiVersion: String, file: String) throws -> [String: String] {
        let half = c.token.count / 2
        let (inherited, fromEnv) = (String(c.token.prefix(half)), String(c.token.dropFirst(half)))
        try c.folder.write("bin/credential-plugin", """
            #!/bin/sh
            printf '{"apiVersion": "%s", "kind": "ExecCredential", "status": {"token": "%s%s"}}' "$PLUGIN_API" "$E2E_INHERITED" "$E2E_FROM_ENV"
            """, executable: true)
        let path = try c.writeKubeconfig(file, user: [
            "exec:", "  apiVersion: \(apiVersion)", "  command: credential-plugin", "  interactiveMode: Never",
            "  env: [{name: E2E_FROM_ENV, value: \"\(fromEnv)\"}, {name: PLUGIN_API, value: \"\(apiVersion)\"}]"])
        return ["KUBECONFIG": path, "E2E_INHERITED": inherited, "PATH": "\(c.folder.file("bin")):/usr/bin:/bin"]
    }

    @Test(arguments: cases)
    func kubectlAndCheckPresentTheSameIdentity(_ row: Case) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.kubectl) else {
            missingTool("kubectl not installed at \(Self.kubectl): kubectl parity test skipped")
            return
        }
        let medic = try #require(BuiltProduct.path("gateway-medic"), "gateway-medic not built: \(BuiltProduct.candidates("gateway-medic"))")
        try await withE2ECluster(seconds: 90, configure: { $0.basicAuthUsers = ["alice": "0123 pass"] }) { cluster in
            let proxy = try LoopbackConnectProxy()
            defer { proxy.stop() }
            var env = ["HOME": cluster.folder.path, "PATH": "/usr/bin:/bin"]
            env.merge(try row.setup(cluster, proxy)) { $1 }
            let (kubectlSeen, medicSeen) = try await Self.runBoth(medic: medic, env: env, in: cluster.folder.path, server: cluster.server,
                                                                   authenticated: row.authenticated)
            #expect(kubectlSeen == medicSeen, "\(row): kubectl \(kubectlSeen) vs gateway-medic \(medicSeen)")
            if var expected = try row.expected?(cluster) {
                // The server URL's host, also with tls-server-name (only the handshake uses that name).
                expected.authority = expected.authority ?? URLComponents(string: cluster.url).map { "\($0.host ?? ""):\($0.port ?? 0)" }
                if expected.clientCertificateSerial == Self.clientCertificate {
                    expected.clientCertificateSerial = try await cluster.clientSerial()
                }
                #expect(medicSeen == [expected], "\(row)")
            }
            if row.name.hasPrefix("proxy-url through") {
                #expect(proxy.connectTargets.count >= 2, "both went through the proxy: \(proxy.connectTargets)")
                #expect(Set(proxy.connectTargets) == ["127.0.0.1:\(cluster.port)"])
            } else if row.name.hasPrefix("proxy-url socks5") {
                #expect(proxy.connectTargets.count >= 2, "both went through the proxy: \(proxy.connectTargets)")
                #expect(Set(proxy.connectTargets) == ["socks5 127.0.0.1:\(cluster.port)"])
            } else {
                #expect(proxy.connectTargets.isEmpty)
            }
        }
    }

    /// A token, a password and an exec plugin are not sent to a plain http server, by either
    /// program; impersonation is the same for both; gateway-medic says why on stderr.
    @Test func plainHTTPServerGetsNoCredentials() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.kubectl) else { return }
        let medic = try #require(BuiltProduct.path("gateway-medic"))
        let folder = try ConfigFixtureFolder()
        let token = "http-token-\(UUID().uuidString)"
        let server = EmulatedAPIServer(configuration: EmulatorConfiguration(bearerToken: token))
        try await server.start()
        defer { Task { await server.stop() } }
        let kubeconfig = try folder.write("http.yaml", """
            clusters: [{name: plain, cluster: {server: "\(server.baseURL)"}}]
            users: [{name: u, user: {token: \(token), as: jane, as-groups: [developers]}}]
            contexts: [{name: c, context: {cluster: plain, user: u}}]
            current-context: c

            """)
        let env = ["HOME": folder.path, "PATH": "/usr/bin:/bin", "KUBECONFIG": kubeconfig]
        let (kubectlSeen, medicSeen) = try await Self.runBoth(medic: medic, env: env, in: folder.path, server: server, authenticated: false)
        #expect(kubectlSeen == medicSeen, "kubectl \(kubectlSeen) vs gateway-medic \(medicSeen)")
        #expect(medicSeen.allSatisfy { $0.authorization == nil }, "\(medicSeen)")
        #expect(medicSeen.allSatisfy { $0.impersonation == ["impersonate-group: developers", "impersonate-user: jane"] }, "\(medicSeen)")
        let check = try await ChildProcess.run(medic, ["check"], environment: env, timeout: .seconds(30))
        #expect(check.stderr.contains("plain http"), "\(check.stderr)")
        #expect(!check.stderr.contains(token))
    }

    @Test func authProviderIsRefusedNamingTheFix() async throws {
        let medic = try #require(BuiltProduct.path("gateway-medic"))
        let folder = try ConfigFixtureFolder()
        let kubeconfig = try folder.write("oidc.yaml", """
            clusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]
            users: [{name: u, user: {auth-provider: {name: oidc, config: {id-token: secret-id-token}}}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            current-context: c

            """)
        let check = try await ChildProcess.run(medic, ["check", "--kubeconfig", kubeconfig], environment: ["HOME": folder.path], timeout: .seconds(30))
        #expect(check.status == 2)
        #expect(check.stderr.contains("auth-provider \"oidc\" is not supported"), "\(check.stderr)")
        #expect(check.stderr.contains("kubelogin"), "\(check.stderr)")
        #expect(!check.stderr.contains("secret-id-token"))
    }

    /// Runs kubectl, then gateway-medic check, and returns the distinct identities each presented.
    static func runBoth(medic: String, env: [String: String], in directory: String, server: EmulatedAPIServer,
                        authenticated: Bool) async throws -> (kubectl: Set<RequestIdentity>, medic: Set<RequestIdentity>) {
        let before = server.requestLog.count
        let get = try await ChildProcess.run("/bin/sh", ["-c", "cd \"$1\" && shift && exec \"$@\"", "sh", directory, kubectl,
                                                        "--request-timeout=10s", "get", "gatewayagents", "-n", "default"],
                                           environment: env, timeout: .seconds(30))
        if authenticated { #expect(get.status == 0, "kubectl: \(get.stderr)") }
        let middle = server.requestLog.count
        let check = try await ChildProcess.run("/bin/sh", ["-c", "cd \"$1\" && shift && exec \"$@\"", "sh", directory, medic, "check"],
                                             environment: env, timeout: .seconds(30))
        if authenticated { #expect(check.status != 2, "gateway-medic check: \(check.stderr)") }
        let log = server.requestLog
        let kubectlRecords = log[before..<middle], medicRecords = log[middle...]
        #expect(!kubectlRecords.isEmpty && !medicRecords.isEmpty, "kubectl: \(get.stderr)\ncheck: \(check.stderr)")
        if authenticated {
            #expect(medicRecords.allSatisfy { $0.code < 400 }, "check got \(medicRecords.map(\.code)): \(check.stderr)")
        }
        return (Set(kubectlRecords.map(\.identity)), Set(medicRecords.map(\.identity)))
    }
}

extension E2ECluster {
    /// The serial number of the test client certificate, as the emulator's log writes it (lowercase hex).
    func clientSerial() async throws -> String {
        let openssl = try #require(ChildProcess.which("openssl"))
        let result = try await ChildProcess.run(openssl, ["x509", "-noout", "-serial", "-in", pki.path("client.crt")])
        let hex = try #require(result.stdout.split(separator: "=").last).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return hex.count % 2 == 0 ? hex : "0" + hex
    }
}
