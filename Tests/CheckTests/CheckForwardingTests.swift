import ControllerKit
import Foundation
import HealthModel
import KubeAPI
import Testing
import TestSupport
import YAML
@testable import OperatorRuntime

/// Issue 19, `gateway-medic check`: FORWARDING and PEERINGS columns, every condition in
/// `-o json|yaml`, and an exit code that counts a gateway UP but not Forwarding as not healthy.
/// The assessments are read back from GatewayHealth statuses carrying the conditions, as the
/// operator writes them.
@Suite struct CheckForwardingTests {
    static let since = "2026-04-17T17:00:00Z"

    /// A GatewayHealth status: `state`, and the new conditions with the given statuses (nil: the
    /// condition is absent, a status written before it existed).
    static func report(_ name: String, state: GatewayState = .up, forwarding: String? = "True", peerings: String? = "True",
                       redundancy: String = "True", version: String = "True") throws -> GatewayReport {
        func condition(_ type: String, _ status: String?, _ reason: String) -> JSONValue? {
            status.map { ["type": .string(type), "status": .string($0), "reason": .string(reason),
                          "message": .string("\(type) of \(name) is \($0)"), "lastTransitionTime": .string(since)] }
        }
        let conditions = [
            condition(ConditionType.ready, state == .up ? "True" : "False", state == .up ? "Up" : "HeartbeatLost"),
            condition(ConditionType.forwarding, forwarding, forwarding == "False" ? "NoEstablishedSession" : "RoutesExchanged"),
            condition(ConditionType.peeringsHealthy, peerings, peerings == "False" ? "PeeringDrops" : "NoPeeringsExpected"),
            condition(ConditionType.groupRedundancy, redundancy, redundancy == "False" ? "RedundancyLost" : "Redundant"),
            condition(ConditionType.agentVersionCurrent, version, version == "False" ? "AgentVersionMismatch" : "VersionsMatch"),
        ].compactMap { $0 }
        let status: JSONValue = ["state": .string(state.rawValue), "since": .string(since),
                                 "reason": state == .up ? "Healthy" : "HeartbeatLost", "message": "m",
                                 "conditions": .array(conditions), "bgp": "2/2"]
        let assessment = try #require(Assessment(status: status))
        return GatewayReport(namespace: "default", name: name, assessment: assessment, usedPreviousAssessment: true)
    }

    /// The table's cells of `gateway` under `column`.
    static func cell(_ table: String, _ gateway: String, _ column: String) -> String? {
        let rows = table.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        guard let header = rows.first, let index = header.firstIndex(of: column),
              let row = rows.first(where: { $0.first == gateway }), index < row.count else { return nil }
        return row[index]
    }

    @Test func forwardingAndPeeringsAreColumnsOfTheTable() throws {
        let reports = [try Self.report("gw-1"), try Self.report("gw-2", forwarding: "False", peerings: "False"),
                       try Self.report("gw-3", forwarding: "Unknown", peerings: nil)]
        let table = CheckRenderer.render(reports, format: .table)
        #expect(table.hasPrefix("GATEWAY   STATE   REASON    HEARTBEAT   APPLIED   CURRENT   BGP   FORWARDING   PEERINGS   PODS\n"), "\(table)")
        #expect(Self.cell(table, "gw-1", "FORWARDING") == "True" && Self.cell(table, "gw-1", "PEERINGS") == "True", "\(table)")
        #expect(Self.cell(table, "gw-2", "FORWARDING") == "False" && Self.cell(table, "gw-2", "PEERINGS") == "False", "\(table)")
        #expect(Self.cell(table, "gw-3", "FORWARDING") == "Unknown" && Self.cell(table, "gw-3", "PEERINGS") == "-", "\(table)")
        let wide = CheckRenderer.render(reports, format: .wide)
        // -o wide: rows start with the namespace; the first is gw-1's.
        #expect(Self.cell(wide, "default", "FORWARDING") == "True", "\(wide)")
        #expect(wide.split(separator: "\n").first?.contains("BGP   FORWARDING   PEERINGS   PODS") == true, "\(wide)")
    }

    @Test func everyNewConditionIsInJSONAndYAML() throws {
        let reports = [try Self.report("gw-1", forwarding: "False", redundancy: "False", version: "False")]
        let json = try JSONValue.parse(CheckRenderer.render(reports, format: .json))
        let yaml = try #require(try YAML.parseSingleNode(CheckRenderer.render(reports, format: .yaml), source: "check")?.json)
        for document in [json, yaml] {
            let conditions = try #require(document["items"]?.arrayValue?.first?["conditions"]?.arrayValue)
            let byType = Dictionary(conditions.compactMap { c in c["type"]?.stringValue.map { ($0, c) } }, uniquingKeysWith: { a, _ in a })
            for (type, status, reason) in [(ConditionType.forwarding, "False", "NoEstablishedSession"),
                                           (ConditionType.peeringsHealthy, "True", "NoPeeringsExpected"),
                                           (ConditionType.groupRedundancy, "False", "RedundancyLost"),
                                           (ConditionType.agentVersionCurrent, "False", "AgentVersionMismatch")] {
                #expect(byType[type]?["status"]?.stringValue == status, "\(type) in \(document)")
                #expect(byType[type]?["reason"]?.stringValue == reason, "\(type)")
                #expect(byType[type]?["message"]?.stringValue == "\(type) of gw-1 is \(status)", "\(type)")
            }
        }
    }

    /// 1 when a gateway is not UP or its Forwarding is False; Unknown (or absent) does not count,
    /// nor do the other findings.
    @Test func theExitCodeCountsAGatewayUpButNotForwarding() throws {
        func code(_ reports: [GatewayReport]) -> Int32 { CheckResult(reports: reports, notes: []).exitCode }
        let healthy = try Self.report("gw-1")
        #expect(code([healthy]) == 0)
        #expect(code([healthy, try Self.report("gw-2", forwarding: "False")]) == 1)
        #expect(code([healthy, try Self.report("gw-2", state: .down)]) == 1)
        #expect(code([healthy, try Self.report("gw-2", forwarding: "Unknown")]) == 0)
        #expect(code([healthy, try Self.report("gw-2", forwarding: nil)]) == 0)
        #expect(code([try Self.report("gw-2", peerings: "False", redundancy: "False", version: "False")]) == 0)
        #expect(try !Self.report("gw-2", forwarding: "False").isHealthy)
    }
}
