import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdTLS
import KubeAPI
import Locking
import Logging
import NIOCore
import NIOSSL

/// Why the emulator could not start.
public struct EmulatorStartError: Error, CustomStringConvertible {
    public var description: String
    /// The listener's own error, when there was one.
    public var cause: (any Error)?

    public init(description: String, cause: (any Error)? = nil) {
        self.description = description
        self.cause = cause
    }
}

/// An in-process Kubernetes API server on loopback for tests, the demo and the benchmark.
/// `store` is the same data the HTTP API serves; the fault-injection controls act on HTTP only.
public final class EmulatedAPIServer: Sendable {
    public let configuration: EmulatorConfiguration
    public let store: ObjectStore
    let control = Locked(ControlState())
    private let running = Locked<Task<Void, any Error>?>(nil)
    /// The listening socket, closed first on `stop()`.
    private let listener = Locked<(any Channel)?>(nil)

    public init(configuration: EmulatorConfiguration = EmulatorConfiguration()) {
        self.configuration = configuration
        self.store = ObjectStore(configuration: configuration)
        control.withLock { $0.logLimit = max(1, configuration.requestLogLimit) }
    }

    /// The bound port (0 before the first start).
    public var port: Int { control.withLock { $0.port } }

    /// `http://127.0.0.1:<port>` or `https://…`.
    public var baseURL: String { "\(configuration.tls == nil ? "http" : "https")://\(configuration.host):\(port)" }

    /// Starts listening; returns the port (the configured one, or a free one below the ephemeral
    /// range when it is 0 (see `ListenPorts`), or the previous one after a `stop()`).
    @discardableResult
    public func start() async throws -> Int {
        if running.withLock({ $0 != nil }) { return port }
        let previous = port
        let requested = previous != 0 ? previous : configuration.port
        guard requested == 0 else { return try await listen(again: requested) }
        var lastError: (any Error)?
        for candidate in ListenPorts.candidates() {
            do {
                return try await listen(on: candidate)
            } catch {
                lastError = error
                guard let cause = (error as? EmulatorStartError)?.cause, ListenPorts.isAddressInUse(cause) else { throw error }
            }
        }
        throw lastError ?? EmulatorStartError(description: "emulator found no free port on \(configuration.host)")
    }

    /// Listens on a port it had (or was configured with). The port may still be held for a moment
    /// by something this process or the machine has not let go of yet, so an "address in use" is
    /// retried for up to `rebindPatience`; the error then says what holds the port.
    private func listen(again port: Int) async throws -> Int {
        let deadline = ContinuousClock.now + Self.rebindPatience
        while true {
            do {
                return try await listen(on: port)
            } catch let error as EmulatorStartError {
                guard let cause = error.cause, ListenPorts.isAddressInUse(cause) else { throw error }
                guard ContinuousClock.now < deadline else {
                    throw EmulatorStartError(description: "\(error.description); sockets on that port: \(ListenPorts.socketStates(port: port))",
                                             cause: cause)
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    static let rebindPatience: Duration = .seconds(10)

    private func listen(on requested: Int) async throws -> Int {
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: APIResponder(store: store, control: control, configuration: configuration),
            server: try serverBuilder(),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: requested), reuseAddress: true),
            onServerRunning: { [listener] channel in
                listener.withLock { $0 = channel }
                portContinuation.yield(channel.localAddress?.port ?? requested)
            },
            logger: quietLogger())
        let task = Task {
            defer { portContinuation.finish() }
            try await app.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            do { try await task.value } catch {
                throw EmulatorStartError(description: "emulator failed to listen on \(configuration.host):\(requested): \(error)", cause: error)
            }
            throw EmulatorStartError(description: "emulator stopped before listening on \(configuration.host):\(requested)")
        }
        control.withLock { $0.port = bound }
        running.withLock { $0 = task }
        return bound
    }

    /// Stops listening and closes every connection (watches end abruptly). The store is kept.
    public func stop() async {
        guard let task = running.withLock({ t -> Task<Void, any Error>? in defer { t = nil }; return t }) else { return }
        // No new connection first: one accepted while the server task is being cancelled traps
        // in NIO ("Deinited NIOAsyncWriter without calling finish()").
        if let socket = listener.withLock({ l -> (any Channel)? in defer { l = nil }; return l }) {
            try? await socket.close()
        }
        cutAllWatches()
        let connections = control.withLock { Array($0.connections.values) }
        for c in connections { c.close(promise: nil) }
        task.cancel()
        _ = try? await task.value
    }

    var isRunning: Bool { running.withLock { $0 != nil } }

    /// Stops and starts again on the same port with the same store.
    public func restart() async throws {
        await stop()
        try await start()
    }

    private func serverBuilder() throws -> HTTPServerBuilder {
        // HTTP/1 connections (also HTTP/2's fallback) close when the client closes its side.
        let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [PeerClosedHandler()])
        guard let tls = configuration.tls else { return .http1(configuration: http1) }
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(tls.certificateChainPEM.utf8)).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(bytes: Array(tls.privateKeyPEM.utf8), format: .pem)
        var tlsConfiguration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        if let ca = tls.clientCAPEM {
            tlsConfiguration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.utf8)))
            // With a token configured too, a client may present either; a certificate, when
            // presented, must still verify against the CA.
            tlsConfiguration.certificateVerification = configuration.bearerToken == nil ? .noHostnameVerification : .optionalVerification
        }
        if tls.http2 { return try .http2Upgrade(tlsConfiguration: tlsConfiguration, configuration: .init(streamConfiguration: http1)) }
        return try .tls(.http1(configuration: http1), tlsConfiguration: tlsConfiguration)
    }

    /// Hummingbird reports a cancelled listener (every `stop()`) as an error: keep it quiet
    /// unless the caller asked for debug logs.
    private func quietLogger() -> Logger {
        var logger = configuration.logger
        if logger.logLevel > .debug { logger.logLevel = .critical }
        return logger
    }
}
