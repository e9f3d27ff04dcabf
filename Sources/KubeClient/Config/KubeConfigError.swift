/// Why a kubeconfig (or the in-cluster service account) could not give a `ClusterConfig`, or why
/// an exec plugin / token file could not give credentials. Always names the file and, when there
/// is one, the field (`users["admin"].user.client-key-data`). Never holds a token or a key.
public struct KubeConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case fileNotFound
        /// The file exists but could not be read (permissions, a folder, ...).
        case unreadable(String)
        case malformedYAML(line: Int, column: Int, problem: String)
        /// A field of the wrong type or with a value that cannot be used.
        case invalidField(String)
        case missingField
        /// Neither `--context` nor `current-context`.
        case noCurrentContext
        case contextNotFound(String)
        case clusterNotFound(String)
        case userNotFound(String)
        case invalidBase64
        /// `certificate-authority(-data)` together with `insecure-skip-tls-verify: true`.
        case caWithInsecure
        /// A file the kubeconfig names (CA, client certificate or key, token file).
        case unreadableReferencedFile(path: String, detail: String)
        /// `KUBECONFIG` named only files that do not exist.
        case noConfiguration
        /// In-cluster: a required environment variable is unset.
        case missingEnvironment(String)
        /// An exec credential plugin failed; `detail` never holds its stdout (it may hold a token).
        case execPluginFailed(command: String, detail: String)
        /// A user's `auth-provider` (oidc, gcp, azure): removed from kubectl, not supported here.
        case authProviderUnsupported(String)
    }

    /// The kubeconfig file, the service-account file, or the `KUBECONFIG` list.
    public var file: String
    /// The field within the file, when the problem is a field.
    public var field: String?
    public var reason: Reason

    public init(file: String, field: String? = nil, reason: Reason) {
        self.file = file
        self.field = field
        self.reason = reason
    }

    public var description: String {
        let place = field.map { "\(file): \($0)" } ?? file
        switch reason {
        case .fileNotFound: return "\(place): file not found"
        case .unreadable(let detail): return "\(place): cannot read the file: \(detail)"
        case .malformedYAML(let line, let column, let problem): return "\(place): malformed YAML at line \(line), column \(column): \(problem)"
        case .invalidField(let detail): return "\(place): \(detail)"
        case .missingField: return "\(place): required but missing"
        case .noCurrentContext: return "\(place): no current context (set current-context or pass --context)"
        case .contextNotFound(let name): return "\(place): context \"\(name)\" not found"
        case .clusterNotFound(let name): return "\(place): cluster \"\(name)\" not found"
        case .userNotFound(let name): return "\(place): user \"\(name)\" not found"
        case .invalidBase64: return "\(place): not valid base64"
        case .caWithInsecure:
            return "\(place): a certificate authority and insecure-skip-tls-verify cannot both be set (remove one)"
        case .unreadableReferencedFile(let path, let detail): return "\(place): cannot read \(path): \(detail)"
        case .noConfiguration: return "\(place): none of the listed kubeconfig files exists"
        case .missingEnvironment(let name): return "\(place): environment variable \(name) is not set"
        case .execPluginFailed(let command, let detail): return "\(place): exec plugin \"\(command)\" failed: \(detail)"
        case .authProviderUnsupported(let name):
            return "\(place): auth-provider \"\(name)\" is not supported (kubectl dropped auth providers too): "
                + "use an exec credential plugin instead, e.g. kubelogin (`kubectl oidc-login`) for oidc, "
                + "gke-gcloud-auth-plugin for gcp, kubelogin (`kubelogin convert-kubeconfig`) for azure"
        }
    }
}
