import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// One row of the corpus: objects, possibly earlier observations (each assessment is persisted
/// and read back before it becomes the next one's `previous`), and the expected verdict.
struct Situation: Sendable, CustomTestStringConvertible {
    var name: String
    var earlier: [(at: Double, snapshot: Snapshot)] = []
    var snapshot = Snapshot()
    var now: Double = 0
    var policy = HealthPolicy.default
    var state: GatewayState
    var reason: String
    /// Condition type → "Status/Reason" (or just "Status").
    var conditions: [String: String] = [:]
    var liveness: LivenessEvidence?
    /// Substrings the state message must contain (the evidence it names).
    var messageHas: [String] = []
    var nextCheck: Double?
    var extra: (@Sendable (Assessment) -> Void)?

    var testDescription: String { name }

    /// Runs the earlier observations, round-tripping each assessment through its status JSON.
    func previous() -> Assessment? {
        var previous: Assessment?
        for step in earlier {
            let assessment = HealthEvaluator.evaluate(step.snapshot.inputs, previous: previous, policy: policy, now: Fx.at(step.at))
            previous = Assessment(status: assessment.statusJSON())
        }
        return previous
    }

    func run() -> Assessment {
        HealthEvaluator.evaluate(snapshot.inputs, previous: previous(), policy: policy, now: Fx.at(now))
    }

    func check(_ a: Assessment, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.state == state, "state: \(a.reason) — \(a.message)", sourceLocation: sourceLocation)
        #expect(a.reason == reason, "reason — \(a.message)", sourceLocation: sourceLocation)
        for (type, expected) in conditions {
            let parts = expected.split(separator: "/").map(String.init)
            guard let c = a.condition(type) else {
                Issue.record("missing condition \(type)", sourceLocation: sourceLocation)
                continue
            }
            #expect(c.status == parts[0], "\(type): \(c.status)/\(c.reason) — \(c.message)", sourceLocation: sourceLocation)
            if parts.count > 1 {
                #expect(c.reason == parts[1], "\(type): \(c.status)/\(c.reason) — \(c.message)", sourceLocation: sourceLocation)
            }
        }
        if let liveness { #expect(a.evidence.liveness == liveness, "liveness", sourceLocation: sourceLocation) }
        for text in messageHas { #expect(a.message.contains(text), "message \"\(a.message)\" lacks \"\(text)\"", sourceLocation: sourceLocation) }
        if let nextCheck { #expect(a.nextCheck == Fx.at(nextCheck), "nextCheck \(String(describing: a.nextCheck))", sourceLocation: sourceLocation) }
        extra?(a)
    }
}
