import Foundation
import HealthModel
import KubeAPI
import Testing
@testable import Remediation

@Suite struct RecordAndPolicyTests {
    @Test func recordRoundTripsThroughTheStatusJSON() throws {
        let record = RemediationRecord(
            lastAction: .init(kind: "evict", pod: "gw--gw-1--frr-x", role: .frr, at: at(-30), result: .refused, message: "PDB"),
            restartTimes: [at(-900), at(-30)],
            inFlight: .init(pod: "gw--gw-1--frr-x", uid: "u", role: .frr, since: at(-30)),
            exhaustedAt: at(-5), allBGPDownSince: at(-200), lastSkip: .cooldown,
            refusals: .init(count: 2, since: at(-630), message: "PDB", forbidden: false))
        let json = record.json()
        #expect(json["lastAction"]?["at"]?.stringValue == KubeTime.format(at(-30)))
        #expect(json["lastAction"]?["role"]?.stringValue == "frr")
        #expect(json["refusals"]?["since"]?.stringValue == KubeTime.format(at(-630)))
        let text = json.jsonString
        let back = RemediationRecord(json: try JSONValue.parse(text))
        #expect(back == record)
        #expect(RemediationRecord(json: .object([:])) == RemediationRecord())
        #expect(RemediationRecord(json: "garbage") == nil)
        #expect(RemediationRecord(json: ["restartTimes": ["not a time"]]) == nil)
    }

    @Test func fractionalSecondsAreTruncated() {
        let record = RemediationRecord(restartTimes: [t0.addingTimeInterval(0.75)])
        #expect(RemediationRecord(json: record.json())?.restartTimes == [t0])
    }

    @Test func policyDefaults() {
        let p = RemediationPolicy()
        #expect(!p.enabled && !p.allowDelete)
        #expect(p.cooldown == 600 && p.maxRestartsPerWindow == 3 && p.window == 3600)
        #expect(p.maxInFlight == 1 && p.inFlightTimeout == 300)
        #expect(p.bgpDownRestartAfter == 120 && p.ticketAfter == 120)
        #expect(p.ticketAfterDown == 600 && p.ticketAfterRefusals == 3)
        #expect(p.resolvedTicketTTL == 7 * 24 * 3600)
    }

    @Test func partialPolicyFillsTheDefaults() throws {
        let p = try JSONDecoder().decode(RemediationPolicy.self, from: Data(#"{"enabled": true, "cooldown": 60}"#.utf8))
        var expected = RemediationPolicy()
        expected.enabled = true
        expected.cooldown = 60
        #expect(p == expected)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(RemediationPolicy.self, from: Data(#"{"cooldown": "soon"}"#.utf8))
        }
    }
}
