import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import Testing

/// What the reconciler derives from an assessment — the status it writes, its normalised form,
/// the Events it plans and the compact cached form — byte for byte against a recorded copy
/// (Tests/Golden/reconcile-derived.jsonl), over a gateway that is UP, loses a BGP session,
/// flaps, goes stale and recovers. Recorded on the code before the rule registry (issue 18).
/// `GOLDEN_RECORD=1` re-records.
@Suite("Reconcile golden")
struct ReconcileGoldenTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Golden/reconcile-derived.jsonl")

    static func story() -> [(beat: Double, at: Double, bgp: String)] {
        [(0, 2, "established"), (15, 17, "established"), (30, 32, "idle"), (45, 47, "idle"), (60, 62, "established"),
         (75, 77, "idle"), (90, 92, "established"), (90, 200, "established"), (210, 212, "established"), (225, 227, "established")]
    }

    static func lines() -> [String] {
        var previous: GatewayReconciler.Kept?
        var persisted: JSONValue?
        var lines: [String] = []
        for step in story() {
            let a = HealthEvaluator.evaluate(RFx.inputs(beat: step.beat, bgp: step.bgp), previous: previous?.assessment, policy: .default,
                                             now: RFx.t0.addingTimeInterval(step.at))
            let desired = GatewayHealthStatus.desired(a, generation: 4)
            let events = TransitionEvents.plan(persisted: persisted, assessment: a, gateway: "gw-1")
            let kept = GatewayReconciler.Kept(a)
            let line: JSONValue = [
                "at": .int(Int64(step.at)),
                "desired": desired,
                "normalized": GatewayHealthStatus.normalized(desired),
                "differs": .bool(GatewayHealthStatus.differs(desired, from: persisted)),
                "sameOutsideVolatile": previous.map { .bool($0.sameOutsideVolatile(a)) } ?? .null,
                "events": .array(events.map { .string($0.description) }),
                "kept": kept.assessment.statusJSON(),
            ]
            lines.append(line.jsonString)
            if GatewayHealthStatus.differs(desired, from: persisted) { persisted = desired }
            previous = kept
        }
        return lines
    }

    @Test func derivedFormsAreUnchanged() throws {
        let now = Self.lines()
        if ProcessInfo.processInfo.environment["GOLDEN_RECORD"] == "1" {
            try (now.joined(separator: "\n") + "\n").write(to: Self.file, atomically: true, encoding: .utf8)
        }
        let recorded = try String(contentsOf: Self.file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(recorded.count == now.count)
        for (old, new) in zip(recorded, now) where old != new {
            Issue.record("differs from the golden copy:\n  was \(old)\n  now \(new)")
        }
    }
}
