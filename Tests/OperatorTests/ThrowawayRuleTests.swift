import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import Testing

/// Issue 18 acceptance 2: a rule defined here, in the test target alone, and registered by
/// passing a `HealthRules` value, is evaluated, ordered in the status, raises its Event, keeps
/// its previous message in the cache and contributes to `nextCheck` — with no file of the
/// product changed.
@Suite("A rule is one unit")
struct ThrowawayRuleTests {
    /// `SessionsIdle`: False `Idle` while some BGP session is idle. It quotes its previous
    /// message (so it must get it back whole from the cache) and asks to be judged again soon.
    struct SessionsIdleRule: HealthRule {
        let condition = "SessionsIdle"
        let docSection = "§99"
        let reasons = ["NoneIdle", "Idle"]
        let events = [ConditionEvent(when: "False", .warning, reason: "SessionIdle")]
        let reads: Set<RuleInput> = [.agentBGP]
        let readsPreviousMessage = true

        func evaluate(_ context: inout RuleContext) -> RuleOutcome {
            let neighbors = context.inputs.agent?.bgpNeighbors.value ?? []
            let idle = neighbors.filter { $0.sessionState.value == .idle }.map(\.address)
            let before = context.previousCondition(condition)?.message ?? "none"
            let message = "judged at \(KubeTime.format(context.now)); before: \(before.prefix(40))"
            let draft: ConditionDraft = idle.isEmpty
                ? .isTrue(condition, "NoneIdle", message)
                : .isFalse(condition, "Idle", "idle: \(idle.joined(separator: ", ")); \(message)")
            return RuleOutcome(draft, nextCheck: [context.now.addingTimeInterval(5)])
        }
    }

    static let rules = HealthRules.standard.inserting(SessionsIdleRule(), after: ConditionType.bgpEstablished)

    static func evaluate(beat: Double, bgp: String = "established", previous: Assessment?) -> Assessment {
        HealthEvaluator.evaluate(RFx.inputs(beat: beat, bgp: bgp), previous: previous, policy: .default,
                                 now: RFx.t0.addingTimeInterval(beat + 2), rules: rules)
    }

    @Test func isEvaluatedAndOrderedInTheStatus() throws {
        let a = Self.evaluate(beat: 0, previous: nil)
        let types = ConditionType.all
        let at = try #require(types.firstIndex(of: ConditionType.bgpEstablished)) + 1
        var expected = types
        expected.insert("SessionsIdle", at: at)
        #expect(a.conditions.map(\.type) == expected)
        #expect(Self.rules.conditions == expected)
        let written = GatewayHealthStatus.desired(a)["conditions"]?.arrayValue?.compactMap { $0["type"]?.stringValue }
        #expect(written == expected)
        #expect(a.condition("SessionsIdle")?.status == "True")
        #expect(a.condition("SessionsIdle")?.reason == "NoneIdle")
        // Its nextCheck (5 s) is earlier than any standard rule's (the heartbeat's, 44 s).
        #expect(a.nextCheck == RFx.t0.addingTimeInterval(7))
        // The standard rules judge exactly as without it.
        let plain = HealthEvaluator.evaluate(RFx.inputs(beat: 0), previous: nil, policy: .default, now: RFx.t0.addingTimeInterval(2))
        #expect(a.conditions.filter { $0.type != "SessionsIdle" } == plain.conditions)
        #expect(a.state == plain.state && a.evidence == plain.evidence && a.memory == plain.memory)
    }

    @Test func raisesItsEventFromThePersistedStatus() throws {
        let up = Self.evaluate(beat: 0, previous: nil)
        let idle = Self.evaluate(beat: 15, bgp: "idle", previous: up)
        #expect(idle.condition("SessionsIdle")?.status == "False")
        let planned = TransitionEvents.plan(persisted: GatewayHealthStatus.desired(up), assessment: idle, gateway: "gw-1", rules: Self.rules)
        let mine = try #require(planned.first { $0.reason == "SessionIdle" })
        #expect(mine.type == .warning)
        #expect(mine.message.hasPrefix("SessionsIdle Idle: idle: 172.30.128.12"))
        // In status order: after BGPEstablished's own Event.
        #expect(planned.map(\.reason).filter { $0 == "BGPSessionDown" || $0 == "SessionIdle" } == ["BGPSessionDown", "SessionIdle"])
        // Once: the persisted status already says False.
        let still = Self.evaluate(beat: 30, bgp: "idle", previous: idle)
        let again = TransitionEvents.plan(persisted: GatewayHealthStatus.desired(idle), assessment: still, gateway: "gw-1", rules: Self.rules)
        #expect(!again.contains { $0.reason == "SessionIdle" })
        // The standard set does not know it.
        #expect(!TransitionEvents.plan(persisted: GatewayHealthStatus.desired(up), assessment: idle, gateway: "gw-1").contains { $0.reason == "SessionIdle" })
    }

    @Test func keepsItsMessageInTheCache() throws {
        let first = Self.evaluate(beat: 0, previous: nil)
        let kept = GatewayReconciler.Kept(first, rules: Self.rules).assessment
        let message = try #require(first.condition("SessionsIdle")?.message)
        #expect(!message.isEmpty)
        #expect(kept.condition("SessionsIdle")?.message == message)
        #expect(kept.condition(ConditionType.trafficHealthy)?.message == first.condition(ConditionType.trafficHealthy)?.message)
        #expect(kept.condition(ConditionType.bgpEstablished)?.message == "")
        // So the next evaluation from the cache is the one from the full assessment.
        #expect(Self.evaluate(beat: 15, previous: kept) == Self.evaluate(beat: 15, previous: first))
        // The standard set's cache drops it, as it does every message no rule reads.
        #expect(GatewayReconciler.Kept(first).assessment.condition("SessionsIdle")?.message == "")
    }

    /// Its message is prose, as every condition's: a new one is no reason to write.
    @Test func itsMessageAloneCausesNoWrite() {
        // From the second heartbeat on, when the counters have their baselines.
        let a = Self.evaluate(beat: 15, previous: Self.evaluate(beat: 0, previous: nil))
        let b = Self.evaluate(beat: 30, previous: a)
        #expect(a.condition("SessionsIdle")?.message != b.condition("SessionsIdle")?.message)
        #expect(GatewayHealthStatus.sameOutsideVolatile(a, b, rules: Self.rules))
        #expect(!GatewayHealthStatus.differs(GatewayHealthStatus.desired(b), from: GatewayHealthStatus.desired(a), rules: Self.rules))
    }
}
