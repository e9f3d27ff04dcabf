import Foundation
import KubeAPI
import KubeClient
import Logging

/// The one delivery mechanism of the sinks that POST drafts to a receiver outside the cluster
/// (the webhook, Alertmanager): `enqueue` never blocks its caller; one background task delivers
/// the queue in order, retrying with backoff while the receiver is down. Undelivered drafts are
/// kept, a newer version of a draft replacing the older one in the queue (only the latest
/// matters), and a version already delivered is not sent again unless `resend` asks for it.
public actor TicketDeliveryQueue {
    /// Sends one draft version; throws when the receiver did not take it.
    public typealias Deliver = @Sendable (TicketDraft) async throws -> Void

    /// The sink's name in logs (`webhook`, `alertmanager`) and where it delivers, without credentials.
    private let sinkName: String
    private let target: String
    private let deliver: Deliver
    private let retry: WebhookRetryPolicy
    private let logger: Logger
    private let sleep: @Sendable (Duration) async throws -> Void
    /// id → newest undelivered version; `order` keeps first-queued-first-sent.
    private var pending: [String: TicketDraft] = [:]
    private var order: [String] = []
    /// id → version key (`id@updatedAt`) of the last version delivered.
    private var delivered: [String: String] = [:]
    /// Draft versions delivered since start (each once).
    public private(set) var deliveredCount = 0
    /// Deliveries of a version delivered before (`resend`).
    public private(set) var resentCount = 0
    private var worker: Task<Void, Never>?
    private var stopped = false

    public init(sinkName: String, target: String, retry: WebhookRetryPolicy, logger: Logger,
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                deliver: @escaping Deliver) {
        self.sinkName = sinkName
        self.target = target
        self.deliver = deliver
        self.retry = retry
        self.logger = logger
        self.sleep = sleep
    }

    /// Drafts waiting for delivery.
    public var pendingCount: Int { pending.count }

    /// The key of one version of a draft: the idempotency key of the webhook.
    public static func versionKey(_ draft: TicketDraft) -> String { "\(draft.id)@\(KubeTime.format(draft.updatedAt))" }

    /// Queues `draft` unless this version was delivered or is queued already.
    public func enqueue(_ draft: TicketDraft) {
        let key = Self.versionKey(draft)
        if delivered[draft.id] == key || pending[draft.id].map(Self.versionKey) == key { return }
        put(draft)
    }

    /// Queues `draft` again although it was delivered (a receiver that forgets what is not
    /// repeated, as Alertmanager does); nothing happens when a version of it is queued already.
    public func resend(_ draft: TicketDraft) {
        guard pending[draft.id] == nil else { return }
        put(draft)
    }

    public func forget(_ id: String) {
        pending[id] = nil
        order.removeAll { $0 == id }
        delivered[id] = nil
    }

    public func stop() {
        stopped = true
        worker?.cancel()
        worker = nil
    }

    private func put(_ draft: TicketDraft) {
        pending[draft.id] = draft
        if !order.contains(draft.id) { order.append(draft.id) }
        startIfIdle()
    }

    private func startIfIdle() {
        guard worker == nil, !stopped else { return }
        worker = Task { await self.run() }
    }

    private func run() async {
        var failures = 0
        while !Task.isCancelled, let id = order.first {
            guard let draft = pending[id] else { order.removeFirst(); continue }
            let key = Self.versionKey(draft)
            do {
                try await deliver(draft)
                failures = 0
                if delivered[id] == key { resentCount += 1 } else { deliveredCount += 1 }
                delivered[id] = key
                // A newer version may have been queued while this one was on the wire.
                if pending[id].map(Self.versionKey) == key {
                    pending[id] = nil
                    order.removeAll { $0 == id }
                }
                logger.debug("ticket draft delivered", metadata: ["ticket": "\(id)", "sink": "\(sinkName)"])
            } catch {
                failures += 1
                let wait = retry.delay(afterAttempt: failures)
                logger.warning("ticket delivery failed; retrying", metadata: [
                    "ticket": "\(id)", "sink": "\(sinkName)", "attempt": "\(failures)", "retryIn": "\(wait)",
                    "url": "\(target)", "error": "\(Self.describe(error))",
                ])
                do { try await sleep(wait) } catch { break }
            }
        }
        worker = nil
        // Something may have been queued after the loop saw an empty queue.
        if !order.isEmpty && !Task.isCancelled { startIfIdle() }
    }

    /// Errors of our own types describe themselves without secrets; anything else is named by type only.
    private static func describe(_ error: any Error) -> String {
        switch error {
        case let e as KubeError: e.description
        case let e as TicketSinkError: e.description
        default: "\(type(of: error))"
        }
    }
}
