import Foundation
import HealthModel
import KubeAPI
import KubeEmulator
import Testing
@testable import Remediation

@Suite struct TicketPlannerTests {
    let gw = key("gw-1")

    func keepalive(since: Date) -> Assessment {
        assessment(.keepaliveFail, reason: "KeepaliveMissed", since: since, heartbeatFresh: false, liveness: .switchAgentBGP)
    }

    func run(_ drafts: [TicketDraft], _ a: Assessment, now: Date, record: RemediationRecord = RemediationRecord(),
             events: [TicketEventLine] = [], policy: RemediationPolicy = enabled)
        -> (changes: [TicketChange], drafts: [TicketDraft], events: [RemediationEvent]) {
        let plan = TicketPlanner.update(existing: drafts, gateway: gw, assessment: a, record: record, lastEvents: events,
                                        policy: policy, now: now, version: "0.3.0")
        return (plan.changes, TicketPlanner.applying(plan.changes, to: drafts), plan.events)
    }

    @Test func opensOnlyAfterTwoMinutes() {
        #expect(run([], keepalive(since: t0), now: at(119)).changes.isEmpty)
        let opened = run([], keepalive(since: t0), now: at(120))
        guard case .open(let d)? = opened.changes.first, opened.changes.count == 1 else { Issue.record("expected one open"); return }
        #expect(d.id == TicketDraft.makeID(gateway: gw, incident: .keepaliveFail, since: t0))
        #expect(d.since == t0)
        #expect(d.status == .open)
        #expect(d.severity == .major)
        #expect(d.gateway == "gw-1" && d.namespace == "default")
        #expect(TicketPlanner.nextCheck(existing: [], gateway: gw, assessment: keepalive(since: t0), policy: enabled, now: at(30)) == at(120))
    }

    @Test func configFailOpensToo() {
        let a = assessment(.configFail, reason: "ApplyTimedOut", since: t0, configApplied: false)
        #expect(run([], a, now: at(200)).changes.first?.draft?.incident == .configFail)
        // DOWN waits for ticketAfterDown (TicketLadderTests).
        #expect(run([], assessment(.down, reason: "HeartbeatLost", since: t0), now: at(599)).changes.isEmpty)
    }

    @Test func oneDraftPerIncidentUpdatedOnlyWhenSomethingChanges() {
        var drafts = run([], keepalive(since: t0), now: at(120)).drafts
        #expect(drafts.count == 1)
        // Same facts a minute later: nothing to write.
        #expect(run(drafts, keepalive(since: t0), now: at(180)).changes.isEmpty)
        // A new Event is material: one update, same id.
        let event = TicketEventLine(time: at(170), type: "Warning", reason: "StateChanged", message: "UP → KEEPALIVE_FAIL")
        let updated = run(drafts, keepalive(since: t0), now: at(190), events: [event])
        guard case .update(let d)? = updated.changes.first, updated.changes.count == 1 else { Issue.record("expected one update"); return }
        #expect(d.id == drafts[0].id)
        #expect(d.updatedAt == at(190))
        #expect(d.openedAt == at(120))
        drafts = updated.drafts
        #expect(drafts.count == 1)
        // Ages and other volatile parts are rewritten once the refresh interval has passed, not before.
        var older = keepalive(since: t0)
        older.evidence.heartbeat = KubeTime.format(at(-480))
        #expect(run(drafts, older, now: at(190 + 299), events: [event]).changes.isEmpty)
        #expect(run(drafts, older, now: at(190 + 300), events: [event]).changes.count == 1)
        #expect(run(drafts, keepalive(since: t0), now: at(190 + 300), events: [event]).changes.isEmpty, "nothing shown changed")
        // The state moves on to DOWN: the incident continues in the same draft.
        let down = run(drafts, assessment(.down, reason: "HeartbeatLost", since: at(400), heartbeatFresh: false), now: at(420), events: [event])
        #expect(down.changes.map(\.id) == [drafts[0].id])
        #expect(down.changes.first?.draft?.state == .down)
        #expect(down.drafts.count == 1)
    }

    @Test func resolvedWhenUpAgainAndExpiredAfterSevenDays() {
        let drafts = run([], keepalive(since: t0), now: at(300)).drafts
        let resolved = run(drafts, assessment(.up, since: at(400)), now: at(415))
        guard case .resolve(let d)? = resolved.changes.first else { Issue.record("expected a resolve"); return }
        #expect(d.status == .resolved)
        #expect(d.resolvedAt == at(400))
        let week = 7 * 24 * 3600.0
        #expect(run(resolved.drafts, assessment(.up, since: at(400)), now: at(400 + week - 1)).changes.isEmpty)
        let expired = run(resolved.drafts, assessment(.up, since: at(400)), now: at(400 + week))
        #expect(expired.changes == [.expire(id: d.id)])
        #expect(expired.drafts.isEmpty)
    }

    @Test func aReturnWithinTheReopenWindowContinuesTheSameDraft() {
        var drafts = run([], keepalive(since: t0), now: at(300)).drafts
        drafts = run(drafts, assessment(.up, since: at(400)), now: at(400)).drafts
        // Back in KEEPALIVE_FAIL 100 s later: not yet 2 min, nothing.
        #expect(run(drafts, keepalive(since: at(500)), now: at(560)).changes.isEmpty)
        let reopened = run(drafts, keepalive(since: at(500)), now: at(620))
        #expect(reopened.changes.count == 1)
        #expect(reopened.changes.first?.id == drafts[0].id)
        #expect(reopened.changes.first?.draft?.status == .open)
        #expect(reopened.changes.first?.draft?.resolvedAt == nil)
        // Much later it is a new incident.
        let later = run(drafts, keepalive(since: at(400 + 601)), now: at(400 + 601 + 120))
        guard case .open(let fresh)? = later.changes.first else { Issue.record("expected a new draft"); return }
        #expect(fresh.id != drafts[0].id)
        #expect(later.drafts.count == 2)
    }

    /// UP ↔ KEEPALIVE_FAIL every minute for an hour, evaluated every 15 s: no episode lasts 2 min,
    /// so no draft opens, and KEEPALIVE_FAIL is never restarted.
    @Test func aFlappingHourYieldsNoDraftAndNoRestart() {
        var drafts: [TicketDraft] = []
        var record = RemediationRecord()
        var writes = 0
        var restarts = 0
        for step in 0..<(60 * 4) {
            let now = at(Double(step * 15))
            let minute = step / 4
            let since = at(Double(minute * 60))
            let a = minute % 2 == 0 ? keepalive(since: since) : assessment(.up, since: since)
            let changes = run(drafts, a, now: now, record: record).changes
            writes += changes.count
            drafts = TicketPlanner.applying(changes, to: drafts)
            let snap = snapshot("gw-1", a, record: record)
            let plan = RemediationPlanner.plan(gateway: snap.key, fleet: fleet([snap]), policy: enabled, now: now)
            restarts += plan.actions.count
            record = plan.record
        }
        #expect(drafts.isEmpty)
        #expect(writes == 0)
        #expect(restarts == 0)
    }

    /// Three minutes down, one up, for an hour: every episode qualifies, but they are one incident.
    @Test func longerFlapsShareOneDraft() {
        var drafts: [TicketDraft] = []
        var writes = 0
        for step in 0..<(60 * 4) {
            let now = at(Double(step * 15))
            let minute = step / 4
            let cycleStart = at(Double((minute / 4) * 240))
            let a = minute % 4 < 3 ? keepalive(since: cycleStart) : assessment(.up, since: cycleStart.addingTimeInterval(180))
            let changes = run(drafts, a, now: now).changes
            writes += changes.count
            drafts = TicketPlanner.applying(changes, to: drafts)
        }
        #expect(drafts.count == 1)
        #expect(writes == 30)  // one open, then per cycle one resolve and one reopen (15 cycles)
    }

    @Test func gatewayRemovedResolvesItsDrafts() {
        let drafts = run([], keepalive(since: t0), now: at(300)).drafts
        let changes = TicketPlanner.gatewayRemoved(existing: drafts, gateway: gw, now: at(500))
        #expect(changes.first?.draft?.status == .resolved)
        #expect(changes.first?.draft?.resolvedAt == at(500))
    }

    @Test func idsAreStableAndSafeNames() {
        let a = TicketDraft.makeID(gateway: GatewayKey(namespace: "default", name: "GW_1.edge"), incident: .configFail, since: t0)
        #expect(a == TicketDraft.makeID(gateway: GatewayKey(namespace: "default", name: "GW_1.edge"), incident: .configFail, since: t0.addingTimeInterval(0.5)))
        #expect(a != TicketDraft.makeID(gateway: GatewayKey(namespace: "default", name: "GW_1.edge"), incident: .configFail, since: at(1)))
        #expect(a.hasPrefix("gw-1-edge-config-fail-"))
        #expect(a.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" })
        let long = TicketDraft.makeID(gateway: key(String(repeating: "x", count: 200)), incident: .remediationExhausted, since: t0)
        #expect(long.count <= 63)
    }
}

/// The ticket coordinator's recent Events per gateway, packed: they read back as the list of
/// lines they stand for (the newest `limit`, oldest first), field for field, whatever the
/// lines hold, and an UP transition's line takes about its text's bytes.
@Suite struct RecentTicketEventsTests {
    @Test func packedLinesAgreeWithAListOfTheNewest() {
        var random = SplitMix64(seed: 0x7E57_E7E7)
        let texts = ["", "GatewayUp", "a reason longer than fifteen bytes", "gateway gw-1 is UP: Healthy: ✓ ünïcode",
                     String(repeating: "m", count: 127), String(repeating: "n", count: 128), String(repeating: "é", count: 20_000)]
        let types = ["Normal", "Warning", "", "Custom"]
        func line() -> TicketEventLine {
            let time: Date? = switch random.next() % 4 {
            case 0: nil
            case 1: Date(timeIntervalSince1970: 1_776_000_000)
            case 2: Date(timeIntervalSince1970: 1_776_000_000.123_456_789)
            default: Date(timeIntervalSince1970: -Double(random.next() % 1_000_000) / 7)
            }
            let count: Int? = switch random.next() % 4 {
            case 0: nil
            case 1: 0
            case 2: Int.min
            default: Int(truncatingIfNeeded: random.next())
            }
            return TicketEventLine(time: time, type: types[Int(random.next() % 4)], reason: texts[Int(random.next() % 7)],
                                   message: texts[Int(random.next() % 7)], count: count)
        }
        for limit in [0, 1, 3, 20] {
            var packed = RecentTicketEvents()
            var model: [TicketEventLine] = []
            for step in 0..<300 {
                let lines = (0..<Int(random.next() % 5)).map { _ in line() }
                packed.append(lines, keeping: limit)
                if !lines.isEmpty {
                    model += lines
                    if model.count > limit { model.removeFirst(model.count - limit) }
                }
                #expect(packed.lines == model, "limit \(limit), step \(step)")
                #expect(packed.count == model.count && packed.isEmpty == model.isEmpty)
                #expect(zip(packed.lines, model).allSatisfy { $0.time?.timeIntervalSinceReferenceDate.bitPattern
                    == $1.time?.timeIntervalSinceReferenceDate.bitPattern && Array($0.message.utf8) == Array($1.message.utf8) })
            }
        }
        #expect(RecentTicketEvents(Array(repeating: line(), count: 30), keeping: 20).count == 20)
    }

    /// An UP transition's line, the one every gateway keeps, takes a fraction of its text
    /// (≈ 120 bytes packed, with its message; the array of lines it replaced took ≈ 300 of heap).
    @Test func anUpTransitionsLineIsKeptDeflated() {
        for (name, was) in [("gw-00001", ""), ("fabric-east-gateway-17", " (was WAITING)"), ("gw-2", " (was DOWN)")] {
            let message = "gateway \(name) is UP\(was): Healthy: heartbeat fresh, configuration applied, pods running"
            let line = TicketEventLine(time: Date(timeIntervalSince1970: 1_776_000_000.25), type: "Normal", reason: "GatewayUp", message: message)
            let packed = RecentTicketEvents([line])
            #expect(packed.lines == [line])
            #expect(packed.storedCount <= 48, "\(packed.storedCount) bytes for \(message.utf8.count) of message")
        }
    }
}
