import HealthModel
import Remediation
import KubeAPI
import KubeClient

/// Every setting of gateway-medic, with its default: the one place defaults are written. Each
/// setting is declared once in `OperatorConfig.settings` (its key, flag, doc and rule); a YAML
/// config file sets any subset (missing keys keep their defaults) and command-line flags override
/// the file. docs/configuration.md lists each key with its flag and default.
public struct OperatorConfig: Sendable, Encodable, Equatable {
    /// Where Hedgehog keeps GatewayAgents, Gateways and switch Agents. [default]
    public var fabricNamespace: String
    /// Where the gateways' dataplane and frr pods run. [fab]
    public var gatewayNamespace: String
    /// The operator's own namespace (Lease, ticket ConfigMaps); nil = the service account's or the
    /// kubeconfig context's namespace.
    public var operatorNamespace: String?
    /// Read and evaluate, write nothing; print what would have been written. [false]
    public var dryRun: Bool
    public var health: HealthPolicy
    /// Opt-in pod restarts and ticket drafts (docs/remediation.md). Off by default.
    public var remediation: RemediationPolicy
    /// Where ticket drafts go (docs/tickets.md §4).
    public var tickets: TicketSettings
    public var leaderElection: LeaderElectionSettings
    public var queue: QueueSettings
    public var events: EventSettings
    public var server: ServerSettings
    public var informers: InformerSettings

    public init(fabricNamespace: String = "default", gatewayNamespace: String = "fab", operatorNamespace: String? = nil,
                dryRun: Bool = false, health: HealthPolicy = .default, remediation: RemediationPolicy = .default,
                tickets: TicketSettings = .init(), leaderElection: LeaderElectionSettings = .init(),
                queue: QueueSettings = .init(), events: EventSettings = .init(), server: ServerSettings = .init(),
                informers: InformerSettings = .init()) {
        self.fabricNamespace = fabricNamespace
        self.gatewayNamespace = gatewayNamespace
        self.operatorNamespace = operatorNamespace
        self.dryRun = dryRun
        self.health = health
        self.remediation = remediation
        self.tickets = tickets
        self.leaderElection = leaderElection
        self.queue = queue
        self.events = events
        self.server = server
        self.informers = informers
    }

    public static let `default` = OperatorConfig()
}

/// Leader election on a coordination.k8s.io Lease (client-go's defaults).
public struct LeaderElectionSettings: Sendable, Encodable, Equatable {
    /// Off only for a single replica or a test. [true]
    public var enabled: Bool = true
    /// The Lease's name, in the operator namespace. [gateway-medic]
    public var leaseName: String = "gateway-medic"
    /// Seconds a lease is valid without renewal. [15]
    public var leaseDuration: Double = 15
    /// Seconds a leader keeps trying to renew before it steps down. [10]
    public var renewDeadline: Double = 10
    /// Seconds between attempts to acquire or renew. [2]
    public var retryPeriod: Double = 2

    public init() {}
}

/// The reconcile work queue.
public struct QueueSettings: Sendable, Encodable, Equatable {
    /// Concurrent reconciles (never two for one gateway). [4]
    public var workers: Int = 4
    /// First retry delay after a failed reconcile, seconds; doubles per failure. [0.005]
    public var retryBaseDelay: Double = 0.005
    /// Longest retry delay, seconds. [300]
    public var retryMaxDelay: Double = 300

    public init() {}
}

/// Kubernetes Events on the GatewayAgent.
public struct EventSettings: Sendable, Encodable, Equatable {
    /// New Event objects one GatewayAgent may get in a burst; repeats are aggregated, not limited. [25]
    public var burst: Int = 25
    /// Seconds to earn back one new Event after the burst is spent. [300]
    public var refillInterval: Double = 300

    public init() {}
}

/// The HTTP endpoints: /metrics, /healthz, /readyz.
public struct ServerSettings: Sendable, Encodable, Equatable {
    /// Address to listen on. [0.0.0.0]
    public var host: String = "0.0.0.0"
    /// Port; 0 turns the endpoints off. [8080]
    public var port: Int = 8080

    public init() {}
}

/// How the informers read the API.
public struct InformerSettings: Sendable, Encodable, Equatable {
    /// Sync and relist with streaming lists (`sendInitialEvents=true`, the WatchList feature),
    /// falling back to paginated LISTs where the server refuses or ignores them. [true]
    public var streamingLists: Bool = true
    /// Seconds a watch event may wait before the informer's reader is woken, so that a busy
    /// watch hands its events over in batches (`ClientOptions.watchDeliveryWindow`). Longer costs
    /// latency (every event waits up to this long), shorter costs CPU (a wake-up per batch).
    /// [0.03]
    public var watchDeliveryWindow: Double = 0.03

    public init() {}

    /// `options` with these settings' watch delivery window: the client `run` connects with.
    public func applied(to options: ClientOptions) -> ClientOptions {
        var result = options
        result.watchDeliveryWindow = .nanoseconds(Int64((watchDeliveryWindow * 1e9).rounded()))
        return result
    }
}
