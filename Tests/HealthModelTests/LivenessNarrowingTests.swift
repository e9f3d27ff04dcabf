import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// The operator's fleet index hands the evaluator only the switch Agents that report a session
/// with the gateway's router ID, plus the fleet's Agent count. The verdict must be the one the
/// whole fleet's Agents would give.
@Suite struct LivenessNarrowingTests {
    func evaluate(_ inputs: GatewayInputs) -> Assessment {
        HealthEvaluator.evaluate(inputs, previous: nil, policy: .default, now: Fx.at(0))
    }

    @Test func narrowedWitnessesGiveTheFullFleetsVerdict() {
        let stale = Snapshot(agent: Fx.agent(heartbeat: -100),
                             leaves: [Fx.leaf("leaf-1"), Fx.leaf("leaf-2", sessions: [("172.30.128.27", "established", "172.30.9.9")])])
        let full = evaluate(stale.inputs)
        var narrowed = stale.inputs
        narrowed.switchAgents = narrowed.switchAgents.filter { $0.name == "leaf-1" }
        narrowed.switchAgentTotal = 2
        let fromIndex = evaluate(narrowed)
        #expect(full.state == .keepaliveFail)
        #expect(fromIndex.state == full.state)
        #expect(fromIndex.evidence.liveness == .switchAgentBGP)
        #expect(fromIndex.message == full.message)
    }

    /// No Agent reports the gateway, but Agents exist: no witness (DOWN), not the pod fallback
    /// reserved for fleets without any switch Agent.
    @Test func noWitnessAmongExistingAgentsIsNotTheNoAgentsFallback() {
        var inputs = Snapshot(agent: Fx.agent(heartbeat: -300), leaves: []).inputs
        #expect(evaluate(inputs).evidence.liveness == .podsRunningReady)
        inputs.switchAgentTotal = 5
        let a = evaluate(inputs)
        #expect(a.state == .down)
        #expect(a.evidence.liveness == LivenessEvidence.none)
        #expect(a.evidence.livenessDetail.contains("5 Agents checked"))
    }
}
