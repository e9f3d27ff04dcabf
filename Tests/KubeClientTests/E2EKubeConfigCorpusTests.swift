import Foundation
import KubeAPI
import KubeClient
import Testing
@testable import KubeEmulator

/// What the kubeconfig corpus in KubeConfigLoaderTests does not reach: a merged KUBECONFIG list
/// whose files live in different folders, each resolving its relative paths against its own
/// folder, and then actually reaching the server; and the refusals of such a list.
@Suite(.timeLimit(.minutes(1))) struct E2EKubeConfigCorpusTests {
    @Test func mergedListWithRelativePathsPerFileReachesTheServer() async throws {
        try await withE2ECluster { cluster in
            let folder = cluster.folder
            // Cluster and context in one folder, the user (certificate files) in another.
            try folder.write("team/certs/ca.pem", try cluster.pki.text("ca.crt"))
            let clusterFile = try folder.write("team/cluster.yaml", """
                current-context: merged
                clusters:
                - name: emulator
                  cluster: {server: "\(cluster.url)", certificate-authority: certs/ca.pem}
                contexts:
                - name: merged
                  context: {cluster: emulator, user: me, namespace: kube-public}

                """)
            try folder.write("home/me/tls/client.crt", try cluster.pki.text("client.crt"))
            try folder.write("home/me/tls/client.key", try cluster.pki.text("client.key"))
            let userFile = try folder.write("home/me/user.yaml", """
                users:
                - name: me
                  user: {client-certificate: tls/client.crt, client-key: tls/client.key}
                # A later file never overrides an earlier one's context.
                current-context: ignored

                """)
            let env = ["KUBECONFIG": "\(clusterFile):\(folder.file("absent.yaml")):\(userFile)", "HOME": folder.path]
            let config = try KubeConfigLoader.load(explicitPath: nil, environment: env)
            #expect(config.namespace == "kube-public")
            #expect(config.origin == clusterFile)
            let client = try KubeClient(config: config, options: E2ECluster.fastOptions)
            let list = try await client.list(.namespaces, namespace: nil)
            #expect(list.items.contains { $0.name == "kube-public" })
        }
    }

    @Test func mergedListRefusalsNameTheFileAndTheField() throws {
        let folder = try ConfigFixtureFolder()
        let contextFile = try folder.write("a/config", """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]

            """)
        // The user's certificate is relative to its own file's folder, where it is missing.
        let userFile = try folder.write("b/config", "users: [{name: u, user: {client-certificate: gone.crt, client-key: gone.key}}]\n")
        let env = ["KUBECONFIG": "\(contextFile):\(userFile)"]
        do {
            _ = try KubeConfigLoader.load(explicitPath: nil, environment: env)
            Issue.record("a missing referenced file must be refused")
        } catch {
            #expect(error.file == userFile)
            #expect(error.field == "users[\"u\"].user.client-certificate")
            #expect(error.reason == .unreadableReferencedFile(path: folder.file("b/gone.crt"), detail: "no such file"))
            #expect(error.description.contains(userFile) && error.description.contains("client-certificate"))
        }

        // A malformed file anywhere in the list is refused with its own name.
        let broken = try folder.write("c/config", "users:\n  - name: [unterminated\n")
        do {
            _ = try KubeConfigLoader.load(explicitPath: nil, environment: ["KUBECONFIG": "\(contextFile):\(broken)"])
            Issue.record("malformed YAML must be refused")
        } catch {
            #expect(error.file == broken)
            if case .malformedYAML = error.reason {} else { Issue.record("expected malformed YAML, got \(error)") }
        }

        // A context naming a user no file of the list defines.
        do {
            _ = try KubeConfigLoader.load(explicitPath: nil, environment: ["KUBECONFIG": contextFile])
            Issue.record("a missing user must be refused")
        } catch {
            #expect(error.reason == .userNotFound("u"))
            #expect(error.file == contextFile)
            #expect(error.field == "contexts[\"c\"].context.user")
        }
    }
}
