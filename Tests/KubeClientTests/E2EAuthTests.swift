import Foundation
import KubeAPI
import KubeClient
import Testing
@testable import KubeEmulator

/// Authentication over real HTTPS: every way a kubeconfig or a pod can present credentials,
/// loaded from files the test writes, against the emulator.
@Suite(.timeLimit(.minutes(1))) struct E2EAuthTests {
    /// A request that needs authentication; returns the namespace list's names.
    private func namespaces(_ client: KubeClient) async throws -> [String] {
        try await client.list(.namespaces, namespace: nil).items.compactMap(\.name)
    }

    @Test func clientCertificateFromKubeconfigDataAndFromFiles() async throws {
        try await withE2ECluster { cluster in
            let fromData = try cluster.writeKubeconfig("cert-data.yaml", user: [
                "client-certificate-data: \(try cluster.base64("client.crt"))",
                "client-key-data: \(try cluster.base64("client.key"))",
            ], cluster: ["certificate-authority-data: \(try cluster.base64("ca.crt"))"])
            let fromFiles = try cluster.writeKubeconfig("cert-files.yaml", user: [
                "client-certificate: pki/client.crt", "client-key: pki/client.key",
            ])
            for path in [fromData, fromFiles] {
                let client = try cluster.client(kubeconfig: path)
                #expect(try await namespaces(client).contains("default"), "kubeconfig \(path)")
            }
            // No token was sent: the certificate alone authenticated both.
            #expect(cluster.server.requestLog.allSatisfy { $0.code == 200 })

            // Without any credentials the same server answers 401.
            let anonymous = try cluster.client(kubeconfig: try cluster.writeKubeconfig("anonymous.yaml", user: []))
            let error = await expectKubeError { _ = try await namespaces(anonymous) }
            #expect(error?.isUnauthorized == true)
        }
    }

    @Test func tokenAndTokenFile() async throws {
        try await withE2ECluster { cluster in
            let client = try cluster.tokenClient()
            #expect(try await namespaces(client).contains("kube-system"))

            try cluster.folder.write("secrets/token", "\(cluster.token)\n")
            let path = try cluster.writeKubeconfig("token-file.yaml", user: ["tokenFile: secrets/token"])
            #expect(try await namespaces(try cluster.client(kubeconfig: path)).contains("default"))
        }
    }

    @Test func execPluginIssuesTokenOrCertificate() async throws {
        try await withE2ECluster { cluster in
            // A plugin printing a token (it checks it was told the apiVersion it must answer with).
            try cluster.folder.write("bin/token-plugin.sh", """
                #!/bin/sh
                case "$KUBERNETES_EXEC_INFO" in *client.authentication.k8s.io/v1*) ;; *) echo "no exec info" >&2; exit 3;; esac
                printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$E2E_TOKEN"

                """, executable: true)
            let tokenPath = try cluster.writeKubeconfig("exec-token.yaml", user: [
                "exec:", "  apiVersion: client.authentication.k8s.io/v1", "  command: ./bin/token-plugin.sh",
                "  interactiveMode: Never", "  env: [{name: E2E_TOKEN, value: \(cluster.token)}]",
            ])
            #expect(try await namespaces(try cluster.client(kubeconfig: tokenPath)).contains("default"))

            // A plugin issuing a client certificate (PEM text in the ExecCredential).
            let credential: JSONValue = [
                "apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                "status": ["clientCertificateData": .string(try cluster.pki.text("client.crt")),
                           "clientKeyData": .string(try cluster.pki.text("client.key"))],
            ]
            try cluster.folder.write("bin/credential.json", credential.jsonString)
            try cluster.folder.write("bin/cert-plugin.sh", "#!/bin/sh\ncat \"$(dirname \"$0\")/credential.json\"\n", executable: true)
            let certPath = try cluster.writeKubeconfig("exec-cert.yaml", user: [
                "exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: bin/cert-plugin.sh, interactiveMode: Never}",
            ])
            #expect(try await namespaces(try cluster.client(kubeconfig: certPath)).contains("default"))
        }
    }

    @Test func certificateAuthorityMismatchNamesURLAndTLSProblem() async throws {
        try await withE2ECluster { cluster in
            let path = try cluster.writeKubeconfig("wrong-ca.yaml", user: ["token: \(cluster.token)"],
                                                   cluster: ["certificate-authority: pki/other-ca.crt"])
            let client = try cluster.client(kubeconfig: path)
            let error = await expectKubeError { _ = try await namespaces(client) }
            guard case .transport(let url, let message)? = error else {
                Issue.record("expected a transport error, got \(String(describing: error))")
                return
            }
            #expect(url.hasPrefix("\(cluster.url)/api/v1/namespaces"))
            let text = error?.description ?? ""
            #expect(text.contains(cluster.url), "\(text)")
            #expect(message.localizedCaseInsensitiveContains("certificate"), "\(message)")
            #expect(!text.contains(cluster.token))
            // The handshake failed: the server never saw a request.
            #expect(cluster.server.requestLog.isEmpty)
        }
    }

    @Test func inClusterServiceAccountMakesARequest() async throws {
        try await withE2ECluster { cluster in
            let account = try cluster.folder.directory("serviceaccount")
            try cluster.folder.write("serviceaccount/token", cluster.token)
            try cluster.folder.write("serviceaccount/ca.crt", try cluster.pki.text("ca.crt"))
            try cluster.folder.write("serviceaccount/namespace", "kube-system\n")
            let config = try InClusterConfig.load(
                environment: ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": String(cluster.port)],
                serviceAccountDirectory: account)
            #expect(config.namespace == "kube-system")
            let client = try KubeClient(config: config, options: E2ECluster.fastOptions)
            let created = try await client.create(.configMaps, namespace: nil, body: configMap("from-pod", namespace: "kube-system"))
            #expect(created[path: "metadata", "namespace"] == "kube-system")
            #expect(try cluster.server.store.get(.configMaps, namespace: "kube-system", name: "from-pod").name == "from-pod")
        }
    }

    @Test func unauthorizedWithRotatedTokenFileRereadsAndSucceeds() async throws {
        try await withE2ECluster { cluster in
            try cluster.folder.write("rotating/token", "expired-token-value")
            let client = try cluster.client(kubeconfig: try cluster.writeKubeconfig("rotating.yaml", user: ["tokenFile: rotating/token"]))
            // The token rotates on disk after the client cached the old one.
            try cluster.folder.write("rotating/token", cluster.token)
            _ = try await client.get(.namespaces, namespace: nil, name: "default")
            let codes = cluster.server.requestLog.map(\.code)
            #expect(codes == [401, 200], "one 401 with the cached token, then the re-read token works")
        }
    }

    @Test func secretsNeverAppearInErrors() async throws {
        try await withE2ECluster { cluster in
            let wrongToken = "wrong-secret-\(UUID().uuidString)"
            var descriptions: [String] = []
            let bad = try cluster.client(kubeconfig: try cluster.writeKubeconfig("bad-token.yaml", user: ["token: \(wrongToken)"]))
            if let error = await expectKubeError({ _ = try await namespaces(bad) }) {
                #expect(error.isUnauthorized)
                descriptions.append(error.description)
                descriptions.append(String(reflecting: error))
            }
            // A client certificate against the wrong CA: the key is in memory, never in the message.
            let mismatch = try cluster.client(kubeconfig: try cluster.writeKubeconfig("bad-ca.yaml", user: [
                "client-certificate: pki/client.crt", "client-key: pki/client.key",
            ], cluster: ["certificate-authority: pki/other-ca.crt"]))
            if let error = await expectKubeError({ _ = try await namespaces(mismatch) }) {
                descriptions.append(error.description)
                descriptions.append(String(reflecting: error))
            }
            // A failing exec plugin that prints a token on stdout.
            try cluster.folder.write("bin/leaky.sh", "#!/bin/sh\necho '{\"status\":{\"token\":\"\(wrongToken)\"}}'\nexit 1\n", executable: true)
            let leaky = try cluster.client(kubeconfig: try cluster.writeKubeconfig("leaky.yaml", user: [
                "exec: {apiVersion: client.authentication.k8s.io/v1, command: bin/leaky.sh, interactiveMode: Never}",
            ]))
            if let error = await expectKubeError({ _ = try await namespaces(leaky) }) {
                descriptions.append(error.description)
            }
            let config = try KubeConfigLoader.load(explicitPath: cluster.folder.file("bad-ca.yaml"), environment: [:])
            descriptions.append(String(describing: config.tls))
            descriptions.append(String(reflecting: config.tls))

            let key = try cluster.pki.text("client.key")
            let keyBody = key.split(separator: "\n").dropFirst().first.map(String.init) ?? key
            #expect(descriptions.count == 7)
            for text in descriptions {
                #expect(!text.contains(wrongToken), "\(text)")
                #expect(!text.contains(cluster.token), "\(text)")
                #expect(!text.contains(keyBody), "\(text)")
            }
        }
    }
}
