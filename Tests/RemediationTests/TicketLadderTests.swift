import Foundation
import HealthModel
import KubeAPI
import Testing
@testable import Remediation

/// Issue 17: a draft changes only when something material changes, and the escalation ladder
/// (docs/tickets.md §1–2). Every test here fails on the planner before the change.
@Suite struct TicketLadderTests {
    let gw = key("gw-1")

    func plan(_ drafts: [TicketDraft], _ a: Assessment, now: Date, record: RemediationRecord = RemediationRecord(),
              events: [TicketEventLine] = [], policy: RemediationPolicy = enabled) -> (plan: TicketPlan, drafts: [TicketDraft]) {
        let plan = TicketPlanner.update(existing: drafts, gateway: gw, assessment: a, record: record, lastEvents: events,
                                        policy: policy, now: now, version: "0.3.0")
        return (plan, TicketPlanner.applying(plan.changes, to: drafts))
    }

    /// CONFIG_FAIL as one heartbeat after another shows it: the heartbeat, its age, the lag and a
    /// traffic counter move every time; nothing material does.
    func configFail(since: Date, now: Date) -> Assessment {
        var a = assessment(.configFail, reason: "ApplyTimedOut", since: since, configApplied: false)
        let elapsed = Int(now.timeIntervalSince(since))
        a.evidence.heartbeat = KubeTime.format(now.addingTimeInterval(-Double(elapsed % 15)))
        a.evidence.configLagSince = KubeTime.format(since.addingTimeInterval(-120))
        a.evidence.counters = [decoded(["key": "vrf-1", "packets": .int(Int64(1000 + elapsed * 10)), "drops": 0,
                                        "deltaPackets": 150, "deltaDrops": 0, "note": "compared"])].compactMap { $0 }
        a.evidence.pods = [decoded(["name": "gw--gw-1--dataplane-aaaaa", "role": "dataplane", "phase": "Running", "ready": "1/1",
                                    "restarts": .int(Int64(elapsed / 60)), "terminating": false])].compactMap { $0 }
        return a
    }

    @Test func aConfigFailDraftIsWrittenOnlyWhenSomethingMaterialChanges() {
        var drafts: [TicketDraft] = []
        var opens = 0, updates = 0
        // A StateChanged Event repeated (its count grows) is not a new kind of Event.
        var events = [TicketEventLine(time: t0, type: "Warning", reason: "StateChanged", message: "UP → CONFIG_FAIL", count: 1)]
        for beat in 0...(600 / 15) {
            let now = at(Double(beat * 15))
            events[0].count = beat + 1
            let step = plan(drafts, configFail(since: t0, now: now), now: now, events: events)
            for change in step.plan.changes {
                if case .open = change { opens += 1 } else { updates += 1 }
            }
            drafts = step.drafts
            // As the coordinator does: the ladder's Events join the gateway's last Events.
            events += step.plan.events.map { TicketEventLine(time: now, type: $0.type.rawValue, reason: $0.reason, message: $0.message) }
        }
        #expect(opens == 1)
        // Opened at 120 s; refreshed (ages, lags, counters) at 420 s; the next refresh is due after 600 s.
        #expect(updates == 1, "updates: \(updates)")
        #expect(drafts.first?.updatedAt == at(420))
        let facts = try? #require(drafts.first?.facts)
        #expect(facts?.state == .configFail && facts?.reason == "ApplyTimedOut")
        #expect(facts?.failingConditions.map(\.type) == [ConditionType.configApplied, ConditionType.ready])
        #expect(facts?.eventReasons == ["StateChanged"], "the ladder's own Events are lines already")

        // Material: a new kind of Event, a new failing condition, the record. Each is written at once.
        let now = at(430)
        let newKind = events + [TicketEventLine(time: at(425), type: "Normal", reason: "RemediationSkipped", message: "x")]
        #expect(plan(drafts, configFail(since: t0, now: now), now: now, events: newKind).plan.changes.count == 1)
        var routing = configFail(since: t0, now: now)
        routing.conditions = routing.conditions.map { c in
            c.type == ConditionType.routingApplied
                ? Condition(type: c.type, status: "False", reason: "FRRApplyTimedOut", message: "", lastTransitionTime: KubeTime.format(t0), observedGeneration: 7)
                : c
        }
        #expect(plan(drafts, routing, now: now, events: events).plan.changes.count == 1)
        let refused = RemediationRecord(refusals: .init(count: 1, since: at(400), message: "PDB"))
        #expect(plan(drafts, configFail(since: t0, now: now), now: now, record: refused, events: events).plan.changes.count == 1)
        // A message (it carries an age) is not material.
        var reworded = configFail(since: t0, now: now)
        reworded.message = "applied generation lags by 313 s"
        #expect(plan(drafts, reworded, now: now, events: events).plan.changes.isEmpty)
    }

    @Test func theRefreshWritesNothingWhenNothingShownHasChanged() {
        let a = assessment(.configFail, reason: "ApplyTimedOut", since: t0, configApplied: false)
        let drafts = plan([], a, now: at(120)).drafts
        #expect(drafts.first?.lastEvents.map(\.reason) == ["TicketOpened"])
        let shown = drafts.first?.lastEvents ?? []
        #expect(plan(drafts, a, now: at(120 + 300), events: shown).plan.changes.isEmpty)
    }

    @Test func downForTenMinutesOpensADraftWhetherRemediationIsOnOrOff() {
        let down = assessment(.down, reason: "CrashLoopBackOff", since: t0, bgp: (0, 2))
        for policy in [RemediationPolicy(), enabled] {
            #expect(plan([], down, now: at(599), policy: policy).plan.changes.isEmpty)
            #expect(TicketPlanner.nextCheck(existing: [], gateway: gw, assessment: down, policy: policy, now: at(30)) == at(600))
            let opened = plan([], down, now: at(600), policy: policy)
            guard case .open(let d)? = opened.plan.changes.first, opened.plan.changes.count == 1 else {
                Issue.record("expected one open: \(opened.plan.changes)"); continue
            }
            #expect(d.incident == .down && d.severity == .critical && d.since == t0)
            #expect(d.escalations.map(\.step) == [.down])
            #expect(d.escalations.first?.text.contains(KubeTime.format(t0)) == true, "the line carries the instant")
            #expect(opened.plan.events.map(\.reason) == ["TicketOpened"])
            #expect(opened.plan.events.first?.type == .warning)
            #expect(opened.plan.events.first?.message.contains(d.id) == true)
            // Raised once: the next reconciles take no step again.
            let again = plan(opened.drafts, down, now: at(615), events: d.lastEvents, policy: policy)
            #expect(again.plan.events.isEmpty && again.plan.changes.isEmpty)
        }
    }

    @Test func downForAReasonNeverRestartedOpensOnceItHasLastedTicketAfter() {
        for reason in ["PodMissing", "PodNotRunning", "NeverReported"] {
            let down = assessment(.down, reason: reason, since: t0, bgp: (0, 2))
            #expect(plan([], down, now: at(119)).plan.changes.isEmpty, "\(reason)")
            let opened = plan([], down, now: at(120))
            #expect(opened.plan.changes.first?.draft?.incident == .down, "\(reason)")
            #expect(opened.plan.changes.first?.draft?.escalations.map(\.step) == [.downNotRestarted])
            #expect(opened.plan.changes.first?.draft?.summary.contains("never restarts") == true)
        }
        // Other DOWN reasons wait for ticketAfterDown.
        #expect(plan([], assessment(.down, reason: "HeartbeatLost", since: t0), now: at(300)).plan.changes.isEmpty)
    }

    @Test func aStateDraftEscalatesOnDownInsteadOfOpeningAnother() {
        let keepalive = assessment(.keepaliveFail, reason: "KeepaliveMissed", since: t0, heartbeatFresh: false, liveness: .switchAgentBGP)
        let opened = plan([], keepalive, now: at(120))
        let id = opened.drafts.first?.id
        let down = assessment(.down, reason: "HeartbeatLost", since: at(200), heartbeatFresh: false)
        #expect(plan(opened.drafts, down, now: at(799)).plan.events.isEmpty)
        let escalated = plan(opened.drafts, down, now: at(800))
        #expect(escalated.plan.changes.map(\.id) == [id].compactMap { $0 })
        #expect(escalated.plan.events.map(\.reason) == ["TicketEscalated"])
        #expect(escalated.drafts.first?.escalations.map(\.step) == [.keepaliveFail, .down])
        #expect(escalated.drafts.first?.escalations.last?.at == at(800))
        #expect(plan(escalated.drafts, down, now: at(815)).plan.events.isEmpty, "once per step")
        #expect(escalated.drafts.count == 1)
    }

    @Test func refusalsOpenADraftAfterThreeAndAForbiddenRestartAtOnce() {
        let down = assessment(.down, reason: "CrashLoopBackOff", since: at(-60), bgp: (0, 2))
        func refused(_ count: Int, forbidden: Bool = false) -> RemediationRecord {
            RemediationRecord(lastAction: .init(kind: "evict", pod: "gw--gw-1--dataplane-aaaaa", role: .dataplane, at: at(-5),
                                                result: forbidden ? .forbidden : .refused, message: "Cannot evict pod as it would violate the pod's disruption budget."),
                              refusals: .init(count: count, since: at(-1200), message: "Cannot evict pod as it would violate the pod's disruption budget.",
                                              forbidden: forbidden))
        }
        #expect(plan([], down, now: t0, record: refused(2)).plan.changes.isEmpty)
        let three = plan([], down, now: t0, record: refused(3))
        guard case .open(let d)? = three.plan.changes.first, three.plan.changes.count == 1 else {
            Issue.record("expected one open: \(three.plan.changes)"); return
        }
        #expect(d.incident == .remediationRefused && d.since == at(-1200))
        #expect(d.summary.contains("\"Cannot evict pod as it would violate the pod's disruption budget.\""), "the refusal quoted: \(d.summary)")
        #expect(d.escalations.map(\.step) == [.evictionRefused])
        #expect(three.plan.events.map(\.reason) == ["TicketOpened"])
        // A fourth refusal is material (the count), but no new step.
        let four = plan(three.drafts, down, now: at(300), record: refused(4), events: d.lastEvents)
        #expect(four.plan.changes.count == 1 && four.plan.events.isEmpty, "\(four.plan.changes.map { "\($0.id) \($0.draft?.status.rawValue ?? "")" }) \(four.plan.events)")

        let forbidden = RemediationRecord(
            lastAction: .init(kind: "evict", pod: "gw--gw-1--dataplane-aaaaa", role: .dataplane, at: at(-5), result: .forbidden,
                              message: "pods \"gw--gw-1--dataplane-aaaaa\" is forbidden: User cannot create resource \"pods/eviction\""),
            refusals: .init(count: 1, since: at(-5), message: "pods \"gw--gw-1--dataplane-aaaaa\" is forbidden: User cannot create resource \"pods/eviction\"",
                            forbidden: true))
        let at403 = plan([], down, now: t0, record: forbidden)
        #expect(at403.plan.changes.first?.draft?.incident == .remediationRefused)
        #expect(at403.plan.changes.first?.draft?.escalations.map(\.step) == [.evictionForbidden])
        #expect(at403.plan.changes.first?.draft?.summary.contains("403") == true)
        #expect(at403.plan.events.first?.message.contains("is forbidden") == true)
        // Resolved when the refusals are cleared (a restart went through, or UP with nothing to restart).
        let cleared = plan(at403.drafts, down, now: at(30))
        #expect(cleared.plan.changes.first?.draft?.status == .resolved)
    }

    @Test func anExhaustedBudgetOpensADraftAtOnceWhateverTheState() {
        // BGPSessionsDown restarts happen while UP: the budget can run out on an UP gateway.
        let up = assessment(.up, since: at(-7200), bgp: (0, 2))
        let exhausted = RemediationRecord(restartTimes: [at(-2000), at(-1000), at(-300)], exhaustedAt: t0)
        let opened = plan([], up, now: t0, record: exhausted)
        #expect(opened.plan.changes.first?.draft?.incident == .remediationExhausted)
        #expect(opened.plan.changes.first?.draft?.since == t0)
        #expect(opened.plan.events.map(\.reason) == ["TicketOpened"])
        // UP, still exhausted: the draft stays open.
        let shown = opened.drafts.first?.lastEvents ?? []
        let later = plan(opened.drafts, up, now: at(60), record: exhausted, events: shown)
        #expect(later.plan.changes.isEmpty)
        // Resolved only once the record's exhaustedAt is cleared.
        let cleared = plan(later.drafts, up, now: at(120), record: RemediationRecord())
        #expect(cleared.plan.changes.first?.draft?.status == .resolved)
        #expect(cleared.plan.changes.first?.draft?.resolvedAt == at(120))
    }

    @Test func draftsStoredBeforeTheLadderStillRead() throws {
        let a = assessment(.configFail, reason: "ApplyTimedOut", since: t0, configApplied: false)
        let d = try #require(plan([], a, now: at(120)).plan.changes.first?.draft)
        var json = try JSONValue.parse(TicketRenderer.json(d))
        json["escalations"] = nil
        json["facts"] = nil
        let old = try #require(TicketRenderer.draft(fromJSON: json.jsonString))
        #expect(old.escalations.isEmpty && old.facts == nil)
        #expect(old.id == d.id)
        // An old draft has no facts: the first look writes them (once).
        let first = plan([old], a, now: at(130), events: d.lastEvents)
        #expect(first.plan.changes.count == 1)
        #expect(plan(first.drafts, a, now: at(140), events: d.lastEvents).plan.changes.isEmpty)
    }

    /// A restart held because nothing attributes the fault (a lone gateway, every BGP session
    /// down) escalates after `ticketAfterDown`; a FabricFault hold (the leaves are down) never
    /// opens a draft; the draft resolves when the hold ends. Fails on the ladder without the step.
    @Test func aRestartHeldAsUnattributedOpensADraftAfterTenMinutesAndAFabricFaultNever() {
        let up = assessment(.up, since: at(-3600), bgp: (0, 2))
        let held = RemediationRecord(allBGPDownSince: t0, lastSkip: .faultUnattributed)
        #expect(plan([], up, now: at(599), record: held).plan.changes.isEmpty)
        #expect(TicketPlanner.nextCheck(existing: [], gateway: gw, assessment: up, record: held, policy: enabled, now: at(30)) == at(600))
        let opened = plan([], up, now: at(600), record: held)
        guard case .open(let d)? = opened.plan.changes.first, opened.plan.changes.count == 1 else {
            Issue.record("expected one open: \(opened.plan.changes)"); return
        }
        #expect(d.incident == .remediationHeld && d.severity == .major && d.since == t0)
        #expect(d.escalations.map(\.step) == [.restartHeld])
        #expect(d.escalations.first?.text.contains(KubeTime.format(t0)) == true)
        #expect(opened.plan.events.map(\.reason) == ["TicketOpened"])

        let fabric = RemediationRecord(allBGPDownSince: t0, lastSkip: .fabricFault)
        #expect(plan([], up, now: at(3600), record: fabric).plan.changes.isEmpty, "a leaf maintenance opens no draft per gateway")
        #expect(TicketPlanner.nextCheck(existing: [], gateway: gw, assessment: up, record: fabric, policy: enabled, now: at(30)) == nil)

        // The sessions come back: the record holds nothing; the draft is resolved.
        let back = plan(opened.drafts, assessment(.up, since: at(-3600)), now: at(900))
        guard case .resolve(let r)? = back.plan.changes.first else { Issue.record("expected a resolve: \(back.plan.changes)"); return }
        #expect(r.id == d.id && r.resolvedAt == at(900))
    }

    @Test func agentMissingIsADownNeverRestarted() {
        let gone = assessment(.down, reason: "AgentMissing", since: t0, bgp: (0, 0))
        #expect(plan([], gone, now: at(119)).plan.changes.isEmpty)
        let opened = plan([], gone, now: at(120))
        #expect(opened.drafts.first?.escalations.map(\.step) == [.downNotRestarted])
    }
}
