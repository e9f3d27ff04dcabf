import Foundation
import HealthModel
import Remediation

/// Plans restarts one gateway at a time for the whole operator. Every worker's reconcile asks this
/// one actor, and a plan is made and its record stored in one uninterrupted actor turn, so a
/// second gateway planned concurrently already sees the first one's restart in flight: the
/// fleet-wide limit holds across workers (docs/remediation.md §1, §3.7).
///
/// It keeps what the fleet-wide guards read of every gateway (`FleetMember`) and, while
/// this instance leads, the newest remediation record of each. A record not yet known here is taken
/// from the persisted GatewayHealth status (after an operator restart, or a handover).
public actor RemediationCoordinator {
    private let policy: RemediationPolicy
    private let dryRun: Bool
    /// The leaves at the other end are judged by the health policy's `switchAgentStaleAfter`.
    private let health: HealthPolicy
    /// What the fleet-wide guards read of every gateway.
    private var members: [GatewayKey: Boxed<FleetMember>] = [:]
    /// Records this instance produced as leader; newer than the persisted ones until written.
    /// Only those that differ from the persisted record are kept: a healthy fleet's records are
    /// all empty (10,000 of them, inline in the table, were ≈ 3 MB).
    private var records: [GatewayKey: RemediationRecord] = [:]

    public init(policy: RemediationPolicy, dryRun: Bool, health: HealthPolicy = .default) {
        self.policy = policy
        self.dryRun = dryRun
        self.health = health
    }

    /// Every gateway but `key` as planning last saw it: the fresh read before a restart
    /// (`LiveRecheck`) attributes the fault against the same other gateways as the plan did.
    public func peers(of key: GatewayKey) -> [GatewaySnapshot] {
        members.compactMap { other, member in other == key ? nil : member.value.snapshot }
    }

    /// Plans `snapshot.key`. `persisted` gives the persisted record of any gateway (the
    /// GatewayHealth cache), used for gateways this instance holds no newer record of. Also
    /// returns `prior`, the record this instance held for the gateway before planning (nil:
    /// none), read in the same actor turn.
    public func plan(_ snapshot: GatewaySnapshot, persisted: [GatewayKey: RemediationRecord],
                     groupsWithPeerings: Set<String>, isLeader: Bool, now: Date) -> (plan: RemediationPlan, prior: RemediationRecord?) {
        let prior = records[snapshot.key]
        return (makePlan(snapshot, persisted: persisted, groupsWithPeerings: groupsWithPeerings, isLeader: isLeader, now: now), prior)
    }

    private func makePlan(_ snapshot: GatewaySnapshot, persisted: [GatewayKey: RemediationRecord],
                          groupsWithPeerings: Set<String>, isLeader: Bool, now: Date) -> RemediationPlan {
        var snapshot = snapshot
        if !isLeader {
            // The leader owns the records: a follower forgets its own and reads the persisted ones.
            records.removeAll()
        }
        snapshot.record = records[snapshot.key] ?? persisted[snapshot.key] ?? snapshot.record
        members[snapshot.key] = Boxed(FleetMember(snapshot))
        // Almost every plan is of a gateway that needs no restart: the planner then reads no other
        // gateway (only a restart meets the fleet-wide guards, and it always ends in an action or
        // a skip). Plan against this gateway alone first; building the whole fleet's view with
        // its current records is O(fleet), which per reconcile made the operator O(fleet²).
        let alone = FleetView(gateways: [snapshot.key: snapshot], groupsWithPeerings: groupsWithPeerings,
                              isLeader: isLeader, dryRun: dryRun, health: health)
        let quick = RemediationPlanner.plan(gateway: snapshot.key, fleet: alone, policy: policy, now: now)
        if quick.actions.isEmpty && quick.proposed.isEmpty && quick.skips.isEmpty {
            if isLeader { keep(quick.record, for: snapshot.key, persisted: persisted[snapshot.key]) }
            return quick
        }
        var gateways = members.mapValues(\.value.snapshot)
        gateways[snapshot.key] = snapshot
        var fleet = FleetView(gateways: gateways, groupsWithPeerings: groupsWithPeerings, isLeader: isLeader, dryRun: dryRun,
                              health: health)
        for key in fleet.gateways.keys where key != snapshot.key {
            if let record = records[key] ?? persisted[key] { fleet.gateways[key]?.record = record }
        }
        var plan = RemediationPlanner.plan(gateway: snapshot.key, fleet: fleet, policy: policy, now: now)
        if isLeader { keep(plan.record, for: snapshot.key, persisted: persisted[snapshot.key]) }
        if plan.skips.contains(where: { $0.reason == .fleetInFlightLimit }) {
            // Held by another gateway's restart: look again when its slot times out at the latest
            // (nothing about this gateway changes then, so nothing else would requeue it; +1 s: at
            // the very instant of the timeout the slot still counts as taken).
            let frees = fleet.gateways.compactMap { key, snap in
                key == snapshot.key ? nil : snap.record.inFlight.map { $0.since.addingTimeInterval(policy.inFlightTimeout + 1) }
            }.filter { $0 > now }.min()
            plan.nextCheck = [plan.nextCheck, frees].compactMap { $0 }.min()
        }
        return plan
    }

    /// Stores the executor's result in the gateway's record and returns the record to persist.
    public func recordResult(_ result: RestartResult, of action: RemediationAction, gateway key: GatewayKey,
                             at now: Date) -> RemediationRecord {
        let record = (records[key] ?? RemediationRecord()).recording(result, for: action, at: now)
        remember(record, for: key)
        return record
    }

    /// Replaces the gateway's record (an action planned but not executed is taken back).
    public func replace(_ record: RemediationRecord, gateway key: GatewayKey) {
        remember(record, for: key)
    }

    /// The gateway is gone.
    public func forget(_ key: GatewayKey) {
        members[key] = nil
        records[key] = nil
    }

    /// A plan's record: the newest unless it says what the persisted one says; the gateway's
    /// member then reads it either way.
    private func keep(_ record: RemediationRecord, for key: GatewayKey, persisted: RemediationRecord?) {
        guard record != (persisted ?? RemediationRecord()) else {
            records[key] = nil
            if let member = members[key]?.value, member.record != record { update(member, record: record) }
            return
        }
        remember(record, for: key)
    }

    private func update(_ member: FleetMember, record: RemediationRecord) {
        var member = member
        member.record = record
        members[member.key] = Boxed(member)
    }

    private func remember(_ record: RemediationRecord, for key: GatewayKey) {
        records[key] = record
        if let member = members[key]?.value { update(member, record: record) }
    }
}
