import Foundation
import HedgehogResources
import KubeAPI
import Testing
import TestSupport
@testable import KubeEmulator

@Suite struct TLSAuthTests {
    @Test func tokenOrClientCertificateOverHTTPS() async throws {
        guard let certs = try await TestPKI.make() else {
            missingTool("openssl not installed: TLS test skipped")
            return
        }
        defer { certs.remove() }
        let token = "test-token-\(UUID().uuidString)"
        let configuration = EmulatorConfiguration(tls: certs.emulatorTLS(clientCA: true), bearerToken: token)
        try await withEmulator(configuration) { server in
            #expect(server.baseURL.hasPrefix("https://127.0.0.1:"))
            let anonymous = Curl(server, extraArguments: ["--cacert", certs.caPath])
            let denied = try await anonymous.get("/api/v1/namespaces/default/pods")
            #expect(denied.code == 401 && denied.json?["reason"] == "Unauthorized")
            #expect(try await anonymous.get("/api/v1/namespaces/default/pods", headers: ["Authorization: Bearer wrong"]).code == 401)

            let withToken = try await anonymous.get("/api/v1/namespaces/default/pods", headers: ["Authorization: Bearer \(token)"])
            #expect(withToken.code == 200)

            let withCertificate = Curl(server, extraArguments: ["--cacert", certs.caPath, "--cert", certs.clientCertificatePath, "--key", certs.clientKeyPath])
            #expect(try await withCertificate.get("/api/v1/namespaces/default/pods").code == 200)

            // ALPN offers h2: curl negotiates HTTP/2 when asked.
            let h2 = Curl(server, extraArguments: ["--cacert", certs.caPath, "--http2", "-o", "/dev/null", "-w", "%{http_version}\n"])
            let reply = try await h2.get("/version", headers: ["Authorization: Bearer \(token)"])
            #expect(reply.body.hasPrefix("2"))
            #expect(!server.requestLog.contains { $0.info.userAgent.contains(token) })
        }
    }

    @Test func clientCertificateRequiredWithoutToken() async throws {
        guard let certs = try await TestPKI.make() else { return }
        defer { certs.remove() }
        try await withEmulator(EmulatorConfiguration(tls: certs.emulatorTLS(clientCA: true, http2: false))) { server in
            let without = try await Curl(server, extraArguments: ["--cacert", certs.caPath]).get("/version")
            #expect(without.code == 0, "the TLS handshake fails without a client certificate")
            let with = Curl(server, extraArguments: ["--cacert", certs.caPath, "--cert", certs.clientCertificatePath, "--key", certs.clientKeyPath])
            let reply = try await with.get("/api/v1/namespaces/default/configmaps")
            #expect(reply.code == 200 && reply.json?["kind"] == "ConfigMapList")
        }
    }

    @Test func watchOverHTTP2IsCut() async throws {
        guard let certs = try await TestPKI.make() else { return }
        defer { certs.remove() }
        let configuration = EmulatorConfiguration(tls: certs.emulatorTLS(clientCA: false))
        try await withEmulator(configuration) { server in
            try server.store.create(.gatewayAgents, agent("a"))
            let stream = try Curl(server, extraArguments: ["--cacert", certs.caPath, "--http2"])
                .watch("/apis/gwint.githedgehog.com/v1alpha1/namespaces/default/gatewayagents?watch=1")
            #expect(await stream.nextLine()?.contains("\"ADDED\"") == true)
            #expect(await eventually { server.openWatchCount == 1 })
            try server.store.create(.gatewayAgents, agent("b"))
            #expect(await stream.nextLine()?.contains("\"b\"") == true)
            server.cutAllWatches()
            #expect(await stream.nextLine() == nil)
        }
    }
}
