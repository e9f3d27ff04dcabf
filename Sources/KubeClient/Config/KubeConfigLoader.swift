import Foundation

/// Loads a `ClusterConfig` from kubeconfig files the way kubectl finds and merges them.
public struct KubeConfigLoader {
    /// - Parameters:
    ///   - explicitPath: `--kubeconfig`; wins over everything and must exist.
    ///   - context: `--context`; otherwise the merged `current-context`.
    ///   - environment: `KUBECONFIG`, `HOME`, and the environment exec plugins inherit.
    ///   - homeDirectory: where `~/.kube/config` lives; `HOME` (then the user's home) when nil.
    public static func load(explicitPath: String?, context: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            homeDirectory: String? = nil) throws(KubeConfigError) -> ClusterConfig {
        let files = try readFiles(explicitPath: explicitPath, environment: environment, homeDirectory: homeDirectory)
        let merged = MergedKubeConfig(files: files)
        return try merged.clusterConfig(context: context, environment: environment)
    }

    /// A kubeconfig given as text (a Secret's key, a test fixture). `origin` names it in errors
    /// and is where relative certificate and token paths resolve.
    public static func load(yaml text: String, origin: String, context: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(KubeConfigError) -> ClusterConfig {
        let file = try KubeConfigFile.parse(text: text, path: origin)
        return try MergedKubeConfig(files: [file]).clusterConfig(context: context, environment: environment)
    }

    /// The files in precedence order (earlier wins), read and shape-checked.
    static func readFiles(explicitPath: String?, environment: [String: String], homeDirectory: String?) throws(KubeConfigError) -> [KubeConfigFile] {
        if let explicitPath, !explicitPath.isEmpty {
            return [try KubeConfigFile.read(path: absolute(explicitPath))]
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen: Set<String> = []
            var files: [KubeConfigFile] = []
            for entry in list.split(separator: ":").map(String.init) where !entry.isEmpty {
                let path = absolute(entry)
                guard seen.insert(path).inserted else { continue }
                // Missing files in the list are skipped, as kubectl skips them.
                guard FileManager.default.fileExists(atPath: path) else { continue }
                files.append(try KubeConfigFile.read(path: path))
            }
            guard !files.isEmpty else {
                throw KubeConfigError(file: "KUBECONFIG=\(list)", reason: .noConfiguration)
            }
            return files
        }
        let home = homeDirectory ?? environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        return [try KubeConfigFile.read(path: (home as NSString).appendingPathComponent(".kube/config"))]
    }

    private static func absolute(_ path: String) -> String {
        FileText.resolve(path, against: FileManager.default.currentDirectoryPath)
    }
}

/// Several kubeconfig files merged: for each cluster, user and context name the first file that
/// sets it wins; `current-context` comes from the first file that sets it.
struct MergedKubeConfig {
    var files: [KubeConfigFile]
    var clusters: [String: NamedEntry] = [:]
    var users: [String: NamedEntry] = [:]
    var contexts: [String: NamedEntry] = [:]
    var currentContext: (name: String, file: String)?

    init(files: [KubeConfigFile]) {
        self.files = files
        for file in files {
            for entry in file.clusters where clusters[entry.name] == nil { clusters[entry.name] = entry }
            for entry in file.users where users[entry.name] == nil { users[entry.name] = entry }
            for entry in file.contexts where contexts[entry.name] == nil { contexts[entry.name] = entry }
            if currentContext == nil, let name = file.currentContext { currentContext = (name, file.path) }
        }
    }

    /// How errors that concern the merged whole name the files.
    private var fileList: String { files.map(\.path).joined(separator: ":") }

    func clusterConfig(context requested: String?, environment: [String: String]) throws(KubeConfigError) -> ClusterConfig {
        let contextName: String
        if let requested, !requested.isEmpty {
            contextName = requested
        } else if let current = currentContext {
            contextName = current.name
        } else {
            throw KubeConfigError(file: fileList, field: "current-context", reason: .noCurrentContext)
        }
        guard let context = contexts[contextName] else {
            let file = (requested?.isEmpty == false ? nil : currentContext?.file) ?? fileList
            throw KubeConfigError(file: file, field: requested?.isEmpty == false ? "contexts" : "current-context",
                                  reason: .contextNotFound(contextName))
        }
        let fields = FieldReader(file: context.file)
        guard let clusterName = try fields.string(context.body["cluster"], at: "\(context.field).cluster"), !clusterName.isEmpty else {
            throw KubeConfigError(file: context.file, field: "\(context.field).cluster", reason: .missingField)
        }
        guard let cluster = clusters[clusterName] else {
            throw KubeConfigError(file: context.file, field: "\(context.field).cluster", reason: .clusterNotFound(clusterName))
        }
        var user: NamedEntry?
        if let userName = try fields.string(context.body["user"], at: "\(context.field).user"), !userName.isEmpty {
            guard let found = users[userName] else {
                throw KubeConfigError(file: context.file, field: "\(context.field).user", reason: .userNotFound(userName))
            }
            user = found
        }
        let namespace = try fields.string(context.body["namespace"], at: "\(context.field).namespace").flatMap { $0.isEmpty ? nil : $0 }

        let server = try ClusterEntryReader(entry: cluster).read()
        var tls = server.tls
        var credentials: any CredentialProvider = NoCredentials()
        var impersonation = Impersonation()
        var warnings: [String] = []
        if let user {
            let auth = try UserEntryReader(entry: user, environment: environment, cluster: server).read()
            tls.clientCertificatePEM = auth.clientCertificatePEM
            tls.clientKeyPEM = auth.clientKeyPEM
            credentials = auth.credentials
            impersonation = auth.impersonation
            warnings = auth.warnings
        }
        return ClusterConfig(server: server.server, tls: tls, proxyURL: server.proxyURL, credentials: credentials,
                             namespace: namespace ?? "default", origin: context.file,
                             impersonation: impersonation, warnings: warnings)
    }
}
