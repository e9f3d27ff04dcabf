import Foundation
import KubeClient
import Testing

@Suite struct ConfigInClusterTests {
    let folder: ConfigFixtureFolder
    init() throws { folder = try ConfigFixtureFolder() }

    func serviceAccount(namespace: String? = "medic-system", token: Bool = true) throws -> String {
        let dir = folder.file("sa")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if token { try folder.write("sa/token", "sa-token-1\n") }
        try folder.write("sa/ca.crt", "CLUSTER-CA")
        if let namespace { try folder.write("sa/namespace", namespace + "\n") }
        return dir
    }

    @Test func readsTheServiceAccountFolder() async throws {
        let dir = try serviceAccount()
        let config = try InClusterConfig.load(environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
                                              serviceAccountDirectory: dir)
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.namespace == "medic-system")
        #expect(config.origin == "in-cluster")
        #expect(config.tls.certificateAuthorityPEM == SecretBytes("CLUSTER-CA"))
        #expect(config.tls.insecureSkipTLSVerify == false)
        #expect(try await config.credentials.credentials(refresh: false).bearerToken?.value == "sa-token-1")
        // The bound token rotates on disk: a refresh picks up the new one.
        try folder.write("sa/token", "sa-token-2")
        #expect(try await config.credentials.credentials(refresh: true).bearerToken?.value == "sa-token-2")
    }

    @Test func ipv6HostIsBracketedAndPodNamespaceWins() throws {
        let dir = try serviceAccount()
        let config = try InClusterConfig.load(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00:10:96::1", "KUBERNETES_SERVICE_PORT": "6443", "POD_NAMESPACE": "from-env"],
            serviceAccountDirectory: dir)
        #expect(config.server == "https://[fd00:10:96::1]:6443")
        #expect(config.namespace == "from-env")
    }

    @Test func namespaceDefaultsWhenNoFile() throws {
        let dir = try serviceAccount(namespace: nil)
        let config = try InClusterConfig.load(environment: ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"],
                                              serviceAccountDirectory: dir)
        #expect(config.namespace == "default")
    }

    @Test func bothEnvironmentVariablesAndTheTokenAreRequired() throws {
        let dir = try serviceAccount(token: false)
        do {
            _ = try InClusterConfig.load(environment: ["KUBERNETES_SERVICE_HOST": "h"], serviceAccountDirectory: dir)
            Issue.record("expected an error")
        } catch {
            #expect(error.reason == .missingEnvironment("KUBERNETES_SERVICE_PORT"))
        }
        do {
            _ = try InClusterConfig.load(environment: ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "443"],
                                         serviceAccountDirectory: dir)
            Issue.record("expected an error")
        } catch {
            #expect(error.file == dir)
            #expect(error.field == "token")
            #expect(error.description.contains(folder.file("sa/token")))
        }
    }

    /// controller-runtime's order: --kubeconfig, then $KUBECONFIG, then in-cluster, then ~/.kube/config.
    @Test func resolverPrefersKubeconfigFlagThenKUBECONFIGThenInClusterThenHome() throws {
        let dir = try serviceAccount()
        let kubeconfig = try folder.write("kc.yaml", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://from-kubeconfig}}]
        contexts: [{name: x, context: {cluster: c}}]
        """)
        try folder.write("home/.kube/config", """
        current-context: h
        clusters: [{name: c, cluster: {server: https://from-home}}]
        contexts: [{name: h, context: {cluster: c}}]
        """)
        let service = ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443", "HOME": folder.file("home")]
        let pod = service.merging(["KUBECONFIG": kubeconfig]) { $1 }
        let fromVariable = try ClusterConfigResolver.resolve(kubeconfig: nil, context: nil, environment: pod, serviceAccountDirectory: dir)
        #expect(fromVariable.origin == kubeconfig, "$KUBECONFIG wins over the in-cluster config")
        let explicit = try ClusterConfigResolver.resolve(kubeconfig: kubeconfig, context: nil, environment: service, serviceAccountDirectory: dir)
        #expect(explicit.server == "https://from-kubeconfig")
        let withContext = try ClusterConfigResolver.resolve(kubeconfig: nil, context: "h", environment: service, serviceAccountDirectory: dir)
        #expect(withContext.server == "https://from-home")
        let inCluster = try ClusterConfigResolver.resolve(kubeconfig: nil, context: nil, environment: service, serviceAccountDirectory: dir)
        #expect(inCluster.origin == "in-cluster")
        let laptop = try ClusterConfigResolver.resolve(kubeconfig: nil, context: nil, environment: ["HOME": folder.file("home")])
        #expect(laptop.server == "https://from-home")
    }
}
