import Foundation

/// Picks where the configuration comes from, as controller-runtime does: `--kubeconfig` (or
/// `--context`), then `$KUBECONFIG`, then in a pod (KUBERNETES_SERVICE_HOST set) the service
/// account, then `~/.kube/config`.
public enum ClusterConfigResolver {
    public static func resolve(kubeconfig: String?, context: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               homeDirectory: String? = nil,
                               serviceAccountDirectory: String = InClusterConfig.defaultServiceAccountDirectory) throws(KubeConfigError) -> ClusterConfig {
        let explicit = (kubeconfig?.isEmpty == false) || (context?.isEmpty == false) || (environment["KUBECONFIG"]?.isEmpty == false)
        if !explicit, let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty {
            return try InClusterConfig.load(environment: environment, serviceAccountDirectory: serviceAccountDirectory)
        }
        return try KubeConfigLoader.load(explicitPath: kubeconfig, context: context, environment: environment, homeDirectory: homeDirectory)
    }
}
