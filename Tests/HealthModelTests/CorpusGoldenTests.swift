import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// The persisted status of every corpus situation, byte for byte, against a recorded copy
/// (Tests/Golden/health-corpus-status.jsonl): a change to how the model is put together (the
/// rule registry, issue 18) must not move a condition, a message or a memory field. Recorded on
/// the code before the registry existed. To re-record after a deliberate change of behaviour,
/// run with `GOLDEN_RECORD=1` and review the diff.
@Suite("Corpus golden status")
struct CorpusGoldenTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Golden/health-corpus-status.jsonl")

    /// One line per situation: its name, the status written at each earlier observation and at
    /// the last one (with an `observedGeneration`, as the reconciler writes it), and `nextCheck`.
    static func lines() -> [String] {
        (StateCorpus.all + ConditionCorpus.all + MalformedCorpus.all).map { s in
            var previous: Assessment?
            var statuses: [JSONValue] = []
            for step in s.earlier {
                let assessment = HealthEvaluator.evaluate(step.snapshot.inputs, previous: previous, policy: s.policy, now: Fx.at(step.at))
                statuses.append(assessment.statusJSON(observedGeneration: 7))
                previous = Assessment(status: assessment.statusJSON())
            }
            let last = HealthEvaluator.evaluate(s.snapshot.inputs, previous: previous, policy: s.policy, now: Fx.at(s.now))
            statuses.append(last.statusJSON(observedGeneration: 7))
            let line: JSONValue = [
                "name": .string(s.name), "statuses": .array(statuses),
                "nextCheck": last.nextCheck.map { .string(KubeTime.format($0)) } ?? .null,
            ]
            return line.jsonString
        }
    }

    @Test func persistedStatusOfTheCorpusIsUnchanged() throws {
        let now = Self.lines()
        if ProcessInfo.processInfo.environment["GOLDEN_RECORD"] == "1" {
            try (now.joined(separator: "\n") + "\n").write(to: Self.file, atomically: true, encoding: .utf8)
        }
        let recorded = try String(contentsOf: Self.file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(recorded.count == now.count, "the corpus has \(now.count) situations, the golden file \(recorded.count)")
        for (old, new) in zip(recorded, now) where old != new {
            Issue.record("status differs from the golden copy:\n  was \(old)\n  now \(new)")
        }
    }
}
