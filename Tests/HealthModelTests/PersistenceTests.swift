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
        // All but what is not persisted: nextCheck (and the group peers' part of it), and the
        // reported heartbeat while it is fresh.
        var persisted = assessment
        persisted.nextCheck = nil
        persisted.groupPeersCheck = nil
        persisted.evidence = assessment.persistedEvidence
        #expect(reread == persisted)
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
            evidence.appliedGeneration = evidence.appliedGeneration == nil ? 3 : nil
            evidence.currentGeneration = evidence.currentGeneration == nil ? 4 : nil
            evidence.frrAppliedGeneration = evidence.frrAppliedGeneration == nil ? 5 : nil
            evidence.configLagSince = evidence.configLagSince == nil ? "2026-01-01T00:00:09Z" : nil
            evidence.routingLagSince = evidence.routingLagSince == nil ? "2026-01-01T00:00:11Z" : nil
            evidence.problems.append(FieldProblem(path: "status.x", issue: "expected \"a\" string"))
            evidence.groups.append("g1")
            #expect(evidence.json() == (try JSONValue(encoding: evidence)), "\(s), optionals flipped")
        }
    }

    @Test func printerColumnFields() throws {
        let a = HealthEvaluator.evaluate(Snapshot().inputs, previous: nil, policy: .default, now: Fx.t0)
        let status = a.statusJSON()
        #expect(status["state"] == "UP")
        #expect(status["appliedGeneration"] == 10)
        #expect(status["currentGeneration"] == 10)
        #expect(status["bgp"] == "2/2")
        #expect(status["since"] == Fx.ts(0))
        #expect(status[path: "memory", "evaluatedAt"] == Fx.ts(0))
    }

    /// Issue 17: the status is written only when the verdict changes, so nothing in it may be an
    /// age or a value that changes with every heartbeat while nothing is wrong: it would read as
    /// current hours later.
    @Test func persistedStatusHoldsInstantsNotAges() throws {
        let lagging = Snapshot(agent: Fx.agent(generation: 11, appliedTime: -60, specChanged: -60))
        let fresh = HealthEvaluator.evaluate(lagging.inputs, previous: nil, policy: .default, now: Fx.t0)
        #expect(fresh.evidence.heartbeat == Fx.ts(-5).stringValue, "the in-memory evidence keeps the reported heartbeat")
        let status = fresh.statusJSON()
        for key in ["heartbeat", "lastHeartbeat", "nextCheck"] { #expect(status[key] == nil, "status.\(key)") }
        for key in ["heartbeat", "heartbeatAgeSeconds", "configLagSeconds", "routingLagSeconds"] {
            #expect(status[path: "evidence", key] == nil, "status.evidence.\(key)")
        }
        #expect(status[path: "evidence", "configLagSince"] == Fx.ts(-60))
        let texts = ([status["message"]] + (status["conditions"]?.arrayValue ?? []).map { $0["message"] }).compactMap { $0?.stringValue }
        #expect(texts.count == 1 + ConditionType.all.count)
        for text in texts {
            #expect(text.firstMatch(of: /\d+s old|\d+s ago| for \d+(m\d+)?s/) == nil, "an age in \"\(text)\"")
        }
        #expect(texts.contains { $0.contains("since 2026-04-17T16:59:00Z (apply timeout 2m0s: timed out if still behind after 2026-04-17T17:01:00Z)") },
                "\(texts)")
        // Stale, the heartbeat is the evidence, and it no longer changes: persisted.
        let stale = HealthEvaluator.evaluate(Snapshot(agent: Fx.agent(heartbeat: -60)).inputs, previous: nil, policy: .default, now: Fx.t0)
        #expect(stale.statusJSON()[path: "evidence", "heartbeat"] == Fx.ts(-60))
        #expect(stale.statusJSON()["message"]?.stringValue?.hasPrefix("no heartbeat since 2026-04-17T16:59:00Z") == true)
    }

    /// API conventions: `observedGeneration` is the written object's own generation; the
    /// GatewayAgent generation that was judged has a field of its own.
    @Test func observedGenerationIsTheObjectsOwn() throws {
        let a = HealthEvaluator.evaluate(Snapshot().inputs, previous: nil, policy: .default, now: Fx.t0)
        let status = a.statusJSON(observedGeneration: 4)
        #expect(status["observedGeneration"] == 4)
        #expect(status["agentGeneration"] == 10)
        let conditions = try #require(status["conditions"]?.arrayValue)
        #expect(conditions.count == ConditionType.all.count && conditions.allSatisfy { $0["observedGeneration"] == 4 })
        #expect(a.statusJSON()["observedGeneration"] == nil, "unknown: left out")
        let reread = try #require(Assessment(status: status))
        #expect(reread.agentGeneration == 10 && reread.conditions.allSatisfy { $0.observedGeneration == nil })
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
            evaluatedAt: Fx.t0, firstSeen: Fx.at(-9), heartbeatKey: "raw:yesterday", heartbeatSeenAt: Fx.at(-3), heartbeatClockOffset: -61,
            configLagSince: Fx.at(-50), routingLagSince: Fx.at(-40), podIssueSince: ["frr": Fx.at(-20)],
            failedContainers: ["dataplane": FailedContainers(pod: "uid-1", containers: ["dataplane"])],
            containerRestarts: ["dataplane/dataplane": 7, "frr/frr": 0],
            restartRises: [RestartRise(container: "dataplane/dataplane", at: Fx.at(-100), restarts: 2)],
            bgpCounters: ["default/1.2.3.4": BGPCounterSample(transitions: 3, dropped: nil)],
            flaps: [FlapRecord(neighbor: "default/1.2.3.4", at: Fx.at(-30), transitions: 2, dropped: 1)],
            trafficStamp: "2026-04-17T16:59:55Z", traffic: ["vpc:vpc-01": TrafficSample(packets: 5, drops: 1)])
        #expect(HealthMemory(json: memory.json()) == memory)
        var withRises = memory
        withRises.peeringRises = ["vpc-01--vpc-02": Fx.at(-601)]
        #expect(HealthMemory(json: withRises.json()) == withRises)
        #expect(withRises.json()[path: "peeringRises", "vpc-01--vpc-02"] == Fx.ts(-601))
    }
}
