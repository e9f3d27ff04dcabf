import Foundation
import HealthModel
import KubeAPI

/// Decides restarts: a pure, deterministic function of the fleet, the policy and the clock
/// (docs/remediation.md). It does no I/O; the operator executes `actions`, raises `events`, and
/// persists `record`.
public enum RemediationPlanner {
    /// Plans one gateway. The fleet's other records must be current: the fleet-wide in-flight limit
    /// counts them (plan gateways one at a time, or use `planFleet`).
    public static func plan(gateway key: GatewayKey, fleet: FleetView, policy: RemediationPolicy, now rawNow: Date) -> RemediationPlan {
        let now = rawNow.wholeSeconds
        guard let snap = fleet.gateways[key] else { return RemediationPlan(gateway: key, record: RemediationRecord()) }
        // Not the leader: touch nothing, not even the record (the leader owns it).
        let original = snap.record
        var record = original
        let pods = GatewayPods(snap).pods
        record.restartTimes = record.restartTimes.filter { now.timeIntervalSince($0) < policy.window }.sorted()
        record.inFlight = SafetyGuards.activeInFlight(record, pods: pods, policy: policy, now: now)
        let rule = RestartRules.need(snap, bgpDownSince: record.allBGPDownSince, policy: policy, now: now)
        record.allBGPDownSince = rule.bgpDownSince
        var checks = [rule.nextCheck, record.inFlight.map { $0.since.addingTimeInterval(policy.inFlightTimeout) }].compactMap { $0 }

        func finish(_ skip: RemediationSkip?, actions: [RemediationAction] = [], proposed: [RemediationAction] = [],
                    events: [RemediationEvent] = []) -> RemediationPlan {
            var events = events
            if let skip, skip.reason.raisesEvent, record.lastSkip != skip.reason {
                events.append(RemediationEvent(reason: "RemediationSkipped", type: .normal, message: "\(skip.reason.rawValue): \(skip.message)"))
            }
            if let skip, skip.reason.raisesEvent { record.lastSkip = skip.reason } else if skip == nil { record.lastSkip = nil }
            return RemediationPlan(gateway: key, actions: actions, proposed: proposed, skips: skip.map { [$0] } ?? [],
                                   events: events, record: fleet.isLeader ? record : original,
                                   nextCheck: checks.filter { $0 > now }.min())
        }

        let role: PodRole, reason: String, message: String
        switch rule.need {
        case .none:
            if snap.assessment.state == .up {
                record.exhaustedAt = nil
                record.refusals = nil
            }
            return finish(nil)
        case .notRemediable(let why):
            return finish(RemediationSkip(reason: .stateNotRemediable, message: why))
        case .restart(let r, let why, let text):
            (role, reason, message) = (r, why, text)
        }

        let name = key.name
        // Every BGP session down: restart frr only when the fault is shown to be the gateway's
        // (§2.1). A hold spends nothing and comes before every guard: there is nothing to guard.
        if reason == RestartTarget.bgpSessionsDown {
            let down = "every BGP session of \(name) has been down since \(record.allBGPDownSince.map(KubeTime.format) ?? "?")"
            switch FaultAttribution.judge(snap, fleet: fleet, now: now) {
            case .gateway:
                if original.lastSkip?.isAttributionHold == true {
                    // The fabric is back (or the proof came): its sessions get the rule's whole
                    // window to come up before frr is blamed.
                    record.allBGPDownSince = now
                    checks.append(now.addingTimeInterval(policy.bgpDownRestartAfter))
                    return finish(nil)
                }
            case .fabric(let why):
                return finish(RemediationSkip(reason: .fabricFault, message: "\(down)\(FaultAttribution.forwardingEvidence(snap.assessment)); \(why)"))
            case .unattributed(let why):
                return finish(RemediationSkip(reason: .faultUnattributed, message: "\(down)\(FaultAttribution.forwardingEvidence(snap.assessment)); \(why)"))
            }
        }
        let pod = GatewayPods(snap).best(role)
        let target = RestartTarget(pod: pod?.name ?? "gw--\(name)--\(role.rawValue)", namespace: pod?.namespace ?? "",
                                   uid: pod?.uid, role: role, reason: reason, message: message)
        let refusedBefore = record.lastAction.map { $0.result == .refused && $0.pod == target.pod } ?? false
        let action: RemediationAction = refusedBefore && policy.allowDelete ? .delete(target) : .evict(target)

        if !policy.enabled {
            return finish(RemediationSkip(reason: .disabled, message: "remediation is off; would \(action.description)"), proposed: [action])
        }
        if snap.paused {
            return finish(RemediationSkip(reason: .paused, message: "\(GatewayGroups.pauseAnnotation) is \"true\"; would \(action.description)"), proposed: [action])
        }
        if !fleet.isLeader {
            return finish(RemediationSkip(reason: .notLeader, message: "only the leader acts; would \(action.description)"), proposed: [action])
        }
        guard let pod, !pod.isBeingDeleted else {
            let why = pod == nil ? "no \(role.rawValue) pod of \(name) exists" : "\(pod?.name ?? "") is already being deleted"
            return finish(RemediationSkip(reason: .targetUnavailable, message: "\(why); the DaemonSet is replacing it"))
        }
        if record.exhaustedAt != nil {
            return finish(RemediationSkip(reason: .budgetExhausted, message: budgetText(record, policy) + "; remediation stays stopped until \(name) is UP again"))
        }
        if record.restartTimes.count >= policy.maxRestartsPerWindow {
            record.exhaustedAt = now
            let text = budgetText(record, policy) + "; remediation stops for \(name) until it is UP again and a ticket draft is opened"
            let exhausted = RemediationEvent(reason: "RemediationExhausted", type: .warning, message: "\(text) (needed: \(action.description))")
            return finish(RemediationSkip(reason: .budgetExhausted, message: text), events: [exhausted])
        }
        if let refusals = record.refusals, refusals.forbidden {
            return finish(RemediationSkip(reason: .evictionForbidden, message: "the API forbade restarting \(name)'s pods (403: \(refusals.message)); retrying would only repeat it, so remediation holds until \(name) is UP again and a ticket draft is opened"))
        }
        if case .evict = action, let last = record.lastAction {
            let ends = last.at.addingTimeInterval(policy.cooldown)
            if now < ends {
                checks.append(ends)
                if refusedBefore {
                    return finish(RemediationSkip(reason: .evictionRefused, message: "the eviction of \(target.pod) was refused (\(last.message ?? "disruption budget")) and DELETE is not allowed (--allow-delete); eviction is tried again at \(KubeTime.format(ends))"))
                }
                return finish(RemediationSkip(reason: .cooldown, message: "the last \(last.kind) of \(last.pod) was at \(KubeTime.format(last.at)); cooldown \(Int(policy.cooldown)) s, until \(KubeTime.format(ends))"))
            }
        }
        let busy = SafetyGuards.inFlight(fleet, policy: policy, now: now).filter { $0 != key || record.inFlight != nil }
        if busy.count >= policy.maxInFlight {
            return finish(RemediationSkip(reason: .fleetInFlightLimit, message: "\(busy.count) restart(s) already in flight (\(busy.map(\.description).joined(separator: ", "))); at most \(policy.maxInFlight) fleet-wide"))
        }
        let groups = SafetyGuards.lastForwardingGroups(key, fleet: fleet)
        if !groups.isEmpty {
            let members = SafetyGuards.otherMembers(of: groups, besides: key, fleet: fleet)
            return finish(RemediationSkip(reason: .lastHealthyGroupMember, message: "\(name) still forwards and no other member of group(s) \(groups.joined(separator: ", ")), which carry peerings, is UP and Forwarding (\(members)); restarting it would blackhole those peerings"))
        }
        if fleet.dryRun {
            return finish(RemediationSkip(reason: .dryRun, message: "dry-run: would \(action.description)"), proposed: [action])
        }
        record.lastAction = .init(kind: action.kind, pod: target.pod, role: role, at: now, result: .requested)
        record.restartTimes.append(now)
        record.inFlight = .init(pod: target.pod, uid: target.uid, role: role, since: now)
        checks.append(now.addingTimeInterval(policy.inFlightTimeout))
        return finish(nil, actions: [action])
    }

    /// Plans every gateway in key order, each seeing the records the earlier ones produced, so the
    /// fleet-wide in-flight limit holds within one pass.
    public static func planFleet(_ fleet: FleetView, policy: RemediationPolicy, now: Date) -> [GatewayKey: RemediationPlan] {
        var fleet = fleet
        var plans: [GatewayKey: RemediationPlan] = [:]
        for key in fleet.gateways.keys.sorted() {
            let plan = plan(gateway: key, fleet: fleet, policy: policy, now: now)
            fleet.gateways[key]?.record = plan.record
            plans[key] = plan
        }
        return plans
    }

    private static func budgetText(_ record: RemediationRecord, _ policy: RemediationPolicy) -> String {
        "\(record.restartTimes.count) restart(s) in the last \(Int(policy.window)) s; the budget is \(policy.maxRestartsPerWindow)"
    }
}
