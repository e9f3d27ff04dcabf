import Foundation
import Logging
import Remediation

/// Applies ticket changes to the sinks off the reconcile path: `submit` only queues; one
/// background task applies the queue in order (a ConfigMap write is an API round trip, a folder
/// write is disk I/O; neither may hold up a reconcile). A change that a sink refuses is logged and
/// dropped for that sink: the next material change or refresh rewrites the whole draft anyway.
public actor TicketDispatcher {
    private let sinks: [any TicketSink]
    private let logger: Logger
    private var queue: [TicketChange] = []
    private var worker: Task<Void, Never>?
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Changes applied (to every sink) since start.
    public private(set) var appliedCount = 0
    /// Errors the sinks returned since start.
    public private(set) var errorCount = 0

    /// `gateway_medic_tickets_total` and `_ticket_deliveries_total` (nil: not exported).
    private let counters: OperatorCounters?

    public init(sinks: [any TicketSink], logger: Logger, counters: OperatorCounters? = nil) {
        self.counters = counters
        self.sinks = sinks
        self.logger = logger
    }

    public var hasSinks: Bool { !sinks.isEmpty }
    public var pendingCount: Int { queue.count }

    public func submit(_ changes: [TicketChange]) {
        guard !changes.isEmpty, !sinks.isEmpty else { return }
        for change in changes { counters?.ticketChanged(Self.event(change)) }
        queue.append(contentsOf: changes)
        if worker == nil { worker = Task { await self.drain() } }
    }

    /// Returns once everything submitted so far has been applied (tests, shutdown).
    public func waitUntilIdle() async {
        guard worker != nil || !queue.isEmpty else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    private func drain() async {
        while !queue.isEmpty {
            let change = queue.removeFirst()
            for sink in sinks {
                let errors = await sink.apply([change])
                counters?.ticketDelivered(sink: sink.name, success: errors.isEmpty)
                for error in errors {
                    errorCount += 1
                    logger.warning("ticket sink failed", metadata: [
                        "ticket": "\(change.id)", "sink": "\(sink.name)", "error": "\(Self.describe(error))",
                    ])
                }
            }
            appliedCount += 1
        }
        worker = nil
        let waiters = idleWaiters
        idleWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    /// The `event` label of a change (an expiry removes a resolved draft after its retention).
    static func event(_ change: TicketChange) -> String {
        switch change {
        case .open: "opened"
        case .update: "updated"
        case .resolve: "resolved"
        case .expire: "expired"
        }
    }

    /// Our sinks' errors describe themselves without secrets; anything else is named by type.
    private static func describe(_ error: any Error) -> String {
        if let error = error as? TicketSinkError { return error.description }
        return "\(type(of: error))"
    }
}
