import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// Objects the client could read only in part or not at all, and objects too large to judge
/// whole: a problem and a condition with a reason, bounded work, never a crash.
@Suite struct BadObjectViewTests {
    @Test func unreadableStubGivesObjectUnreadable() throws {
        let stub = try #require(UnreadableObject.stub(of: Fx.agent(), reason: "watch event of 52428800 bytes exceeds the limit"))
        let view = GatewayAgentView(json: stub)
        #expect(view.unreadable == "watch event of 52428800 bytes exceeds the limit")
        #expect(view.problems.contains { $0.path == "(object)" && $0.issue.contains("52428800") })
        let a = HealthEvaluator.evaluate(GatewayInputs(gateway: GatewayView(json: Fx.gateway()), agent: view), previous: nil, policy: HealthPolicy(), now: Fx.t0)
        let heartbeat = a.conditions.first { $0.type == ConditionType.heartbeat }
        #expect(heartbeat?.status == "Unknown")
        #expect(heartbeat?.reason == "ObjectUnreadable")
        #expect(heartbeat?.message.contains("could not be read") == true)
    }

    @Test func partiallyReadObjectKeepsItsFieldsAndNotesTheProblem() {
        let agent = UnreadableObject.markPartial(Fx.agent(), reason: "1 value(s) nested deeper than 256 levels were dropped by the client")
        let view = GatewayAgentView(json: agent)
        #expect(view.unreadable == nil)
        #expect(!view.lastHeartbeat.isAbsent)
        #expect(view.problems.contains { $0.issue.contains("nested deeper") })
    }

    @Test func tenThousandNeighboursAreCappedWithTheSpecNeighboursKept() {
        var neighbors = Fx.defaultNeighbors
        for i in 0..<10_000 { neighbors["10.\(i / 250).\(i % 250).1"] = Fx.neighbor("active") }
        let view = GatewayAgentView(json: Fx.agent(neighbors: neighbors))
        let judged = view.bgpNeighbors.value ?? []
        #expect(judged.count == GatewayAgentView.maxNeighbors)
        #expect(judged.contains { $0.address == "172.30.128.12" }, "the spec's neighbour is judged")
        #expect(view.problems.contains { $0.issue.contains("10002 neighbours reported") })
        #expect(view.problems.count <= 65, "problems are bounded")
    }

    @Test func manyWrongTypesAreCountedNotListedWithoutBound() {
        var vpcs: [String: JSONValue] = [:]
        for i in 0..<500 { vpcs["vpc-\(i)"] = ["p": "many", "d": 0] }
        let view = GatewayAgentView(json: Fx.agent(vpcs: vpcs))
        #expect(view.problems.count == 65)
        #expect(view.problems.last?.issue == "\(500 - 64) more problems not listed")
    }
}
