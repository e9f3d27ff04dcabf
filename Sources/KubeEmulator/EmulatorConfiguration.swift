import Foundation
import Logging

/// How an `EmulatedAPIServer` listens, authenticates and bounds its resources.
public struct EmulatorConfiguration: Sendable {
    /// TLS material, as PEM text the caller made (tests make theirs with `openssl` at run time).
    public struct TLS: Sendable {
        public var certificateChainPEM: String
        public var privateKeyPEM: String
        /// When set, a client certificate signed by this CA authenticates a request. When a bearer
        /// token is also configured the certificate is optional (`.optionalVerification`): either works.
        public var clientCAPEM: String?
        /// Offer HTTP/2 through ALPN (HTTP/1.1 stays available to clients that do not ask for h2).
        public var http2: Bool

        public init(certificateChainPEM: String, privateKeyPEM: String, clientCAPEM: String? = nil, http2: Bool = true) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
            self.clientCAPEM = clientCAPEM
            self.http2 = http2
        }
    }

    public var host: String = "127.0.0.1"
    /// 0 picks a free port (below the ephemeral range, so that a restart gets it back); `start()`
    /// returns the one chosen.
    public var port: Int = 0
    /// nil serves plain HTTP/1.1.
    public var tls: TLS?
    /// When set, `Authorization: Bearer <token>` with this value authenticates a request.
    /// Never logged.
    public var bearerToken: String?
    /// Username → password pairs accepted as HTTP basic authentication.
    public var basicAuthUsers: [String: String] = [:]
    /// Registers the Hedgehog fabric resources and GatewayHealth (as CRD objects) at creation.
    public var registerFabricResources: Bool = true
    /// How often a watch that asked for bookmarks gets one (kube-apiserver's watch cache: about
    /// a minute).
    public var bookmarkInterval: Duration = .seconds(60)
    /// A watch that asked for bookmarks and has a `timeoutSeconds` longer than this gets one this
    /// long before its deadline too (kube-apiserver: 2 s), so a client that opens a short watch
    /// learns promptly that it has seen every change up to the server's resourceVersion.
    public var bookmarkBeforeTimeout: Duration = .seconds(2)
    /// How a streaming list (a watch with `sendInitialEvents=true`, kube-apiserver's WatchList
    /// feature) is answered. `EmulatedAPIServer.serveStreamingLists(_:)` changes it at run time.
    public var streamingLists: StreamingLists = .served
    /// How many change events are kept for watches that resume from a resourceVersion; older
    /// ones are compacted (a watch from before them gets 410 Gone).
    public var historyLimit: Int = 100_000
    /// Events a watcher may have queued before it is considered stuck and its watch is closed.
    public var watchBufferLimit: Int = 20_000
    /// How many requests `requestLog` keeps (the newest); `writeCount` counts them all.
    public var requestLogLimit: Int = 100_000
    /// Larger request bodies get 413.
    public var maxRequestBodyBytes: Int = 64 << 20
    /// The clock for timestamps (creationTimestamp, managedFields times, table ages).
    public var now: @Sendable () -> Date = { Date() }
    public var logger: Logger = Logger(label: "gateway-medic.emulator")

    /// What the server does with `sendInitialEvents` and `resourceVersionMatch` on a watch.
    public enum StreamingLists: Sendable {
        /// As kube-apiserver ≥ 1.32 (or ≥ 1.27 with the WatchList feature gate on): the current
        /// objects as ADDED, a BOOKMARK annotated `k8s.io/initial-events-end: "true"`, then changes.
        case served
        /// As kube-apiserver 1.27–1.31 with the feature gate off (or < 1.27, which forbids
        /// `resourceVersionMatch` on a watch): 422 Invalid.
        case refused
        /// As a server or proxy that drops the parameters it does not know: a plain watch.
        case ignored
    }

    public init(tls: TLS? = nil, bearerToken: String? = nil, port: Int = 0) {
        self.tls = tls
        self.bearerToken = bearerToken
        self.port = port
    }
}
