import Foundation
import KubeEmulator

/// The one test certificate builder: a throwaway CA, a server certificate for 127.0.0.1 and
/// localhost, a client certificate (CN `tester`) that the CA signed, and an unrelated CA (for
/// the mismatch tests), made with the `openssl` CLI at run time. No key material is committed.
/// Files: ca.crt/.key, other-ca.crt/.key, server.crt/.key, client.crt/.key.
public struct TestPKI: Sendable {
    public let directory: URL
    public let caPEM: String
    public let serverCertificatePEM: String
    public let serverKeyPEM: String

    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    public func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
    public var caPath: String { path("ca.crt") }
    public var clientCertificatePath: String { path("client.crt") }
    public var clientKeyPath: String { path("client.key") }

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Makes the files in `directory` (default: a new temporary folder); nil when `openssl` is
    /// not installed (the caller reports it with `missingTool`).
    public static func make(in directory: String? = nil) async throws -> TestPKI? {
        guard let openssl = ChildProcess.which("openssl") else { return nil }
        let dir = directory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("test-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        func run(_ args: [String]) async throws {
            let r = try await ChildProcess.run(openssl, args, timeout: .seconds(20))
            guard r.status == 0 else { throw SetupError(description: "openssl \(args.prefix(2).joined(separator: " ")): \(r.stderr)") }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "other-ca"] {
            try await run(["req", "-x509"] + ec + ["-keyout", path("\(ca).key"), "-out", path("\(ca).crt"), "-days", "1", "-subj", "/CN=test-\(ca)"])
        }
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n".write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        for (who, cn) in [("server", "127.0.0.1"), ("client", "tester")] {
            try await run(["req"] + ec + ["-keyout", path("\(who).key"), "-out", path("\(who).csr"), "-subj", "/CN=\(cn)"])
            try await run(["x509", "-req", "-in", path("\(who).csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"), "-CAcreateserial",
                           "-out", path("\(who).crt"), "-days", "1", "-extfile", path("\(who).ext")])
        }
        return TestPKI(directory: dir, caPEM: try String(contentsOfFile: path("ca.crt"), encoding: .utf8),
                       serverCertificatePEM: try String(contentsOfFile: path("server.crt"), encoding: .utf8),
                       serverKeyPEM: try String(contentsOfFile: path("server.key"), encoding: .utf8))
    }

    /// The emulator's TLS with the server certificate; with `clientCA` it also accepts client
    /// certificates that the CA signed.
    public func emulatorTLS(clientCA: Bool = false, http2: Bool = true) -> EmulatorConfiguration.TLS {
        EmulatorConfiguration.TLS(certificateChainPEM: serverCertificatePEM, privateKeyPEM: serverKeyPEM,
                                  clientCAPEM: clientCA ? caPEM : nil, http2: http2)
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }
}
