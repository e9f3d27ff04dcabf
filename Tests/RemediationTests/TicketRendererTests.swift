import Foundation
import HealthModel
import Testing
@testable import Remediation

@Suite struct TicketRendererTests {
    static let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlLXZhbHVl"
    static let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretkeymaterial\nAAAA==\n-----END RSA PRIVATE KEY-----"

    func draft(events: [TicketEventLine] = [], message: String = "details") -> TicketDraft? {
        let a = assessment(.keepaliveFail, reason: "KeepaliveMissed", since: t0, heartbeatFresh: false,
                           liveness: .switchAgentBGP, message: message)
        return TicketPlanner.update(existing: [], gateway: key("gw-1"), assessment: a, record: RemediationRecord(),
                                    lastEvents: events, policy: enabled, now: at(150), version: "0.3.0").changes.first?.draft
    }

    @Test func markdownCarriesTheEvidenceChecklistAndCommands() throws {
        let event = TicketEventLine(time: at(100), type: "Warning", reason: "StateChanged", message: "UP → KEEPALIVE_FAIL", count: 2)
        let d = try #require(draft(events: [event]))
        let md = TicketRenderer.markdown(d)
        for needle in ["# Gateway gw-1 is KEEPALIVE_FAIL", "| Severity | major |", "| Since | 2027-01-15T08:00:00Z |",
                       "## Summary", "| Reason | KeepaliveMissed |", "## Escalation", "KeepaliveFail: KEEPALIVE_FAIL (KeepaliveMissed) since 2027-01-15T08:00:00Z",
                       "Heartbeat: 2027-01-15T07:55:00Z", "the last heartbeat is stamped 2027-01-15T07:55:00Z", "Failing conditions: Heartbeat False (R), Ready False (KeepaliveMissed)", "Generations: applied 7, current 7, FRR 7",
                       "172.30.128.10", "established", "gw--gw-1--dataplane-aaaaa", "OOMKilled",
                       "StateChanged", "(×2)", "## Troubleshooting checklist", "Reachability", "Security policy",
                       "Firewall and ACLs", "Critical services", "kubectl get gatewayagent gw-1 -n default -o yaml",
                       "kubectl logs gw--gw-1--dataplane-aaaaa -n fab -c dataplane --previous", "gateway-medic 0.3.0",
                       "Do not restart"] {
            #expect(md.contains(needle), "missing \(needle)")
        }
        // Instants, not ages: the draft is not rewritten because time passed.
        #expect(!md.contains(" s ago"))
    }

    @Test func jsonRoundTrips() throws {
        let d = try #require(draft())
        let json = TicketRenderer.json(d)
        #expect(json.contains("\"since\" : \"2027-01-15T08:00:00Z\""))
        #expect(json.contains("\"incident\" : \"KEEPALIVE_FAIL\""))
        #expect(TicketRenderer.draft(fromJSON: json) == d)
        #expect(TicketRenderer.draft(fromJSON: "{}") == nil)
    }

    @Test func secretsInEventsAndMessagesAreRedacted() throws {
        let events = [
            TicketEventLine(time: at(1), type: "Warning", reason: "Failed", message: "auth failed: Authorization: Bearer \(Self.token)"),
            TicketEventLine(time: at(2), type: "Warning", reason: "Failed", message: "loaded key \(Self.pem) from disk"),
            TicketEventLine(time: at(3), type: "Normal", reason: "Config", message: "token: s3cr3tvalue, password=hunter2 url https://admin:pa55@example.com/x"),
        ]
        let d = try #require(draft(events: events, message: "client key \(Self.pem)"))
        for text in [TicketRenderer.markdown(d), TicketRenderer.json(d)] {
            for secret in ["eyJhbGciOiJSUzI1NiJ9", "secretkeymaterial", "s3cr3tvalue", "hunter2", "pa55"] {
                #expect(!text.contains(secret), "\(secret) leaked")
            }
            #expect(text.contains("[REDACTED"))
        }
    }

    @Test func scrubberKeepsOrdinaryText() {
        let plain = "gw--gw-1--frr-abcde not ready (frr waiting CrashLoopBackOff, 4 restarts); BGP 0/2"
        #expect(SecretScrubber.scrub(plain) == plain)
        #expect(SecretScrubber.scrub("Bearer abcdefgh") == "Bearer [REDACTED]")
        #expect(SecretScrubber.scrub("\"apiKey\": \"xyz123\"") == "\"apiKey\": [REDACTED]")
        #expect(SecretScrubber.scrub("-----BEGIN CERTIFICATE-----\nMIIB\n(truncated") == "[REDACTED PEM BLOCK]")
    }
}
