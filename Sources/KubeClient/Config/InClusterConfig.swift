import Foundation

/// The configuration of a pod talking to its own cluster: the API server from the service
/// environment variables, the service-account token (re-read as it rotates), its CA and namespace.
public enum InClusterConfig {
    public static let defaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            serviceAccountDirectory: String = defaultServiceAccountDirectory,
                            now: @escaping @Sendable () -> Date = { Date() }) throws(KubeConfigError) -> ClusterConfig {
        let origin = "in-cluster environment"
        guard var host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw KubeConfigError(file: origin, field: "KUBERNETES_SERVICE_HOST", reason: .missingEnvironment("KUBERNETES_SERVICE_HOST"))
        }
        guard let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw KubeConfigError(file: origin, field: "KUBERNETES_SERVICE_PORT", reason: .missingEnvironment("KUBERNETES_SERVICE_PORT"))
        }
        guard let portNumber = Int(port), (1...65535).contains(portNumber) else {
            throw KubeConfigError(file: origin, field: "KUBERNETES_SERVICE_PORT", reason: .invalidField("\"\(port)\" is not a port number"))
        }
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }  // IPv6 literal

        let directory = serviceAccountDirectory
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        let credentials = try TokenFileCredentials(path: path("token"), origin: directory, field: "token", now: now)

        var tls = TLSSettings()
        // As client-go: a missing ca.crt leaves the system's trust roots in place.
        if FileManager.default.fileExists(atPath: path("ca.crt")) {
            tls.certificateAuthorityPEM = SecretBytes(try FileText.readBytes(path("ca.crt"), file: directory, field: "ca.crt"))
        }

        var namespace = environment["POD_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 }
        if namespace == nil, let text = try? FileText.read(path("namespace"), file: directory, field: "namespace") {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            namespace = trimmed.isEmpty ? nil : trimmed
        }
        return ClusterConfig(server: "https://\(host):\(portNumber)", tls: tls, credentials: credentials,
                             namespace: namespace ?? "default", origin: "in-cluster")
    }
}
