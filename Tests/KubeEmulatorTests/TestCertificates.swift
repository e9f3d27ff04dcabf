import Foundation
@testable import KubeEmulator

/// A throwaway CA, server certificate (for 127.0.0.1) and client certificate, made with the
/// `openssl` CLI in a temporary folder. No key material is committed to the repository.
struct TestCertificates {
    let directory: URL
    var caCertificate: String { directory.appendingPathComponent("ca.crt").path }
    var serverCertificate: String { directory.appendingPathComponent("server.crt").path }
    var serverKey: String { directory.appendingPathComponent("server.key").path }
    var clientCertificate: String { directory.appendingPathComponent("client.crt").path }
    var clientKey: String { directory.appendingPathComponent("client.key").path }

    static func make() async throws -> TestCertificates? {
        guard let openssl = ProcessRunner.which("openssl") else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("emulator-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func run(_ args: [String]) async throws {
            let r = try await ProcessRunner.run(openssl, args, timeout: 20)
            guard r.status == 0 else { throw CertificateError(message: "openssl \(args.first ?? ""): \(r.stderr)") }
        }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await run(["req", "-x509"] + ec + ["-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "1", "-subj", "/CN=emulator-test-ca"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n".write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        for (who, cn) in [("server", "127.0.0.1"), ("client", "tester")] {
            try await run(["req"] + ec + ["-keyout", path("\(who).key"), "-out", path("\(who).csr"), "-subj", "/CN=\(cn)"])
            try await run(["x509", "-req", "-in", path("\(who).csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"), "-CAcreateserial",
                           "-out", path("\(who).crt"), "-days", "1", "-extfile", path("\(who).ext")])
        }
        return TestCertificates(directory: dir)
    }

    func tls(clientCA: Bool, http2: Bool = true) throws -> EmulatorConfiguration.TLS {
        EmulatorConfiguration.TLS(
            certificateChainPEM: try String(contentsOfFile: serverCertificate, encoding: .utf8),
            privateKeyPEM: try String(contentsOfFile: serverKey, encoding: .utf8),
            clientCAPEM: clientCA ? try String(contentsOfFile: caCertificate, encoding: .utf8) : nil,
            http2: http2)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

struct CertificateError: Error { var message: String }
