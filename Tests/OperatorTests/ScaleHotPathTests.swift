import ControllerKit
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import KubeEmulator
import OperatorTestSupport
@testable import OperatorRuntime
import Testing
import TestSupport

/// Collects what a paged list hands over.
actor PageLog {
    private(set) var pages: [(count: Int, startsList: Bool)] = []
    func note(_ count: Int, _ startsList: Bool) { pages.append((count, startsList)) }
}

/// The shortcuts the operator takes at scale must agree with the plain path they replace.
@Suite struct ScaleHotPathTests {
    /// The struct comparison of the steady-state path implies the JSON comparison.
    @Test func sameOutsideVolatileImpliesNoStatusDifference() {
        let runs = RFx.evaluations(6)
        for (a, b) in zip(runs.dropFirst(2), runs.dropFirst(3)) {
            #expect(GatewayHealthStatus.sameOutsideVolatile(a, b), "only the heartbeat, counters and ages moved")
            #expect(!GatewayHealthStatus.differs(GatewayHealthStatus.desired(b), from: GatewayHealthStatus.desired(a)))
        }
        let bgpDown = HealthEvaluator.evaluate(RFx.inputs(beat: 75, bgp: "idle"), previous: runs[5], policy: .default,
                                               now: RFx.t0.addingTimeInterval(77))
        #expect(!GatewayHealthStatus.sameOutsideVolatile(runs[5], bgpDown))
        #expect(GatewayHealthStatus.differs(GatewayHealthStatus.desired(bgpDown), from: GatewayHealthStatus.desired(runs[5])))
    }

    /// The cache keeps the status serialized; it reads back as written, and `remediation` is at hand.
    @Test func healthRecordKeepsTheStatusReadable() throws {
        let status: JSONValue = ["state": "UP", "conditions": [["type": "Ready", "status": "True"]],
                                 "remediation": ["restartTimes": ["2026-01-01T00:00:00Z"]]]
        let json: JSONValue = ["metadata": ["name": "gw-1", "namespace": "fab", "resourceVersion": "7"], "status": status]
        let record = try #require(GatewayHealthRecord(json: json))
        #expect(record.status == status)
        #expect(record.remediation == status["remediation"])
        #expect(record.hasStatus)
        #expect(record == GatewayHealthRecord(json: json))
        var changed = record
        changed.status = ["state": "DOWN"]
        #expect(changed != record)
        #expect(changed.remediation == nil)
        let bare = try #require(GatewayHealthRecord(json: ["metadata": ["name": "gw-2"]]))
        #expect(bare.status == nil && !bare.hasStatus)
    }

    /// The reconciler keeps each assessment without its prose and counter evidence; as the
    /// previous assessment it must judge every next input exactly as the full one does: the
    /// next heartbeat, the same collection seen again (the traffic rule repeats its previous
    /// message), and a change of verdict.
    @Test func keptAssessmentJudgesLikeTheFullOne() {
        let runs = RFx.evaluations(6)
        for (i, previous) in runs.enumerated() {
            let kept = GatewayReconciler.Kept(previous).assessment
            #expect(kept.evidence.counters.isEmpty && kept.message.isEmpty)
            #expect(kept.conditions == Self.withoutProse(previous.conditions), "compact conditions read back whole")
            let beat = Double(i) * 15
            let nexts = [(RFx.inputs(beat: beat + 15), beat + 17), (RFx.inputs(beat: beat), beat + 5),
                         (RFx.inputs(beat: beat + 15, bgp: "idle"), beat + 17), (RFx.inputs(beat: beat), beat + 120)]
            for (inputs, at) in nexts {
                let now = RFx.t0.addingTimeInterval(at)
                #expect(HealthEvaluator.evaluate(inputs, previous: kept, policy: .default, now: now)
                        == HealthEvaluator.evaluate(inputs, previous: previous, policy: .default, now: now))
            }
        }
    }

    /// The heartbeat advance reads the kept conditions in their compact form
    /// (`Kept.quietConditions`): what it reads must be what the conditions read back whole
    /// say, and advancing the kept form must give the kept form of advancing the whole one.
    @Test func keptAssessmentAdvancesLikeTheFullOne() throws {
        let runs = RFx.evaluations(6)
        var quiet = 0
        for (i, previous) in runs.enumerated() {
            var variants = [previous]
            // A False TrafficHealthy (its message kept), a Heartbeat not fresh, an unusual status.
            for (type, status, reason) in [(ConditionType.trafficHealthy, "False", "DropsAboveThreshold"),
                                           (ConditionType.heartbeat, "True", "HeartbeatClockSkew"),
                                           (ConditionType.bgpStable, "Maybe", "Stable")] {
                var variant = previous
                let index = try #require(variant.conditions.firstIndex { $0.type == type })
                variant.conditions[index].status = status
                variant.conditions[index].reason = reason
                variants.append(variant)
            }
            for assessment in variants {
                let kept = GatewayReconciler.Kept(assessment)
                let whole = QuietConditions(kept.assessment.conditions, rules: .standard)
                #expect(kept.quietConditions() == whole)
                #expect(whole.traffic?.message == assessment.condition(ConditionType.trafficHealthy)?.message)
                if whole.allTrueAndFresh { quiet += 1 }
            }
            let beat = Double(i) * 15
            let old = GatewayAgentView(json: RFx.agent(beat: beat)), new = GatewayAgentView(json: RFx.agent(beat: beat + 15))
            let now = RFx.t0.addingTimeInterval(beat + 17)
            let kept = GatewayReconciler.Kept(previous)
            let fromKept = HealthEvaluator.advance(kept.rest, conditions: kept.quietConditions(), from: old, to: new,
                                                   policy: .default, now: now, counterEvidence: false, inputsChecked: true)
            let fromWhole = HealthEvaluator.advance(previous, from: old, to: new, policy: .default, now: now, counterEvidence: false)
            #expect((fromKept == nil) == (fromWhole == nil), "run \(i)")
            if let fromKept, let fromWhole {
                let expected = GatewayReconciler.Kept(fromWhole)
                #expect(kept.advanced(to: fromKept).assessment == expected.assessment, "run \(i)")
                // In place (`Kept.advance`): the only reference is advanced where it is stored, a
                // shared one is replaced and its other holder keeps what it had; both read back
                // as the advance of the whole assessment, the quiet conditions included.
                func advance(_ kept: inout GatewayReconciler.Kept?) -> Bool {
                    GatewayReconciler.Kept.advance(&kept) { rest, trafficKeys, conditions in
                        HealthEvaluator.advance(&rest, conditions: conditions, from: old, to: new, policy: .default, now: now,
                                                counterEvidence: false, inputsChecked: true, trafficKeys: &trafficKeys)
                    }
                }
                var only: GatewayReconciler.Kept? = GatewayReconciler.Kept(previous)
                let identity = only.map(ObjectIdentifier.init)
                #expect(advance(&only), "run \(i)")
                #expect(only.map(ObjectIdentifier.init) == identity, "advanced in its own storage, run \(i)")
                #expect(only?.assessment == expected.assessment && only?.quietConditions() == expected.quietConditions(), "run \(i)")
                var shared: GatewayReconciler.Kept? = GatewayReconciler.Kept(previous)
                let other = shared
                #expect(advance(&shared), "run \(i)")
                #expect(shared !== other, "run \(i)")
                #expect(shared?.assessment == expected.assessment && shared?.quietConditions() == expected.quietConditions(), "run \(i)")
                #expect(other?.assessment == GatewayReconciler.Kept(previous).assessment, "the other holder's is unchanged, run \(i)")
                // Refused: nothing changes, whether the reference is the only one or not.
                for sharing in [false, true] {
                    var refused: GatewayReconciler.Kept? = GatewayReconciler.Kept(previous)
                    let holder = sharing ? refused : nil
                    let identity = refused.map(ObjectIdentifier.init)
                    #expect(!GatewayReconciler.Kept.advance(&refused) { _, _, _ in false })
                    #expect(refused.map(ObjectIdentifier.init) == identity && refused?.assessment == GatewayReconciler.Kept(previous).assessment)
                    _ = holder
                }
                var none: GatewayReconciler.Kept?
                #expect(!advance(&none) && none == nil)
            }
        }
        #expect(quiet >= 3, "the runs reach the quiet set")
    }

    /// A condition status the compact form has no byte for is kept as it was.
    @Test func keptAssessmentKeepsAnUnusualConditionStatus() throws {
        var assessment = try #require(RFx.evaluations(1).first)
        assessment.conditions[0].status = "Maybe"
        let kept = GatewayReconciler.Kept(assessment).assessment
        #expect(kept.conditions == Self.withoutProse(assessment.conditions))
        #expect(kept.conditions[0].status == "Maybe")
    }

    private static func withoutProse(_ conditions: [Condition]) -> [Condition] {
        conditions.map { c in
            var c = c
            if !HealthRules.standard.messageKeeping.contains(c.type) { c.message = "" }
            return c
        }
    }

    /// A cached GatewayHealth keeps a lowercase-UUID uid as its 16 bytes and any other text as
    /// it came: either reads back as written.
    @Test func healthRecordUIDsReadBackAsWritten() {
        for uid: String? in ["0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5c", "0F3C2A9E-5B1D-4E7A-9C2B-8D4E6F1A3B5C",
                             "0f3c2a9e-5b1d-4e7a-9c2b-8d4e6f1a3b5", "u", "", nil] {
            var json: JSONValue = ["metadata": ["name": "gw-1", "namespace": "fab", "resourceVersion": "7"]]
            if let uid { json["metadata"]?["uid"] = .string(uid) }
            let record = GatewayHealthRecord(json: json)
            #expect(record?.uid == uid)
            var built = GatewayHealthRecord(name: "gw-1", namespace: "fab", resourceVersion: "7", uid: uid, status: nil)
            #expect(built.uid == uid)
            #expect(built == record)
            built.uid = "other"
            #expect(built.uid == "other")
            built.uid = uid
            #expect(built == record)
        }
    }

    /// A real status reads back exactly from its compressed form, which is a fraction of its
    /// serialization (the cache keeps one per gateway).
    @Test func compactStatusRoundTripsAndIsSmall() throws {
        let runs = RFx.evaluations(6)
        for assessment in runs {
            let status = GatewayHealthStatus.desired(assessment, remediation: ["restartTimes": ["2026-01-01T00:00:00Z"]])
            let alone = CompactJSON(status)
            let compact = CompactJSON(status, dictionary: .gatewayHealthStatus)
            for kept in [alone, compact] {
                #expect(kept.value == status)
                #expect(kept.bytes == status.serialized())
            }
            #expect(alone.storedCount * 2 < status.serialized().count, "\(alone.storedCount) of \(status.serialized().count) bytes")
            #expect(compact.storedCount * 2 < alone.storedCount, "\(compact.storedCount) of \(alone.storedCount) bytes")
            #expect(Assessment(status: try #require(compact.value)) != nil)
        }
        for value: JSONValue in [[:], [], "", "é ☃ \u{1F600}", 0, -1.5e300, ["a": [nil, true, false]]] {
            #expect(CompactJSON(value).value == value)
            #expect(CompactJSON(value, dictionary: .gatewayHealthStatus).value == value)
        }
        #expect(CompactJSON(["a": 1]) == CompactJSON(["a": 1]))
        #expect(CompactJSON(["a": 1]) != CompactJSON(["a": 2]))
    }

    /// The statuses of a simulated fabric's gateways (members of peering-carrying groups, with
    /// issue 19's conditions and evidence) and the health corpus's peering statuses read back
    /// byte for byte from their form deflated against the dictionary; the simulated ones, which
    /// look as a real fabric's do, are small: the dictionary is such a status.
    @Test func compactPeeringStatusRoundTripsAndIsSmall() async throws {
        try await CheckFixture.with(gateways: 4) { fixture in
            for second in stride(from: 15.0, through: 120, by: 15) { try await fixture.simulator.step(now: fixture.at(second)) }
            let runner = CheckCommandRunner(kubeconfig: fixture.kubeconfig, format: .json, environment: [:])
            let out = OutputCapture(), err = OutputCapture()
            #expect(await runner.execute(now: fixture.at(120), stdout: out.write, stderr: err.write) == 0, "\(err.value)")
            let statuses = try #require(try JSONValue.parse(out.value)["items"]?.arrayValue)
            #expect(statuses.count == 4)
            for status in statuses {
                #expect(status["conditions"]?.arrayValue?.contains { $0["reason"] == "AllPeeringsHealthy" } == true)
                let compact = CompactJSON(status, dictionary: .gatewayHealthStatus)
                #expect(compact.bytes == status.serialized())
                #expect(compact.value == status)
                // Against the former dictionary (a gateway without peerings) these took about 520
                // bytes; against this one about 300.
                #expect(compact.storedCount < 400, "\(compact.storedCount) of \(status.serialized().count) bytes")
            }
        }
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Golden/health-corpus-status.jsonl")
        let lines = try String(contentsOf: golden, encoding: .utf8).split(separator: "\n")
        let statuses = try lines.flatMap { line in try JSONValue.parse(Array(line.utf8))["statuses"]?.arrayValue ?? [] }
            .filter { String(decoding: $0.serialized(), as: UTF8.self).contains("\"AllPeeringsHealthy\"") }
        #expect(statuses.count >= 10)
        for status in statuses {
            let compact = CompactJSON(status, dictionary: .gatewayHealthStatus)
            #expect(compact.bytes == status.serialized())
            #expect(compact.value == status)
        }
    }

    /// The client source lists page by page, and an informer fed that way ends with every object.
    @Test func pagedListReachesTheStoreWhole() async throws {
        let server = EmulatedAPIServer()
        try await server.start()
        defer { Task { await server.stop() } }
        for i in 0..<7 {
            try server.store.create(.gatewayAgents, ["metadata": ["name": .string("gw-\(i)"), "namespace": "fab"]])
        }
        let client = try KubeClient(config: ClusterConfig(server: server.baseURL))
        let source = ClientListWatch(client: client, resource: .gatewayAgents, namespace: "fab", pageSize: 3)
        let log = PageLog()
        let version = try await source.list(pages: { items, starts in await log.note(items.count, starts) })
        #expect(!version.isEmpty)
        let pages = await log.pages
        #expect(pages.map(\.count) == [3, 3, 1])
        #expect(pages.map(\.startsList) == [true, false, false])

        let informer = Informer<String>(name: "paged", source: source, projection: { $0[path: "metadata", "name"]?.stringValue },
                                        options: InformerOptions(watchIdleTimeout: nil))
        let run = Task { await informer.run() }
        await informer.waitUntilSynced()
        #expect(informer.store.count == 7)
        #expect(!informer.store.isRelisting)
        run.cancel()
        await run.value
    }

    /// A list restarted by its source (startsList again) drops what the first attempt buffered.
    @Test func restartedListDiscardsTheFirstAttempt() async {
        let store = Store<String>(projection: { $0[path: "metadata", "name"]?.stringValue })
        store.beginRelist()
        store.relistApply(contentsOf: [object("a", rv: "1"), object("b", rv: "2")])
        store.beginRelist()
        store.relistApply(contentsOf: [object("c", rv: "3")])
        let changes = store.finishRelist(resourceVersion: "9")
        #expect(changes.map(\.key.name) == ["c"])
        #expect(store.keys.map(\.name) == ["c"])
    }
}
