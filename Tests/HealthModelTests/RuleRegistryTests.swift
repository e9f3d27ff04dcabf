import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// Issue 18 "a rule is one unit": what the registry declares agrees with what the rules do.
@Suite("Rule registry")
struct RuleRegistryTests {
    static let corpus = StateCorpus.all + ConditionCorpus.all + MalformedCorpus.all
    static let rules = HealthRules.standard

    /// The standard containers' restart keys are one string for every gateway's memory (not
    /// rebuilt, two of them too long to be inline); others are built as before.
    @Test func standardRestartKeysAreShared() {
        // Where the (heap-allocated) text is: equal for one shared string.
        func storage(_ key: String) -> UInt? {
            key.utf8.withContiguousStorageIfAvailable { buffer in buffer.baseAddress.map { UInt(bitPattern: $0) } } ?? nil
        }
        let first = PodRule.restartKey(.dataplane, container: "dataplane")
        let second = PodRule.restartKey(.dataplane, container: "dataplane")
        #expect(first == "dataplane/dataplane")
        #expect(storage(first) != nil && storage(first) == storage(second))
        let exporter = PodRule.restartKey(.frr, container: "frr-exporter")
        #expect(exporter == "frr/frr-exporter" && storage(exporter) == storage(PodRule.restartKey(.frr, container: "frr-exporter")))
        #expect(PodRule.restartKey(.frr, container: "sidecar") == "frr/sidecar")
    }

    /// A memory and an evidence with every field set, so each appears in the JSON.
    static func full() -> Assessment {
        var a = HealthEvaluator.evaluate(Snapshot().inputs, previous: nil, policy: .default, now: Fx.t0)
        let t = Fx.at(-10)
        a.memory = HealthMemory(evaluatedAt: Fx.t0, firstSeen: Fx.at(-100), heartbeatKey: "k", heartbeatSeenAt: t, heartbeatClockOffset: 3,
                                configLagSince: t, routingLagSince: t, podIssueSince: ["frr": t],
                                failedContainers: ["frr": FailedContainers(pod: "uid-frr", containers: ["frr"])],
                                containerRestarts: ["frr/frr": 3], restartRises: [RestartRise(container: "frr/frr", at: t, restarts: 3)],
                                bgpCounters: ["default/1.2.3.4": BGPCounterSample(transitions: 1, dropped: 2)],
                                flaps: [FlapRecord(neighbor: "default/1.2.3.4", at: t, transitions: 1, dropped: 1)],
                                trafficStamp: "s", traffic: ["vpc:a": TrafficSample(packets: 5, drops: 1)])
        a.memory.peeringRises = ["p": t]
        a.evidence.heartbeat = "2026-01-01T00:00:00Z"
        a.evidence.appliedGeneration = 3
        a.evidence.currentGeneration = 4
        a.evidence.frrAppliedGeneration = 5
        a.evidence.configLagSince = "2026-01-01T00:00:09Z"
        a.evidence.routingLagSince = "2026-01-01T00:00:11Z"
        a.evidence.counters = [CounterEvidence(key: "vpc:a", packets: 5, drops: 1, deltaPackets: nil, deltaDrops: nil, note: "new")]
        a.evidence.livenessDetail = "x"
        a.evidence.groups = ["g"]
        a.evidence.problems = [FieldProblem(path: "status.x", issue: "bad")]
        a.message = "m"
        return a
    }

    static func keys(_ a: Assessment, _ place: OwnedField.Place) -> Set<String> {
        switch place {
        case .memory: Set((a.memory.json().objectValue ?? [:]).keys)
        case .evidence: Set((a.evidence.json().objectValue ?? [:]).keys)
        case .status: ["message"]
        }
    }

    /// Every field of the persisted memory and evidence is owned by exactly one declaration, and
    /// every declaration names a field that exists: a new field cannot go undeclared (and so
    /// silently non-volatile), nor a declaration outlive its field.
    @Test func everyMemoryAndEvidenceFieldHasOneOwner() {
        let a = Self.full()
        for place in [OwnedField.Place.memory, .evidence] {
            let declared = Self.rules.fields.filter { $0.place == place }.map(\.name)
            #expect(declared.count == Set(declared).count, "\(place): a field declared twice: \(declared.sorted())")
            #expect(Set(declared) == Self.keys(a, place), "\(place): declared \(declared.sorted()), persisted \(Self.keys(a, place).sorted())")
        }
    }

    /// Each volatile field's struct blanking changes exactly the JSON key it names, so the
    /// reconciler's struct comparison and the JSON normalisation leave out the same things.
    @Test func eachVolatileFieldBlanksTheKeyItNames() {
        let a = Self.full()
        func json(_ a: Assessment) -> JSONValue { a.statusJSON() }
        func value(_ v: JSONValue, _ path: [String]) -> JSONValue? { path.reduce(v as JSONValue?) { $0?[$1] } }
        for field in Self.rules.fields where field.volatile {
            var b = a
            field.blank(&b)
            let path: [String] = field.place == .status ? [field.name] : [field.place.rawValue, field.name]
            #expect(value(json(a), path) != value(json(b), path), "\(field.name): blanking changed nothing")
            func without(_ v: JSONValue) -> JSONValue {
                guard case .object(var o) = v else { return v }
                if path.count == 1 { o[path[0]] = nil } else if case .object(var inner)? = o[path[0]] {
                    inner[path[1]] = nil
                    o[path[0]] = .object(inner)
                }
                return .object(o)
            }
            #expect(without(json(a)) == without(json(b)), "\(field.name): blanking changed another field")
        }
    }

    /// The status lists Ready, then one condition per rule in registry order.
    @Test func statusConditionsFollowTheRegistry() {
        #expect(Self.rules.conditions.first == ConditionType.ready)
        for s in Self.corpus {
            #expect(s.run().conditions.map(\.type) == Self.rules.conditions, "\(s)")
        }
    }

    /// Every reason the corpus produces is one its rule declares.
    @Test func everyReasonInTheCorpusIsDeclared() throws {
        for s in Self.corpus {
            for c in s.run().conditions where c.type != ConditionType.ready {
                let rule = try #require(Self.rules.rule(for: c.type))
                #expect(rule.reasons.contains(c.reason) || s.policy.immediateFailureReasons.contains(c.reason),
                        "\(c.type) \(c.reason) is not declared (\(s))")
            }
        }
    }

    /// The registry is the one list: the status writer's volatile sets come from it.
    @Test func volatileFieldsAreTheDeclaredOnes() {
        #expect(Self.rules.volatileMemory == ["evaluatedAt", "trafficStamp", "traffic", "heartbeatKey", "heartbeatSeenAt", "heartbeatClockOffset", "peeringRises"])
        #expect(Self.rules.volatileEvidence == ["counters", "livenessDetail"])
        #expect(Self.rules.volatileStatus == ["message"])
        #expect(Self.rules.messageKeeping == [ConditionType.trafficHealthy, ConditionType.peeringsHealthy])
    }
}
