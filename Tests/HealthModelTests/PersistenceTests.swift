import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// §5 of docs/health-model.md: assessment → GatewayHealth status JSON → assessment changes nothing.
@Suite("Persistence §5")
struct PersistenceTests {
    static let corpus = StateCorpus.all + ConditionCorpus.all + MalformedCorpus.all

    @Test(arguments: corpus)
    func roundTripKeepsAssessmentAndNextVerdict(_ s: Situation) throws {
        let assessment = s.run()
        let status = assessment.statusJSON()
        // Through bytes too, as the API server would store it.
        let reread = try #require(Assessment(status: try JSONValue.parse(status.jsonString)))
        #expect(reread == assessment)
        for later in [1.0, 30, 61, 121, 601] {
            let now = Fx.at(s.now + later)
            let direct = HealthEvaluator.evaluate(s.snapshot.inputs, previous: assessment, policy: s.policy, now: now)
            let viaStatus = HealthEvaluator.evaluate(s.snapshot.inputs, previous: reread, policy: s.policy, now: now)
            #expect(direct == viaStatus, "at +\(later)s")
        }
    }

    /// The hand-written evidence document is the one Codable would write, for every situation
    /// of the corpus and with every optional both set and unset.
    @Test func evidenceJSONIsWhatCodableWrites() throws {
        for s in Self.corpus {
            var evidence = s.run().evidence
            #expect(evidence.json() == (try JSONValue(encoding: evidence)), "\(s)")
            evidence.heartbeat = evidence.heartbeat == nil ? "2026-01-01T00:00:00Z" : nil
            evidence.heartbeatAgeSeconds = evidence.heartbeatAgeSeconds == nil ? 7 : nil
            evidence.appliedGeneration = evidence.appliedGeneration == nil ? 3 : nil
            evidence.currentGeneration = evidence.currentGeneration == nil ? 4 : nil
            evidence.frrAppliedGeneration = evidence.frrAppliedGeneration == nil ? 5 : nil
            evidence.configLagSeconds = evidence.configLagSeconds == nil ? 9 : nil
            evidence.routingLagSeconds = evidence.routingLagSeconds == nil ? 11 : nil
            evidence.problems.append(FieldProblem(path: "status.x", issue: "expected \"a\" string"))
            evidence.groups.append("g1")
            #expect(evidence.json() == (try JSONValue(encoding: evidence)), "\(s), optionals flipped")
        }
    }

    @Test func printerColumnFields() throws {
        let a = HealthEvaluator.evaluate(Snapshot().inputs, previous: nil, policy: .default, now: Fx.t0)
        let status = a.statusJSON()
        #expect(status["state"] == "UP")
        #expect(status["heartbeat"] == Fx.ts(-5))
        #expect(status["appliedGeneration"] == 10)
        #expect(status["currentGeneration"] == 10)
        #expect(status["bgp"] == "2/2")
        #expect(status["since"] == Fx.ts(0))
        #expect(status[path: "memory", "evaluatedAt"] == Fx.ts(0))
    }

    @Test func brokenMemoryIsDroppedFieldByFieldAndTimersReseed() throws {
        let lagging = Snapshot(agent: Fx.agent(generation: 11, appliedTime: nil))
        let first = HealthEvaluator.evaluate(lagging.inputs, previous: nil, policy: .default, now: Fx.at(-100))
        var status = first.statusJSON()
        status = status.setting(["memory", "configLagSince"], "garbage")
        status = status.setting(["memory", "traffic"], 17)
        status = status.setting(["memory", "flaps"], ["x", ["neighbor": 3]])
        let reread = try #require(Assessment(status: status))
        #expect(reread.memory.configLagSince == nil)
        #expect(reread.memory.traffic.isEmpty)
        #expect(reread.memory.firstSeen == Fx.at(-100))
        // The lag timer re-seeds (no managedFields, no lastAppliedTime: from now) instead of crashing.
        let next = HealthEvaluator.evaluate(lagging.inputs, previous: reread, policy: .default, now: Fx.t0)
        #expect(next.state == .up)
        #expect(next.memory.configLagSince == Fx.t0)
    }

    @Test func unusableStatusGivesNil() {
        #expect(Assessment(status: ["state": "SIDEWAYS", "since": Fx.ts(0)]) == nil)
        #expect(Assessment(status: ["state": "UP", "since": "yesterday"]) == nil)
        #expect(Assessment(status: "not an object") == nil)
        #expect(Assessment(status: ["state": "UP", "since": Fx.ts(0), "conditions": 5, "evidence": "x", "memory": []]) != nil)
    }

    @Test func memoryRoundTripsExactly() {
        let memory = HealthMemory(
            evaluatedAt: Fx.t0, firstSeen: Fx.at(-9), heartbeatKey: "raw:yesterday", heartbeatSeenAt: Fx.at(-3),
            configLagSince: Fx.at(-50), routingLagSince: Fx.at(-40), podIssueSince: ["frr": Fx.at(-20)],
            bgpCounters: ["default/1.2.3.4": BGPCounterSample(transitions: 3, dropped: nil)],
            flaps: [FlapRecord(neighbor: "default/1.2.3.4", at: Fx.at(-30), transitions: 2, dropped: 1)],
            trafficStamp: "2026-04-17T16:59:55Z", traffic: ["vpc:vpc-01": TrafficSample(packets: 5, drops: 1)])
        #expect(HealthMemory(json: memory.json()) == memory)
    }
}
