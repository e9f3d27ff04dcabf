import ControllerKit
import Foundation
import HealthModel
import KubeAPI
import Testing
import TestSupport
@testable import OperatorRuntime

/// Issue 19: every condition appears in the one-hot `gateway_medic_condition` family, so "UP but
/// not Forwarding" and "RedundancyLost" can be alerted on. The family is derived from each
/// assessment's conditions, not from a list: a condition no code names shows up as well.
@Suite struct ConditionMetricTests {
    static func scrape(_ gauges: GatewayHealthGauges) -> String {
        var out: [UInt8] = []
        gauges.render(into: &out, now: RFx.t0)
        return String(decoding: out, as: UTF8.self)
    }

    static let labels = #"gateway_namespace="default",gateway="gw-1""#

    static func expectOneHot(_ text: String, _ type: String, _ status: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for candidate in ["True", "False", "Unknown"] {
            let line = #"gateway_medic_condition{\#(labels),condition="\#(type)",status="\#(candidate)"} \#(candidate == status ? 1 : 0)"#
            #expect(text.contains(line + "\n"), "missing \(line)", sourceLocation: sourceLocation)
        }
    }

    @Test func aThrowawayRulesConditionIsInTheFamily() {
        let gauges = GatewayHealthGauges()
        let up = ThrowawayRuleTests.evaluate(beat: 0, previous: nil)
        let idle = ThrowawayRuleTests.evaluate(beat: 15, bgp: "idle", previous: up)
        gauges.record(RFx.key, idle)
        let text = Self.scrape(gauges)
        Self.expectOneHot(text, "SessionsIdle", "False")
        for condition in idle.conditions { Self.expectOneHot(text, condition.type, condition.status) }
    }

    @Test func theIssue19ConditionsAreInTheFamily() throws {
        let gauges = GatewayHealthGauges()
        let conditions: [JSONValue] = [
            (ConditionType.ready, "True"), (ConditionType.forwarding, "False"), (ConditionType.peeringsHealthy, "Unknown"),
            (ConditionType.groupRedundancy, "False"), (ConditionType.agentVersionCurrent, "True"),
        ].map { type, status in
            ["type": .string(type), "status": .string(status), "reason": "R", "message": "", "lastTransitionTime": "2026-04-17T17:00:00Z"]
        }
        let status: JSONValue = ["state": "UP", "since": "2026-04-17T17:00:00Z", "reason": "Healthy", "conditions": .array(conditions)]
        gauges.record(RFx.key, try #require(Assessment(status: status)))
        let text = Self.scrape(gauges)
        // "UP but not Forwarding": the state series and the condition series side by side.
        #expect(text.contains(#"gateway_medic_gateway_state{\#(Self.labels),state="UP"} 1"#))
        Self.expectOneHot(text, ConditionType.forwarding, "False")
        Self.expectOneHot(text, ConditionType.peeringsHealthy, "Unknown")
        Self.expectOneHot(text, ConditionType.groupRedundancy, "False")
        Self.expectOneHot(text, ConditionType.agentVersionCurrent, "True")
    }
}
