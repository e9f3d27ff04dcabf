import ControllerKit
import Foundation
import HealthModel
import KubeAPI
import Logging
import Remediation

/// What remediation decided for one gateway in one reconcile.
public struct RemediationOutcome: Sendable {
    /// To persist as `.status.remediation` (nil: leave what is persisted alone — a follower).
    public var record: RemediationRecord?
    /// Events to raise on the GatewayAgent (leader only).
    public var events: [PlannedEvent]
    /// When to reconcile again for remediation's or the tickets' sake.
    public var nextCheck: Date?
}

/// The remediation step of a reconcile: plan (through the shared coordinator), execute the action,
/// record its result, plan the ticket drafts. Followers plan nothing that acts; a dry run prints
/// the plan and does nothing.
public struct GatewayRemediator: Sendable {
    public let coordinator: RemediationCoordinator
    public let tickets: TicketCoordinator
    private let execute: @Sendable (RemediationAction) async -> RestartResult
    private let dryRun: Bool
    /// With restarts off, the skips are logged only: no RemediationSkipped Events for users who
    /// did not opt in (the plan still says what it would do).
    private let restartsEnabled: Bool
    private let output: @Sendable (String) -> Void
    private let logger: Logger
    /// Confirms each restart from a fresh read of the API before it is executed (nil: trust the cache).
    private let recheck: LiveRecheck?
    /// `gateway_medic_remediation_actions_total` and `_skips_total` (nil: not exported).
    private let counters: OperatorCounters?

    public init(coordinator: RemediationCoordinator, tickets: TicketCoordinator, dryRun: Bool, restartsEnabled: Bool,
                execute: @escaping @Sendable (RemediationAction) async -> RestartResult,
                output: @escaping @Sendable (String) -> Void, logger: Logger, recheck: LiveRecheck? = nil,
                counters: OperatorCounters? = nil) {
        self.recheck = recheck
        self.counters = counters
        self.coordinator = coordinator
        self.tickets = tickets
        self.execute = execute
        self.dryRun = dryRun
        self.restartsEnabled = restartsEnabled
        self.output = output
        self.logger = logger
    }

    /// - Parameter leaves: the leaves at the other end of the gateway's sessions (fault
    ///   attribution reads them when every session is down).
    public func remediate(key: ObjectKey, assessment: Assessment, inputs: GatewayInputs, leaves: [LeafPeer] = [],
                          persisted: [GatewayKey: RemediationRecord], paused: Bool, groupsWithPeerings: Set<String>,
                          isLeader: Bool, now: Date) async -> RemediationOutcome {
        let gateway = GatewayKey(namespace: key.namespace ?? "", name: key.name)
        let snapshot = GatewaySnapshot(key: gateway, assessment: assessment, inputs: inputs,
                                       record: persisted[gateway] ?? RemediationRecord(), paused: paused, leaves: leaves)
        // `prior`: the record the plan starts from (no other reconcile of this gateway runs meanwhile).
        let (plan, known) = await coordinator.plan(snapshot, persisted: persisted, groupsWithPeerings: groupsWithPeerings,
                                                   isLeader: isLeader, now: now)
        let prior = known ?? snapshot.record
        for skip in plan.skips {
            counters?.remediationSkipped(skip.reason.rawValue)
            logger.info("remediation skipped", metadata: [
                "gateway": "\(gateway)", "reason": "\(skip.reason.rawValue)", "message": "\(skip.message)",
            ])
        }
        if dryRun {
            for action in plan.proposed { output("[dry-run] remediation of \(gateway): would \(action.description)") }
        }
        guard isLeader else { return RemediationOutcome(record: nil, events: [], nextCheck: plan.nextCheck) }

        var record = plan.record
        var events = plan.events.filter { restartsEnabled || $0.reason != "RemediationSkipped" }.map(Self.planned)
        var nextCheck = plan.nextCheck
        for action in plan.actions {
            if let recheck {
                // The other gateways as the plan saw them: attributing the fault of "every BGP
                // session down" may fall back on them (§2.1); no other restart reads them again.
                let peers = action.target.reason == RestartTarget.bgpSessionsDown ? await coordinator.peers(of: gateway) : []
                let verdict = await recheck.confirm(action, key: key, assessment: assessment, record: prior, peers: peers, now: now)
                if let why = Self.unconfirmed(verdict) {
                    // Take the plan's bookkeeping back: no attempt, no budget used, no slot held.
                    record.lastAction = prior.lastAction
                    record.restartTimes = prior.restartTimes
                    record.inFlight = prior.inFlight
                    record.lastSkip = .unconfirmed
                    await coordinator.replace(record, gateway: gateway)
                    counters?.remediationSkipped(SkipReason.unconfirmed.rawValue)
                    let message = "\(SkipReason.unconfirmed.rawValue): not done: \(action.description); \(why)"
                    logger.notice("remediation skipped", metadata: [
                        "gateway": "\(gateway)", "reason": "\(SkipReason.unconfirmed.rawValue)", "message": "\(message)",
                    ])
                    if prior.lastSkip != .unconfirmed {
                        events.append(PlannedEvent(type: .normal, reason: "RemediationSkipped", message: message))
                    }
                    // The informers bring the news the fresh read saw; look again soon regardless.
                    nextCheck = [nextCheck, now.addingTimeInterval(Self.recheckDelay)].compactMap { $0 }.min()
                    continue
                }
            }
            let result = await execute(action)
            counters?.remediationAction(action, result: result)
            record = await coordinator.recordResult(result, of: action, gateway: gateway, at: now)
            events.append(Self.planned(RemediationEvent.forResult(result, of: action)))
        }
        if !events.isEmpty {  // (one actor hop fewer per reconcile: almost always empty)
            await tickets.noteEvents(events.map { TicketEventLine(time: now, type: $0.type.rawValue, reason: $0.reason, message: $0.message) },
                                     gateway: gateway)
        }
        // The ticket ladder's Events are raised whether restarts are on or off: drafts are.
        let ticket = await tickets.update(gateway: gateway, assessment: assessment, record: record, now: now)
        events += ticket.events.map(Self.planned)
        let next = [nextCheck, ticket.nextCheck].compactMap { $0 }.min()
        return RemediationOutcome(record: record, events: events, nextCheck: next)
    }

    /// Remembers transition Events for the gateway's ticket draft.
    public func noteEvents(_ events: [PlannedEvent], key: ObjectKey, now: Date) async {
        let gateway = GatewayKey(namespace: key.namespace ?? "", name: key.name)
        await tickets.noteEvents(events.map { TicketEventLine(time: now, type: $0.type.rawValue, reason: $0.reason, message: $0.message) },
                                 gateway: gateway)
    }

    /// The gateway is gone: forget its record, resolve its drafts and expire them (leader only).
    /// Returns when its drafts need another look (the next expiry).
    public func forget(_ key: ObjectKey, isLeader: Bool, now: Date) async -> Date? {
        let gateway = GatewayKey(namespace: key.namespace ?? "", name: key.name)
        await coordinator.forget(gateway)
        guard isLeader else { return nil }
        return await tickets.gatewayRemoved(gateway, now: now)
    }

    /// How soon a restart that a fresh read did not confirm is looked at again.
    static let recheckDelay: TimeInterval = 10

    /// Why the verdict stops the restart (nil: confirmed).
    static func unconfirmed(_ verdict: LiveRecheck.Verdict) -> String? {
        switch verdict {
        case .confirmed: nil
        case .notConfirmed(let why): why
        case .unreadable(let why): "the fresh read failed (\(why)); nothing is restarted on an unconfirmed view"
        }
    }

    static func planned(_ event: RemediationEvent) -> PlannedEvent {
        PlannedEvent(type: event.type == .warning ? .warning : .normal, reason: event.reason, message: event.message)
    }
}
