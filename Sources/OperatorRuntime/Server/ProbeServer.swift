import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP endpoints of the running operator, as a service of the group:
/// `/metrics` (Prometheus text), `/healthz` (200 while the process runs) and `/readyz`
/// (200 once the caches have synced, 503 before: a pod whose CRDs are missing stays unready).
public struct ProbeServer: Service {
    public let host: String
    public let port: Int
    public let registry: MetricsRegistry
    public let readiness: @Sendable () -> Bool
    public let logger: Logger
    /// Called with the bound port once listening (the configured one, or a free one for port 0).
    public let onListening: @Sendable (Int) async -> Void

    public init(host: String, port: Int, registry: MetricsRegistry, readiness: @escaping @Sendable () -> Bool,
                logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.host = host
        self.port = port
        self.registry = registry
        self.readiness = readiness
        self.logger = logger
        self.onListening = onListening
    }

    /// Probes for an `OperatorProcess`: ready when it has synced.
    public init(settings: ServerSettings, registry: MetricsRegistry, process: any OperatorProcess, logger: Logger,
                onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.init(host: settings.host, port: settings.port, registry: registry, readiness: { process.hasSynced },
                  logger: logger, onListening: onListening)
    }

    public func run() async throws {
        let router = Router()
        let registry = self.registry
        let readiness = self.readiness
        router.get("/healthz") { _, _ in Self.text(.ok, "ok\n") }
        router.get("/readyz") { _, _ in
            readiness() ? Self.text(.ok, "ok\n") : Self.text(.serviceUnavailable, "caches not synced\n")
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            // Streamed in pieces: the whole text at 10,000 gateways is ≈ 37 MB (docs/performance.md, ninth round).
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                var chunks = registry.expositionChunks()
                while let chunk = chunks.next() { try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            })
        }
        let port = self.port
        let onListening = self.onListening
        let logger = self.logger
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "gateway-medic", reuseAddress: true),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("serving /metrics, /healthz and /readyz", metadata: ["port": "\(bound)"])
                await onListening(bound)
            },
            logger: logger)
        try await app.run()
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
