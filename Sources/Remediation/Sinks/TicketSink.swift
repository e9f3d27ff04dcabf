import Foundation
import KubeClient
import Logging

/// Where ticket drafts go. The planner's changes reach each sink in order through `apply`: an
/// `open` is a draft no sink has stored yet, an `update` or `resolve` a new version of one opened
/// before (by this instance or, after a restart or a leader handover, by another), an `expire`
/// a `remove`. Sinks that keep drafts give them back with `loadAll`, so that the instance that
/// starts leading continues them (docs/tickets.md §5).
public protocol TicketSink: Sendable {
    /// Stores a draft the planner has just opened.
    func open(_ draft: TicketDraft) async throws
    /// Stores a new version of a draft opened before (an update, or a reopening).
    func update(_ draft: TicketDraft) async throws
    /// Stores the resolved version of a draft (by default, as an update).
    func resolve(_ draft: TicketDraft) async throws
    /// Forgets an expired draft; removing one that is not there is not an error.
    func remove(id: String) async throws
    /// Every draft this sink keeps; nil for a sink that keeps none it can read back (a webhook,
    /// the dry-run printer).
    func loadAll() async throws -> [TicketDraft]?
    /// The sink's name: the `sink` label of `gateway_medic_ticket_deliveries_total` and of logs.
    var name: String { get }
    /// The queue that delivers in the background, for a sink that has one (tests and shutdown
    /// wait on it); nil for a sink that stores while it is applied.
    var deliveryQueue: TicketDeliveryQueue? { get }
    /// Stops background work at shutdown.
    func stop() async
}

/// The settings of an optional sink (a section under `tickets:`): how they make their sink.
/// `TicketSettings.sinkSections` lists the sections; the factory asks each one, without knowing
/// its type.
public protocol TicketSinkSettings: Sendable {
    /// The sink; nil when it cannot start (the reason logged through `context`).
    func makeSink(context: TicketSinkContext) -> (any TicketSink)?
}

extension TicketSink {
    public func resolve(_ draft: TicketDraft) async throws { try await update(draft) }

    public var deliveryQueue: TicketDeliveryQueue? { nil }

    public func stop() async {}

    /// Applies one planner change.
    public func apply(_ change: TicketChange) async throws {
        switch change {
        case .open(let draft): try await open(draft)
        case .update(let draft): try await update(draft)
        case .resolve(let draft): try await resolve(draft)
        case .expire(let id): try await remove(id: id)
        }
    }

    /// Applies planner changes in order; returns the errors instead of stopping at the first, so
    /// one failing draft does not hold back the others.
    public func apply(_ changes: [TicketChange]) async -> [any Error] {
        var errors: [any Error] = []
        for change in changes {
            do { try await apply(change) } catch { errors.append(error) }
        }
        return errors
    }
}

/// What the sinks' factories may need from the operator that runs them.
public struct TicketSinkContext: Sendable {
    /// The API client (the ConfigMap sink).
    public var client: KubeClient
    /// The operator's namespace, where the ticket ConfigMaps live.
    public var namespace: String
    public var logger: Logger
    /// The webhook's delivery backoff.
    public var webhookRetry: WebhookRetryPolicy
    /// Where a webhook's `secretEnv` is looked up.
    public var environment: [String: String]

    public init(client: KubeClient, namespace: String, logger: Logger, webhookRetry: WebhookRetryPolicy = WebhookRetryPolicy(),
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.client = client
        self.namespace = namespace
        self.logger = logger
        self.webhookRetry = webhookRetry
        self.environment = environment
    }
}

/// Dry-run: prints each draft as Markdown through `output` instead of storing it.
public struct PrintTicketSink: TicketSink {
    private let output: @Sendable (String) -> Void

    public init(output: @escaping @Sendable (String) -> Void) {
        self.output = output
    }

    public func open(_ draft: TicketDraft) async throws { print(draft) }

    public func update(_ draft: TicketDraft) async throws { print(draft) }

    public func remove(id: String) async throws {
        output("--- ticket draft \(id) expired (would be removed) ---")
    }

    public func loadAll() async throws -> [TicketDraft]? { nil }

    public var name: String { "print" }

    private func print(_ draft: TicketDraft) {
        output("--- ticket draft \(draft.id) (\(draft.status.rawValue)) ---\n" + TicketRenderer.markdown(draft))
    }
}

/// Failures of the ticket sinks, with what a user needs to act on.
public enum TicketSinkError: Error, Sendable, CustomStringConvertible {
    case io(path: String, message: String)
    case api(id: String, message: String)
    case secretUnavailable(source: String, message: String)

    public var description: String {
        switch self {
        case .io(let path, let message): "cannot write the ticket file \(path): \(message)"
        case .api(let id, let message): "cannot store ticket draft \(id) as a ConfigMap: \(message)"
        case .secretUnavailable(let source, let message): "cannot read the secret from \(source): \(message)"
        }
    }
}
