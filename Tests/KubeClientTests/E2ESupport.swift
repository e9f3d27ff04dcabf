import Foundation
import KubeAPI
import KubeClient
import Testing
import TestSupport
@testable import KubeEmulator

// Shared fixtures of the end-to-end tests: the real client over real HTTPS on loopback against
// the emulator. Key material is made at run time with the `openssl` CLI; nothing is committed.

struct E2ETimeout: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "the test did not finish within \(seconds) s" }
}

/// One emulator over HTTPS (HTTP/2 offered) that accepts `token` or a client certificate signed
/// by the test CA, a temp folder with the PKI, and helpers to write kubeconfigs and make clients.
struct E2ECluster: Sendable {
    let server: EmulatedAPIServer
    let pki: TestPKI
    let folder: ConfigFixtureFolder
    let token: String

    var url: String { server.baseURL }
    var port: Int { server.port }

    /// Options for tests: quick retries.
    static let fastOptions = ClientOptions(
        retry: RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(10), maxDelay: .seconds(2)),
        requestTimeout: .seconds(10))

    /// Writes a kubeconfig whose cluster trusts the test CA (by file, relative to the kubeconfig)
    /// and whose user has `user` lines (each already indented under `user:`).
    @discardableResult
    func writeKubeconfig(_ name: String, user: [String], cluster: [String]? = nil, namespace: String = "default") throws -> String {
        let clusterLines = cluster ?? ["certificate-authority: pki/ca.crt"]
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: emulator
              cluster:
                server: \(url)
            \(clusterLines.map { "    \($0)" }.joined(separator: "\n"))
            users:
            - name: tester
              user:
            \(user.map { "    \($0)" }.joined(separator: "\n"))
            contexts:
            - name: e2e
              context: {cluster: emulator, user: tester, namespace: \(namespace)}
            current-context: e2e

            """
        return try folder.write(name, text)
    }

    /// Loads a kubeconfig file through the real loader and makes a client from it.
    func client(kubeconfig path: String, options: ClientOptions = fastOptions) throws -> KubeClient {
        let config = try KubeConfigLoader.load(explicitPath: path, environment: ["PATH": "/usr/bin:/bin", "HOME": folder.path])
        return try KubeClient(config: config, options: options)
    }

    /// A client presenting the cluster's bearer token.
    func tokenClient(options: ClientOptions = fastOptions) throws -> KubeClient {
        let path = try writeKubeconfig("token-\(UUID().uuidString).yaml", user: ["token: \(token)"])
        return try client(kubeconfig: path, options: options)
    }

    func base64(_ file: String) throws -> String { Data(try pki.text(file).utf8).base64EncodedString() }
}

/// Starts an emulator with TLS, token and client-CA auth, runs `body` within `seconds`, stops it.
func withE2ECluster(seconds: Double = 20, http2: Bool = true, configure: (inout EmulatorConfiguration) -> Void = { _ in },
                    _ body: @escaping @Sendable (E2ECluster) async throws -> Void) async throws {
    let folder = try ConfigFixtureFolder()
    guard let pki = try await TestPKI.make(in: try folder.directory("pki")) else {
        missingTool("openssl not installed: end-to-end test skipped")
        return
    }
    let token = "e2e-token-\(UUID().uuidString)"
    var configuration = EmulatorConfiguration(
        tls: .init(certificateChainPEM: try pki.text("server.crt"), privateKeyPEM: try pki.text("server.key"),
                   clientCAPEM: try pki.text("ca.crt"), http2: http2),
        bearerToken: token)
    configure(&configuration)
    let server = EmulatedAPIServer(configuration: configuration)
    try await server.start()
    let cluster = E2ECluster(server: server, pki: pki, folder: folder, token: token)
    let outcome: Result<Void, any Error>
    do {
        try await withDeadline(seconds) { try await body(cluster) }
        outcome = .success(())
    } catch {
        outcome = .failure(error)
    }
    await server.stop()
    try outcome.get()
}

/// Runs `body`, failing with `E2ETimeout` (and cancelling it) when it takes longer than `seconds`.
func withDeadline<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw E2ETimeout(seconds: seconds)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw E2ETimeout(seconds: seconds) }
        return first
    }
}


/// Runs `body`, which must throw a `KubeError`, and returns it.
func expectKubeError(_ body: () async throws -> Void) async -> KubeError? {
    do {
        try await body()
        Issue.record("expected a KubeError, but the call succeeded")
        return nil
    } catch let error as KubeError {
        return error
    } catch {
        Issue.record("expected a KubeError, got \(error)")
        return nil
    }
}

func configMap(_ name: String, namespace: String = "default", labels: [String: String] = [:], data: [String: String] = [:]) -> JSONValue {
    var meta: JSONValue = ["name": .string(name), "namespace": .string(namespace)]
    if !labels.isEmpty { meta["labels"] = .object(labels.mapValues { .string($0) }) }
    return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": .object(data.mapValues { .string($0) })]
}

extension JSONValue {
    var name: String? { self[path: "metadata", "name"]?.stringValue }
    var resourceVersion: String? { self[path: "metadata", "resourceVersion"]?.stringValue }
}

extension ConfigFixtureFolder {
    /// Creates `relative` as a folder and returns its absolute path.
    func directory(_ relative: String) throws -> String {
        let full = file(relative)
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        return full
    }
}
