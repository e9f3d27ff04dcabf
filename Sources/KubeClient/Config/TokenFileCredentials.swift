import Foundation

/// A bearer token read from a file that may change on disk (the in-cluster bound service-account
/// token rotates; a kubeconfig `tokenFile` may be refreshed by another tool). The cached copy
/// is re-read when it is older than `maxAge`, and on `refresh: true` (after a 401). When a
/// re-read fails the previous token is kept, as client-go does.
public actor TokenFileCredentials: CredentialProvider {
    public nonisolated let path: String
    /// For error messages: the kubeconfig or service-account folder that named the file.
    private let origin: String
    private let field: String?
    private let maxAge: TimeInterval
    private let now: @Sendable () -> Date
    private var token: SecretString
    private var readAt: Date

    /// Reads the file once now: a missing or empty token file is a configuration error.
    public init(path: String, origin: String? = nil, field: String? = nil, maxAge: TimeInterval = 60,
                now: @escaping @Sendable () -> Date = { Date() }) throws(KubeConfigError) {
        self.path = path
        self.origin = origin ?? path
        self.field = field
        self.maxAge = maxAge
        self.now = now
        token = try TokenFileCredentials.readToken(path: path, origin: origin ?? path, field: field)
        readAt = now()
    }

    public func credentials(refresh: Bool) async throws -> Credentials {
        let current = now()
        if refresh || current.timeIntervalSince(readAt) >= maxAge {
            // A failed read keeps the old token: the file may be mid-rotation.
            if let fresh = try? Self.readToken(path: path, origin: origin, field: field) {
                token = fresh
                readAt = current
            }
        }
        return Credentials(bearerToken: token)
    }

    static func readToken(path: String, origin: String, field: String?) throws(KubeConfigError) -> SecretString {
        let text = try FileText.read(path, file: origin, field: field ?? "token file")
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw KubeConfigError(file: origin, field: field ?? "token file",
                                  reason: .unreadableReferencedFile(path: path, detail: "the token file is empty"))
        }
        return SecretString(token)
    }
}
