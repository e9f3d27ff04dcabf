import Foundation
import KubeAPI
import Testing
@testable import OperatorRuntime

@Suite struct ConditionSetTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func newConditionGetsNowAndReportsAChange() throws {
        var set = ConditionSet()
        #expect(try set.set(type: "Ready", status: .true, reason: "Up", message: "all good", observedGeneration: 3, now: t0))
        let ready = try #require(set["Ready"])
        #expect(ready.status == "True")
        #expect(ready.lastTransitionTime == KubeTime.format(t0))
        #expect(ready.observedGeneration == 3)
        #expect(set.isTrue("Ready"))
    }

    @Test func transitionTimeMovesOnlyWithTheStatus() throws {
        var set = ConditionSet()
        try set.set(type: "Ready", status: .true, reason: "Up", message: "m", now: t0)
        let later = t0.addingTimeInterval(60)
        // Same status, new message: changed, but the transition time stays.
        #expect(try set.set(type: "Ready", status: .true, reason: "Up", message: "m2", observedGeneration: 4, now: later))
        #expect(set["Ready"]?.lastTransitionTime == KubeTime.format(t0))
        #expect(set["Ready"]?.message == "m2")
        #expect(set["Ready"]?.observedGeneration == 4)
        // Nothing new: no change, so the caller can skip the write.
        #expect(try !set.set(type: "Ready", status: .true, reason: "Up", message: "m2", observedGeneration: 4, now: later))
        // Status flips: the transition time moves.
        #expect(try set.set(type: "Ready", status: .false, reason: "KeepaliveFail", message: "x", observedGeneration: 4, now: later))
        #expect(set["Ready"]?.lastTransitionTime == KubeTime.format(later))
        #expect(set.conditions.count == 1)
    }

    @Test func invalidConditionsAreRefusedWithoutChanges() {
        var set = ConditionSet()
        #expect(throws: ConditionError.self) { try set.set(type: "Ready", status: .true, reason: "", message: "", now: t0) }
        #expect(throws: ConditionError.self) { try set.set(type: "Ready", status: .true, reason: "9lives", message: "", now: t0) }
        #expect(throws: ConditionError.self) { try set.set(type: "Ready", status: .true, reason: "Ends,", message: "", now: t0) }
        #expect(throws: ConditionError.self) { try set.set(type: "Ready", status: .true, reason: "Has space", message: "", now: t0) }
        #expect(throws: ConditionError.self) {
            try set.set(type: "Ready", status: .true, reason: "Ok", message: String(repeating: "m", count: 32769), now: t0)
        }
        #expect(throws: ConditionError.self) { try set.set(type: "Ready", status: .true, reason: "Ok", message: "", observedGeneration: -1, now: t0) }
        #expect(throws: ConditionError.self) { try set.set(type: "", status: .true, reason: "Ok", message: "", now: t0) }
        #expect(set.conditions.isEmpty)
        #expect(ConditionSet.isValidReason("A"))
        #expect(ConditionSet.isValidReason("Keepalive_Fail:BGP,2"))
    }

    @Test func removeReportsWhetherItRemoved() throws {
        var set = ConditionSet()
        try set.set(type: "Degraded", status: .unknown, reason: "Waiting", message: "", now: t0)
        let first = set.remove(type: "Degraded")
        let second = set.remove(type: "Degraded")
        #expect(first && !second)
        #expect(set.conditions.isEmpty)
    }
}
