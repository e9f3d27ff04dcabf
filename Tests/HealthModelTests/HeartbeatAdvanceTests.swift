import Foundation
import KubeAPI
import Testing
@testable import HealthModel

/// A heartbeat that moves no verdict is judged by the heartbeat and traffic rules alone
/// (`HealthEvaluator.advance`, docs/health-model.md §7): its result is exactly the full
/// evaluation's, and every update that could change a verdict is left to the full evaluation.
@Suite("Heartbeat advance")
struct HeartbeatAdvanceTests {
    /// The GatewayAgent at heartbeat `beat` (seconds from t0), its counters grown with it.
    static func agent(_ beat: Double, generation: Int64 = 10, appliedGen: Int64 = 10, drops: Int64 = 0,
                      packets: Int64? = nil, neighbors: [String: JSONValue] = Fx.defaultNeighbors,
                      vpcs: [String: JSONValue]? = nil, stamp: Double? = nil) -> JSONValue {
        let p = packets ?? Int64(100_000 + beat * 1_000)
        var json = Fx.agent(generation: generation, heartbeat: stamp ?? beat, appliedGen: appliedGen, neighbors: neighbors,
                            vpcs: vpcs ?? ["vpc-01": Fx.counters(p, drops)],
                            peerings: ["vpc-01->vpc-02": Fx.counters(p / 2, 0)], collected: stamp ?? beat)
        json["metadata"]?["resourceVersion"] = .string("rv-\(Int(beat))")
        return json
    }

    static func view(_ json: JSONValue) -> GatewayAgentView { GatewayAgentView(json: json) }

    static func evaluate(_ agent: JSONValue, at: Double, _ previous: Assessment?, pods: [JSONValue] = Fx.healthyPods(),
                         rules: HealthRules = .standard) -> Assessment {
        HealthEvaluator.evaluate(Snapshot(agent: agent, pods: pods).inputs, previous: previous, policy: .default, now: Fx.at(at),
                                 rules: rules)
    }

    /// Two heartbeats in: UP, every condition True (the traffic baseline is recorded by the first).
    static func quiet(at beat: Double = -30) -> (assessment: Assessment, agent: JSONValue) {
        let first = evaluate(agent(beat - 15), at: beat - 14, nil)
        let agent = agent(beat)
        return (evaluate(agent, at: beat + 1, first), agent)
    }

    /// Also checks, on every case of this suite, the in-place form the reconciler uses, with and
    /// without counter evidence (without, the traffic verdict comes from
    /// `TrafficRule.quietCollection` and its samples are written into the remembered ones): it
    /// gives the same answer, and an assessment it refuses is left exactly as it was.
    static func advance(_ previous: Assessment, from old: JSONValue, to new: JSONValue, at: Double,
                        sourceLocation: SourceLocation = #_sourceLocation) -> Assessment? {
        let result = HealthEvaluator.advance(previous, from: view(old), to: view(new), policy: .default, now: Fx.at(at))
        for counterEvidence in [true, false] {
            var inPlace = previous
            let moved = HealthEvaluator.advance(&inPlace, conditions: QuietConditions(previous.conditions, rules: .standard),
                                                from: view(old), to: view(new), policy: .default, now: Fx.at(at),
                                                counterEvidence: counterEvidence, inputsChecked: false)
            #expect(moved == (result != nil), "in place, counter evidence \(counterEvidence)", sourceLocation: sourceLocation)
            if moved, var expected = result {
                if !counterEvidence { expected.evidence.counters = [] }
                #expect(inPlace == expected, "in place, counter evidence \(counterEvidence)", sourceLocation: sourceLocation)
            } else {
                #expect(inPlace == previous, "refused, yet written", sourceLocation: sourceLocation)
            }
            // With a witness of `old`'s counters where the keys name them (as the reconciler
            // carries one from the previous advance): the same answer and assessment, and the
            // witness it leaves vouches only for counters the moved keys name.
            let oldView = view(old), newView = view(new)
            guard TrafficAdvanceTests.keysName(previous.memory, oldView.counters) else { continue }
            var witnessed = previous
            var witness = TrafficKeysWitness(oldView.counters)
            let movedWitnessed = HealthEvaluator.advance(&witnessed, conditions: QuietConditions(previous.conditions, rules: .standard),
                                                         from: oldView, to: newView, policy: .default, now: Fx.at(at),
                                                         counterEvidence: counterEvidence, inputsChecked: false, trafficKeys: &witness)
            #expect(movedWitnessed == moved && witnessed == inPlace, "with a witness, counter evidence \(counterEvidence)",
                    sourceLocation: sourceLocation)
            if !movedWitnessed {
                #expect(witness.vouches(for: oldView.counters), "refused, yet the witness moved", sourceLocation: sourceLocation)
            } else if witness.vouches(for: newView.counters) {
                #expect(TrafficAdvanceTests.keysName(witnessed.memory, newView.counters), sourceLocation: sourceLocation)
            } else {
                #expect(witness.isEmpty || witness.vouches(for: oldView.counters), sourceLocation: sourceLocation)
            }
        }
        return result
    }

    /// The reconciler's chain of advances, each carrying the witness the last one left
    /// (`TrafficKeysWitness`): from the second heartbeat on it vouches for the old view's
    /// counters, so the traffic shortcut takes the samples at their places without a look at a
    /// key; every step equals the chain without a witness and the full evaluation. A witness
    /// vouches for one storage only: the same counters in another array, none, or an empty
    /// array are not vouched for, and a chain whose views are read again (other storage) never
    /// skips, with the same results.
    @Test func theTrafficKeysWitnessVouchesOnlyForItsOwnCounters() throws {
        var (full, oldJSON) = Self.quiet()
        full.evidence.counters = []
        var plain = full, witnessed = full
        var witness = TrafficKeysWitness()
        var old = Self.view(oldJSON)
        #expect(!witness.vouches(for: old.counters) && !witness.vouches(for: []))
        var vouched = 0
        for (i, beat) in stride(from: -15.0, through: 90, by: 15).enumerated() {
            let newJSON = Self.agent(beat, drops: Int64(i))
            let new = Self.view(newJSON)
            if witness.vouches(for: old.counters) { vouched += 1 }
            let conditions = QuietConditions(full.conditions, rules: .standard)
            #expect(HealthEvaluator.advance(&plain, conditions: conditions, from: old, to: new, policy: .default, now: Fx.at(beat + 1),
                                            counterEvidence: false, inputsChecked: false), "heartbeat \(beat)")
            #expect(HealthEvaluator.advance(&witnessed, conditions: conditions, from: old, to: new, policy: .default,
                                            now: Fx.at(beat + 1), counterEvidence: false, inputsChecked: false,
                                            trafficKeys: &witness), "heartbeat \(beat)")
            full = Self.evaluate(newJSON, at: beat + 1, full)
            full.evidence.counters = []
            #expect(witnessed == plain && witnessed == full, "heartbeat \(beat)")
            #expect(witness.vouches(for: new.counters) && !witness.vouches(for: Self.view(newJSON).counters),
                    "its own storage only, heartbeat \(beat)")
            // Read again (other storage), the old view is not vouched for: the keys are matched.
            var again = witness
            var matched = witnessed
            let next = Self.agent(beat + 15, drops: Int64(i))
            #expect(HealthEvaluator.advance(&matched, conditions: conditions, from: Self.view(newJSON), to: Self.view(next),
                                            policy: .default, now: Fx.at(beat + 16), counterEvidence: false, inputsChecked: false,
                                            trafficKeys: &again))
            var unwitnessed = witnessed
            #expect(HealthEvaluator.advance(&unwitnessed, conditions: conditions, from: new, to: Self.view(next),
                                            policy: .default, now: Fx.at(beat + 16), counterEvidence: false, inputsChecked: false))
            #expect(matched == unwitnessed)
            old = new
        }
        #expect(vouched >= 6, "the witness is taken from the second heartbeat on")
        // The rule's own path (counter evidence) leaves a witness of nothing: its samples may have other keys.
        let newJSON = Self.agent(105, drops: 7)
        #expect(HealthEvaluator.advance(&witnessed, conditions: QuietConditions(full.conditions, rules: .standard), from: old,
                                        to: Self.view(newJSON), policy: .default, now: Fx.at(106), counterEvidence: true,
                                        inputsChecked: false, trafficKeys: &witness))
        #expect(witness.isEmpty)
    }

    @Test func aQuietGatewaysHeartbeatAdvancesExactlyAsAnEvaluation() throws {
        var (full, old) = Self.quiet()
        #expect(full.state == .up && full.conditions.allSatisfy { $0.status == "True" }, "\(full.conditions)")
        var advanced = full
        // Five heartbeats, counters rising (drops too, below the threshold), each arriving 1 s
        // after its stamp (the offset, within the skew tolerance, moves the deadline by 1 s).
        for (i, beat) in stride(from: -15.0, through: 45, by: 15).enumerated() {
            let new = Self.agent(beat, drops: Int64(i))
            let next = try #require(Self.advance(advanced, from: old, to: new, at: beat + 1), "heartbeat \(beat)")
            full = Self.evaluate(new, at: beat + 1, full)
            #expect(next == full, "advanced and evaluated differ at heartbeat \(beat)")
            // The reconciler's form: the same without the (volatile) counter evidence.
            var blank = full
            blank.evidence.counters = []
            #expect(HealthEvaluator.advance(advanced, from: Self.view(old), to: Self.view(new), policy: .default,
                                            now: Fx.at(beat + 1), counterEvidence: false) == blank)
            #expect(next.nextCheck == Fx.at(beat + 47), "the staleness deadline moved with the heartbeat")
            #expect(next.memory.heartbeatKey == KubeTime.format(Fx.at(beat)) && next.evidence.heartbeat == next.memory.heartbeatKey)
            advanced = next
            old = new
        }
    }

    /// Staleness end: a stale (or never fresh) previous assessment is evaluated on the next heartbeat.
    @Test func aHeartbeatEndingAStalenessIsEvaluated() {
        let (quiet, old) = Self.quiet()
        let stale = Self.evaluate(old, at: 30, quiet)
        #expect(stale.condition(ConditionType.heartbeat)?.status == "False")
        let new = Self.agent(31)
        #expect(Self.advance(stale, from: old, to: new, at: 32) == nil)
        #expect(Self.evaluate(new, at: 32, stale).state == .up)
        // A heartbeat that arrives after the deadline passed, before the requeue ran: stale at
        // the advance's instant is not fresh either (the rule says so, not the previous verdict).
        #expect(Self.advance(quiet, from: old, to: Self.agent(-30, stamp: -30), at: 40) == nil)
    }

    @Test func aChangedGenerationIsEvaluated() {
        let (quiet, old) = Self.quiet()
        let newGeneration = Self.agent(-15, generation: 11)
        #expect(Self.advance(quiet, from: old, to: newGeneration, at: -14) == nil)
        #expect(Self.evaluate(newGeneration, at: -14, quiet).condition(ConditionType.configApplied)?.status == "False")
        #expect(Self.advance(quiet, from: old, to: Self.agent(-15, appliedGen: 9), at: -14) == nil)
    }

    @Test func aBGPChangeIsEvaluated() {
        let (quiet, old) = Self.quiet()
        var down = Fx.defaultNeighbors
        down["172.30.128.12"] = Fx.neighbor("active")
        #expect(Self.advance(quiet, from: old, to: Self.agent(-15, neighbors: down), at: -14) == nil)
        #expect(Self.evaluate(Self.agent(-15, neighbors: down), at: -14, quiet).condition(ConditionType.bgpEstablished)?.status == "False")
        var flapped = Fx.defaultNeighbors
        flapped["172.30.128.12"] = Fx.neighbor(transitions: 2, dropped: 1)
        #expect(Self.advance(quiet, from: old, to: Self.agent(-15, neighbors: flapped), at: -14) == nil,
                "a counter rise starts a flap window (a timer) even below the threshold")
    }

    @Test func countersThatChangeTheTrafficVerdictAreEvaluated() {
        let (quiet, old) = Self.quiet()
        // Drops above 1 % of the packets since the last collection.
        let dropping = Self.agent(-15, drops: 500)
        #expect(Self.advance(quiet, from: old, to: dropping, at: -14) == nil)
        #expect(Self.evaluate(dropping, at: -14, quiet).condition(ConditionType.trafficHealthy)?.status == "False")
        // A counter reset (dataplane restart), a new counter, a malformed one.
        #expect(Self.advance(quiet, from: old, to: Self.agent(-15, packets: 5), at: -14) == nil)
        let added = Self.agent(-15, vpcs: ["vpc-01": Fx.counters(200_000, 0), "vpc-03": Fx.counters(1, 0)])
        #expect(Self.advance(quiet, from: old, to: added, at: -14) == nil)
        let malformed = Self.agent(-15, vpcs: ["vpc-01": ["p": "many", "d": 0]])
        #expect(Self.advance(quiet, from: old, to: malformed, at: -14) == nil)
    }

    /// The measured clock offset crossing the skew tolerance turns Heartbeat to HeartbeatClockSkew.
    @Test func aClockOffsetCrossingTheSkewToleranceIsEvaluated() {
        let (quiet, old) = Self.quiet()
        // Arriving 40 s after its stamp (tolerance 30 s), and one stamped 40 s ahead.
        let behind = Self.agent(-15, stamp: -29)
        #expect(Self.advance(quiet, from: old, to: behind, at: 11) == nil)
        #expect(Self.evaluate(behind, at: 11, quiet).condition(ConditionType.heartbeat)?.reason == "HeartbeatClockSkew")
        let ahead = Self.agent(-15, stamp: 25)
        #expect(Self.advance(quiet, from: old, to: ahead, at: -15) == nil)
        #expect(Self.evaluate(ahead, at: -15, quiet).condition(ConditionType.heartbeat)?.reason == "HeartbeatClockSkew")
        // Within the tolerance: advanced, and the offset remembered as the evaluation would.
        let late = Self.agent(-15, stamp: -25)
        let advanced = Self.advance(quiet, from: old, to: late, at: -5)
        #expect(advanced != nil && advanced == Self.evaluate(late, at: -5, quiet))
        #expect(advanced?.memory.heartbeatClockOffset == 20)
    }

    /// Pods are not a GatewayAgent's input (a pod change is queued by its own informer), but a
    /// pod issue pending keeps the gateway from being advanced: its grace timer must run.
    @Test func aPendingPodIssueIsEvaluated() {
        let first = Self.evaluate(Self.agent(-45), at: -44, nil)
        let notReady = [Fx.pod("dataplane", containers: [Fx.Container(name: "dataplane", ready: false)], readySince: -40), Fx.pod("frr")]
        let old = Self.agent(-30)
        let waiting = Self.evaluate(old, at: -29, first, pods: notReady)
        #expect(waiting.condition(ConditionType.podsReady)?.status == "False")
        #expect(Self.advance(waiting, from: old, to: Self.agent(-15), at: -14) == nil)
    }

    /// A container restart seen within the restart window (not enough for ContainerRestarting)
    /// is a timer too: the full evaluation drops the rise when it leaves the window.
    @Test func aContainerRestartInItsWindowIsEvaluated() {
        func pods(_ restarts: Int64) -> [JSONValue] {
            [Fx.pod("dataplane", containers: [Fx.Container(name: "dataplane", restarts: restarts)]), Fx.pod("frr")]
        }
        let first = Self.evaluate(Self.agent(-45), at: -44, nil, pods: pods(0))
        let old = Self.agent(-30)
        let restarted = Self.evaluate(old, at: -29, first, pods: pods(1))
        #expect(restarted.condition(ConditionType.podsReady)?.status == "True")
        #expect(restarted.memory.restartRises.count == 1)
        #expect(Self.advance(restarted, from: old, to: Self.agent(-15), at: -14) == nil)
        // The same gateway without the restart is advanced.
        let steady = Self.evaluate(old, at: -29, first, pods: pods(0))
        #expect(Self.advance(steady, from: old, to: Self.agent(-15), at: -14) != nil)
    }

    /// Issue 19: a collection that stops while the heartbeat goes on is StateNotCollected (§3.9),
    /// which the two rules of the quiet path do not judge.
    @Test func aStalledCollectorIsEvaluated() {
        let (quiet, old) = Self.quiet()
        let stalled = Self.agent(16).setting(["status", "state", "lastCollectedTime"], Fx.ts(-30))
        #expect(Self.advance(quiet, from: old, to: stalled, at: 17) == nil)
        #expect(Self.evaluate(stalled, at: 17, quiet).condition(ConditionType.forwarding)?.reason == "StateNotCollected")
        let notYet = Self.agent(15).setting(["status", "state", "lastCollectedTime"], Fx.ts(-30))
        #expect(Self.advance(quiet, from: old, to: notYet, at: 16) != nil, "45 s behind the heartbeat is still current")
    }

    /// Issue 19: a peering still carrying traffic moves its last rise with the counters, exactly
    /// as the evaluation does; one whose packets stop rising keeps its last rise on the quiet path
    /// until the check it brings (PeeringTrafficStopped, §3.10) would come before the heartbeat's
    /// staleness, and is evaluated from then on.
    @Test func aPeeringKeepsItsLastRiseOnTheQuietPathUntilItsCheckIsDue() throws {
        // The group peer's heartbeat is stamped far ahead, so its going stale (§3.11) brings no
        // check within the quarter of an hour this test covers: only the peering's does.
        let peer = Snapshot.Peer(gateway: Fx.gateway(name: "gw-2", protocolIP: "172.30.8.2/32"), agent: Fx.agent(name: "gw-2", heartbeat: 1_200))
        func carrying(_ beat: Double, packets: Int64) -> JSONValue {
            Self.agent(beat).setting(["spec", "peerings"], ["p": Fx.peering(group: "")])
                .setting(["status", "state", "peerings"], ["vpc-01->vpc-02": Fx.counters(packets, 0)])
        }
        func evaluate(_ agent: JSONValue, at: Double, _ previous: Assessment?) -> Assessment {
            HealthEvaluator.evaluate(Snapshot(agent: agent, peers: [peer]).inputs, previous: previous, policy: .default, now: Fx.at(at))
        }
        let first = evaluate(carrying(-45, packets: 1_000), at: -44, nil)
        let old = carrying(-30, packets: 2_000)
        let quiet = evaluate(old, at: -29, first)
        #expect(HealthEvaluator.isQuiet(quiet, rules: .standard), "\(quiet.conditions)")
        #expect(quiet.memory.peeringRises["p"] == Fx.at(-29))
        let rising = carrying(-15, packets: 3_000)
        let advanced = try #require(Self.advance(quiet, from: old, to: rising, at: -14))
        let evaluated = evaluate(rising, at: -14, quiet)
        #expect(advanced == evaluated)
        #expect(advanced.memory.peeringRises["p"] == Fx.at(-14))

        // The packets stop rising. While every check the evaluation derives from the last rise
        // (stopped after `peeringStoppedAfter`, forgotten after `peeringActivityWindow`) lies
        // beyond the new heartbeat's staleness deadline, the advance keeps the rise and equals
        // the evaluation; the first heartbeat whose deadline reaches that check is evaluated.
        var (previous, before, advances) = (evaluated, rising, 0)
        var firstRefused: Double?
        for beat in stride(from: 0.0, through: 900, by: 15) {
            let still = carrying(beat, packets: 3_000)
            let full = evaluate(still, at: beat + 1, previous)
            guard let next = Self.advance(previous, from: before, to: still, at: beat + 1) else { firstRefused = beat; break }
            #expect(next == full, "advanced and evaluated differ at heartbeat \(beat)")
            #expect(next.memory.peeringRises["p"] == Fx.at(-14), "the last rise is kept")
            (previous, before, advances) = (next, still, advances + 1)
        }
        // The rise at -14 s is judged again at -14 + 600 + 1 = 587 s; the heartbeat at `beat`,
        // seen 1 s later, is stale at beat + 47 s (above): 540 is the first to reach 587.
        #expect(firstRefused == 540 && advances == 36, "refused at heartbeat \(String(describing: firstRefused)) after \(advances) advances")
        // Past it, the evaluation's next check is the peering's, not the heartbeat's staleness.
        let judged = evaluate(carrying(555, packets: 3_000), at: 556, previous)
        #expect(judged.nextCheck == Fx.at(-14 + HealthPolicy.default.peeringStoppedAfter + 1))
    }

    /// A check another rule asks for while every condition is True (Forwarding: a leaf whose
    /// going stale would change the verdict, §3.9) is not the heartbeat's: the advance refuses,
    /// as moving the re-check to the new heartbeat's staleness would skip it.
    @Test func aPendingLeafCheckIsNotAdvancedAway() {
        let leaves = [Fx.leaf(heartbeat: -40, received: ["172.30.128.13": 5]), Fx.leaf("leaf-2", heartbeat: -40, received: ["172.30.128.13": 0])]
        func evaluate(_ agent: JSONValue, at: Double, _ previous: Assessment?) -> Assessment {
            HealthEvaluator.evaluate(Snapshot(agent: agent, leaves: leaves).inputs, previous: previous, policy: .default, now: Fx.at(at))
        }
        let first = evaluate(Self.agent(-45), at: -44, nil)
        let old = Self.agent(-30)
        let quiet = evaluate(old, at: -29, first)
        #expect(HealthEvaluator.isQuiet(quiet, rules: .standard), "\(quiet.conditions)")
        #expect(quiet.nextCheck == Fx.at(6), "leaf-1 (heartbeat -40 s) goes stale at +6 s")
        #expect(Self.advance(quiet, from: old, to: Self.agent(-15), at: -14) == nil)
        // Without the leaves' word the same heartbeat advances.
        let (plain, plainOld) = Self.quiet()
        #expect(Self.advance(plain, from: plainOld, to: Self.agent(-15), at: -14) != nil)
    }

    /// Issue 19's gap (§3.11): a group peer whose heartbeat goes stale counts as not forwarding,
    /// and no object says when. The instant is in `nextCheck`; a quiet heartbeat of the gateway
    /// keeps it there (it moves only its own deadline), and one that comes after it is evaluated.
    @Test func aGroupPeersStalenessIsNotSkipped() throws {
        // gw-2's last heartbeat at -40: stale after 5, checked at 6.
        let peer = Snapshot.Peer(gateway: Fx.gateway(name: "gw-2", protocolIP: "172.30.8.2/32"),
                                 agent: Fx.agent(name: "gw-2", heartbeat: -40))
        func carrying(_ beat: Double) -> JSONValue {
            Self.agent(beat).setting(["spec", "peerings"], ["p": Fx.peering(group: "")])
                .setting(["status", "state", "peerings"], ["vpc-01->vpc-02": Fx.counters(Int64(10_000 + beat * 100), 0)])
        }
        func evaluate(_ agent: JSONValue, at: Double, _ previous: Assessment?) -> Assessment {
            HealthEvaluator.evaluate(Snapshot(agent: agent, peers: [peer]).inputs, previous: previous, policy: .default, now: Fx.at(at))
        }
        let first = evaluate(carrying(-45), at: -44, nil)
        let old = carrying(-30)
        let quiet = evaluate(old, at: -29, first)
        #expect(HealthEvaluator.isQuiet(quiet, rules: .standard), "\(quiet.conditions)")
        #expect(quiet.groupPeersCheck == Fx.at(6) && quiet.nextCheck == Fx.at(6), "the peer's deadline comes before its own (16)")
        // Its own heartbeat moves its own deadline to 31; the peer's stays the next check.
        let new = carrying(-15)
        let advanced = try #require(Self.advance(quiet, from: old, to: new, at: -14))
        #expect(advanced == evaluate(new, at: -14, quiet))
        #expect(advanced.nextCheck == Fx.at(6))
        // A heartbeat after the peer's deadline (its requeue not run yet) is evaluated: redundancy is lost.
        let late = carrying(0)
        #expect(Self.advance(advanced, from: new, to: late, at: 7) == nil)
        let evaluated = evaluate(late, at: 7, advanced)
        #expect(evaluated.condition(ConditionType.groupRedundancy)?.reason == "RedundancyLost")
        #expect(evaluated.groupPeersCheck == nil)
    }

    /// The peers heartbeat as usual: given what their heartbeats say now, the advance moves the
    /// peers' check with them, exactly as an evaluation would, instead of evaluating each time a
    /// peer's old deadline passes; a peer gone stale meanwhile leaves it to the evaluation.
    @Test func aGroupPeersOwnHeartbeatsMoveItsCheckOnTheQuietPath() throws {
        func peer(_ beat: Double) -> Snapshot.Peer {
            Snapshot.Peer(gateway: Fx.gateway(name: "gw-2", protocolIP: "172.30.8.2/32"), agent: Fx.agent(name: "gw-2", heartbeat: beat))
        }
        func carrying(_ beat: Double) -> JSONValue {
            Self.agent(beat).setting(["spec", "peerings"], ["p": Fx.peering(group: "")])
                .setting(["status", "state", "peerings"], ["vpc-01->vpc-02": Fx.counters(Int64(10_000 + beat * 100), 0)])
        }
        func inputs(_ agent: JSONValue, peerBeat: Double) -> GatewayInputs { Snapshot(agent: agent, peers: [peer(peerBeat)]).inputs }
        func evaluate(_ agent: JSONValue, at: Double, peerBeat: Double, _ previous: Assessment?) -> Assessment {
            HealthEvaluator.evaluate(inputs(agent, peerBeat: peerBeat), previous: previous, policy: .default, now: Fx.at(at))
        }
        func advance(_ previous: Assessment, from old: JSONValue, to new: JSONValue, at: Double, peerBeat: Double) -> Assessment? {
            let peers = GroupPeersHeartbeats(inputs(new, peerBeat: peerBeat), policy: .default, now: Fx.at(at))
            return HealthEvaluator.advance(previous, from: Self.view(old), to: Self.view(new), policy: .default, now: Fx.at(at),
                                           groupPeers: peers)
        }
        // The peer heartbeats every 15 s too, 35 s before the gateway does: at each of the
        // gateway's heartbeats the peer's deadline it last knew (its beat + 46 s) has passed.
        let first = evaluate(carrying(-45), at: -44, peerBeat: -80, nil)
        var (previous, old) = (evaluate(carrying(-30), at: -29, peerBeat: -65, first), carrying(-30))
        #expect(HealthEvaluator.isQuiet(previous, rules: .standard) && previous.groupPeersCheck == Fx.at(-19))
        for beat in stride(from: -15.0, through: 60, by: 15) {
            let new = carrying(beat)
            #expect(try #require(previous.groupPeersCheck) < Fx.at(beat + 1), "the peer's old deadline passed")
            let next = try #require(advance(previous, from: old, to: new, at: beat + 1, peerBeat: beat - 35), "heartbeat \(beat)")
            #expect(next == evaluate(new, at: beat + 1, peerBeat: beat - 35, previous), "heartbeat \(beat)")
            #expect(next.groupPeersCheck == Fx.at(beat + 11))
            (previous, old) = (next, new)
        }
        // The peer falls silent after its heartbeat at 25: at 76 it is stale, and that is evaluated.
        #expect(advance(previous, from: old, to: carrying(75), at: 76, peerBeat: 25) == nil)
        #expect(evaluate(carrying(75), at: 76, peerBeat: 25, previous).condition(ConditionType.groupRedundancy)?.reason == "RedundancyLost")
    }

    @Test func aHeartbeatThatIsNotATimeOrGoesBackIsEvaluated() {
        let (quiet, old) = Self.quiet()
        var unparseable = Self.agent(-15)
        unparseable["status"]?["lastHeartbeat"] = "yesterday"
        #expect(Self.advance(quiet, from: old, to: unparseable, at: -14) == nil)
        #expect(Self.advance(quiet, from: old, to: Self.agent(-40), at: -14) == nil, "a heartbeat older than the last one")
    }

    /// A rule declared here: True whatever it sees, reading what it says it reads, and asking
    /// to be judged again `recheck` seconds on when given.
    struct ThrowawayRule: HealthRule {
        let condition = "Throwaway"
        let docSection = "§99"
        let reasons = ["Fine"]
        let reads: Set<RuleInput>
        var recheck: TimeInterval?

        func evaluate(_ context: inout RuleContext) -> RuleOutcome {
            RuleOutcome(.isTrue(condition, "Fine", "fine"), nextCheck: recheck.map { [context.now.addingTimeInterval($0)] } ?? [])
        }
    }

    /// Issue 18 (a rule runs when its inputs change): which updates skip the evaluation is
    /// derived from the rules' declared `reads`. A rule that reads the heartbeat's value makes a
    /// heartbeat-only update evaluate; one that reads something else does not.
    @Test func theHeartbeatSkipIsDerivedFromTheRulesReads() throws {
        let readsHeartbeat = HealthRules.standard.inserting(ThrowawayRule(reads: [.agentHeartbeat]))
        let readsCounters = HealthRules.standard.inserting(ThrowawayRule(reads: [.agentCounters]))
        let readsBGP = HealthRules.standard.inserting(ThrowawayRule(reads: [.agentBGP]))
        #expect(HealthRules.standard.quietInputs == [.agentHeartbeat, .agentCounters])
        #expect(readsHeartbeat.quietInputs == [.agentCounters])
        #expect(readsCounters.quietInputs == [.agentHeartbeat])
        #expect(readsBGP.quietInputs == [.agentHeartbeat, .agentCounters])
        for (rules, advances) in [(HealthRules.standard, true), (readsBGP, true), (readsHeartbeat, false), (readsCounters, false)] {
            let first = Self.evaluate(Self.agent(-45), at: -44, nil, rules: rules)
            let old = Self.agent(-30)
            let quiet = Self.evaluate(old, at: -29, first, rules: rules)
            #expect(quiet.state == .up && quiet.conditions.allSatisfy { $0.status == "True" })
            #expect(quiet.conditions.count == rules.conditions.count)
            let new = Self.agent(-15)
            let advanced = HealthEvaluator.advance(quiet, from: Self.view(old), to: Self.view(new), policy: .default,
                                                   now: Fx.at(-14), rules: rules)
            if advances {
                #expect(advanced != nil && advanced == Self.evaluate(new, at: -14, quiet, rules: rules), "\(rules.quietInputs)")
            } else {
                #expect(advanced == nil, "\(rules.quietInputs)")
            }
        }
    }

    /// A rule the advance knows nothing of may have asked for a check while True: the pending
    /// check is not the heartbeat's, so the gateway is evaluated (the check is not lost).
    @Test func aCheckAnotherRuleAskedForIsNotSkipped() {
        let rules = HealthRules.standard.inserting(ThrowawayRule(reads: [.agentBGP], recheck: 5))
        let first = Self.evaluate(Self.agent(-45), at: -44, nil, rules: rules)
        let old = Self.agent(-30)
        let quiet = Self.evaluate(old, at: -29, first, rules: rules)
        #expect(quiet.nextCheck == Fx.at(-24))
        #expect(HealthEvaluator.advance(quiet, from: Self.view(old), to: Self.view(Self.agent(-15)), policy: .default,
                                        now: Fx.at(-14), rules: rules) == nil)
    }

    /// The inputs an update changed, as the skip sees them.
    @Test func changedInputsOfAGatewayAgent() {
        let old = Self.view(Self.agent(-30))
        #expect(Self.view(Self.agent(-15)).changedInputs(from: old) == [.agentHeartbeat, .agentCounters])
        var sameBeat = Self.agent(-30)
        sameBeat["metadata"]?["resourceVersion"] = "rv-other"
        #expect(Self.view(sameBeat).changedInputs(from: old) == [])
        #expect(Self.view(Self.agent(-30, packets: 1)).changedInputs(from: old) == [.agentCounters])
        #expect(Self.view(Self.agent(-15, generation: 11)).changedInputs(from: old) == RuleInput.gatewayAgent)
        var unparseable = Self.agent(-15)
        unparseable["status"]?["lastHeartbeat"] = "yesterday"
        #expect(Self.view(unparseable).changedInputs(from: old) == RuleInput.gatewayAgent)
        let added = Self.agent(-15, vpcs: ["vpc-01": Fx.counters(200_000, 0), "vpc-03": Fx.counters(1, 0)])
        #expect(Self.view(added).changedInputs(from: old) == RuleInput.gatewayAgent)
    }

    /// The informer's cheap test answers exactly `changedInputs(from:).isSubset(of: quietInputs)`
    /// (it reads the views in place and builds no set), whichever inputs the rules leave quiet.
    @Test func theCheapTestAgreesWithChangedInputs() {
        let old = Self.view(Self.agent(-30))
        var sameBeat = Self.agent(-30)
        sameBeat["metadata"]?["resourceVersion"] = "rv-other"
        var unparseable = Self.agent(-15)
        unparseable["status"]?["lastHeartbeat"] = "yesterday"
        var beatOnly = Self.agent(-30)
        beatOnly["status"]?["lastHeartbeat"] = .string(KubeTime.format(Fx.at(-15)))
        let updates = [Self.agent(-15), sameBeat, Self.agent(-30, packets: 1), beatOnly, Self.agent(-15, generation: 11), unparseable,
                       Self.agent(-15, vpcs: ["vpc-01": Fx.counters(200_000, 0), "vpc-03": Fx.counters(1, 0)])].map(Self.view)
        #expect(Self.view(beatOnly).changedInputs(from: old) == [.agentHeartbeat])
        let ruleSets = [HealthRules.standard, HealthRules.standard.inserting(ThrowawayRule(reads: [.agentHeartbeat])),
                        HealthRules.standard.inserting(ThrowawayRule(reads: [.agentCounters]))]
        var answers: [[Bool]] = []
        for rules in ruleSets {
            answers.append(updates.map { new in HealthEvaluator.changesOnlyQuietInputs(from: old, to: new, rules: rules) })
            for new in updates + [old] {
                #expect(HealthEvaluator.changesOnlyQuietInputs(from: old, to: new, rules: rules)
                        == new.changedInputs(from: old).isSubset(of: rules.quietInputs), "\(rules.quietInputs)")
            }
        }
        #expect(answers == [[true, true, true, true, false, false, false],
                            [false, true, true, false, false, false, false],
                            [false, true, false, true, false, false, false]])
    }

    /// The cheap test as it was: the new view's fields copied, the two inputs and the
    /// resourceVersion put back, compared whole (`Fields`' own `==`).
    static func referenceChange(from old: GatewayAgentView, to new: GatewayAgentView) -> (heartbeat: Bool, counters: Bool)? {
        if new.fields == old.fields { return (false, false) }
        var now = new.fields
        var heartbeat = false, counters = false
        if now.lastHeartbeat != old.fields.lastHeartbeat, case .value = now.lastHeartbeat, case .value = old.fields.lastHeartbeat {
            heartbeat = true
            now.lastHeartbeat = old.fields.lastHeartbeat
        }
        if now.lastCollectedTime != old.fields.lastCollectedTime || now.counters != old.fields.counters,
           now.counters.count == old.fields.counters.count,
           zip(now.counters, old.fields.counters).allSatisfy({ $0.kind == $1.kind && $0.name == $1.name }) {
            counters = true
            now.lastCollectedTime = old.fields.lastCollectedTime
            now.counters = old.fields.counters
        }
        now.resourceVersion = old.fields.resourceVersion
        return now == old.fields ? (heartbeat, counters) : nil
    }

    /// The cheap test compares the fields in place, one by one: it answers as comparing them
    /// whole did, for a change of any field and of several at once, and it knows every field
    /// (a field added to the view must be added to `equalOutsideAdvancedInputs`).
    @Test func theCheapTestComparesEveryFieldAsComparingThemWhole() throws {
        typealias Fields = GatewayAgentView.Fields
        let base = Self.view(Self.agent(-30)).fields
        var variantJSON = Fx.agent(name: "gw-2", generation: 11, heartbeat: -7, appliedGen: 9, appliedTime: -100, frrGen: 9,
                                   neighbors: ["172.30.128.99": Fx.neighbor("active")], specChanged: -50,
                                   specPeerings: ["vpc-01--vpc-02": ["gatewayGroup": "ga", "peering": ["vpc-01": [:], "vpc-02": [:]]]])
        variantJSON["spec"]?["gateway"]?["neighbors"] = [["source": "eth2", "ip": "172.30.128.77", "asn": 65101]]
        variantJSON["spec"]?["agentVersion"] = "v9"
        variantJSON["status"]?["lastAppliedGen"] = "not a number"
        let variant = Self.view(variantJSON).fields
        let mutations: [(String, (inout Fields) -> Void)] = [
            ("name", { $0.name = "other" }), ("namespace", { $0.namespace = "other" }),
            ("resourceVersion", { $0.resourceVersion = "rv-other" }), ("uid", { $0.uid = StoredUID("some-other-uid") }),
            ("generation", { $0.generation = .value(99) }), ("creationTime", { $0.creationTime = Fx.at(-5) }),
            ("specChangeTime", { $0.specChangeTime = Fx.at(-5) }), ("protocolIP", { $0.protocolIP = "10.0.0.9" }),
            ("expectedNeighbors", { $0.expectedNeighbors = variant.expectedNeighbors }),
            ("expectedAgentVersion", { $0.expectedAgentVersion = .value("v9") }),
            ("peerings", { $0.peerings = variant.peerings }), ("hasStatus", { $0.hasStatus.toggle() }),
            ("lastHeartbeat", { $0.lastHeartbeat = .value(Fx.at(-15)) }), ("lastHeartbeat", { $0.lastHeartbeat = .invalid }),
            ("lastHeartbeat", { $0.lastHeartbeat = .absent }), ("lastHeartbeatText", { $0.lastHeartbeatText = "yesterday" }),
            ("lastAppliedGen", { $0.lastAppliedGen = .value(3) }), ("lastAppliedTime", { $0.lastAppliedTime = .invalid }),
            ("agentVersion", { $0.agentVersion = "v0" }), ("lastCollectedTime", { $0.lastCollectedTime = "later" }),
            ("hasState", { $0.hasState.toggle() }), ("frrAppliedGen", { $0.frrAppliedGen = .value(2) }),
            ("bgpNeighbors", { $0.bgpNeighbors = variant.bgpNeighbors }), ("bgpNeighbors", { $0.bgpNeighbors = .absent }),
            ("bgpNeighbors", { $0.bgpNeighbors = .value(Array(($0.bgpNeighbors.value ?? []).dropLast())) }),
            ("counters", { if !$0.counters.isEmpty { $0.counters[0].packets = .value(1) } }),
            ("counters", { if !$0.counters.isEmpty { $0.counters[0].name = "vpc-09" } }),
            ("counters", { if !$0.counters.isEmpty { $0.counters.removeLast() } }),
            ("counters", { if !$0.counters.isEmpty { $0.counters[0].drops = .invalid } }),
            ("problems", { $0.problems = variant.problems }), ("unreadable", { $0.unreadable = "cut" }),
            ("specDigest", { $0.specDigest = SpecDigest(42) }),
        ]
        // Every field is changed by some mutation, and every mutation changes its field.
        let labels = Set(Mirror(reflecting: base).children.compactMap(\.label))
        #expect(labels == Set(mutations.map(\.0)), "a field of the view that the cheap test does not know")
        #expect(Fields.advancedInputFields.isSubset(of: labels))
        for (label, mutate) in mutations where label != "specDigest" {
            var changed = base
            mutate(&changed)
            #expect(changed != base, "the mutation of \(label) changes nothing")
        }
        #expect(!variant.problems.isEmpty && variant.peerings != base.peerings && variant.expectedNeighbors != base.expectedNeighbors)
        var random = TrafficAdvanceTests.Seeded(state: 0xC4EA9)
        var answers: [String: Int] = [:]
        for n in 0..<3_000 {
            var new = base
            for _ in 0..<Int.random(in: 0...3, using: &random) { mutations.randomElement(using: &random)!.1(&new) }
            // Half the cases with the arrays in storage of their own (read anew), half shared.
            if n.isMultiple(of: 2) {
                new.peerings = new.peerings.map { $0 }
                new.expectedNeighbors = new.expectedNeighbors.map { $0 }
                new.problems = new.problems.map { $0 }
                new.counters = new.counters.map { $0 }
                if case .value(let neighbors) = new.bgpNeighbors { new.bgpNeighbors = .value(neighbors.map { $0 }) }
            }
            let (oldView, newView) = (GatewayAgentView(base), GatewayAgentView(new))
            let expected = Self.referenceChange(from: oldView, to: newView)
            let answer = newView.advancedChange(from: oldView)
            #expect(answer?.heartbeat == expected?.heartbeat && answer?.counters == expected?.counters, "case \(n)")
            answers["\(String(describing: expected))", default: 0] += 1
        }
        // Quiet changes and others were both among the cases.
        #expect(answers.count >= 4, "\(answers)")
    }

    /// The heartbeat rule takes the stamp it remembers when it is this heartbeat's, and renders
    /// the heartbeat anew otherwise, the same instant written another way included: the memory
    /// and the evidence always carry the heartbeat as `KubeTime.format` writes it.
    @Test func theRememberedStampIsTakenOnlyWhenItIsTheHeartbeatsOwn() throws {
        let (quiet, old) = Self.quiet()
        let beat = Fx.at(-30)
        let canonical = KubeTime.format(beat)
        #expect(quiet.memory.heartbeatKey == canonical)
        for remembered in [canonical, canonical.lowercased(), String(canonical.dropLast()) + "+00:00", KubeTime.format(Fx.at(-29))] {
            var memory = quiet.memory
            memory.heartbeatKey = remembered
            let finding = HeartbeatRule.evaluate(Self.view(old), memory: memory, policy: .default, now: Fx.at(-20))
            #expect(finding.stamp == canonical && finding.memoryKey == canonical, "\(remembered)")
            // The same instant written otherwise is another value: seen anew.
            #expect((finding.memorySeenAt == quiet.memory.heartbeatSeenAt) == (remembered == canonical), "\(remembered)")
        }
    }
}

/// The quiet path's peering rises moved in the remembered map's own storage
/// (`PeeringsHealthyRule.risesAdvance`) against the map built anew from the pairs
/// (`risesAnew`, the general case): the same answer on every generated case — spec peerings
/// named and not, rising and not, rises on record for peerings gone, too old for the deadline,
/// the same collection seen again — with the counters' samples looked up by key and, where the
/// keys name them at their places, taken by place.
@Suite("Peering rises on the heartbeat advance")
struct PeeringRisesAdvanceTests {
    @Test func risesMovedInPlaceAreTheRisesBuiltAnew() throws {
        var random = TrafficAdvanceTests.Seeded(state: 0x1215_E5)
        let vpcs = ["vpc-01", "vpc-02", "vpc-03"]
        let names = ["p", "q", "vpc-01--vpc-02", "r-longer-than-sixteen-bytes"]
        var inPlace = 0, refused = 0, byPlace = 0
        for n in 0..<3_000 {
            // Spec peerings: up to four, each between two of the VPCs.
            var spec: [String: JSONValue] = [:]
            for name in names.shuffled(using: &random).prefix(Int.random(in: 0...4, using: &random)) {
                let pair = vpcs.shuffled(using: &random)
                spec[name] = Fx.peering(vpcs: (pair[0], pair[1]))
            }
            // Directions reported, each with counters; the memory's samples of some of them.
            var peerings: [String: JSONValue] = [:]
            var samples: [(String, TrafficSample)] = []
            for a in vpcs { for b in vpcs where a != b && Bool.random(using: &random) {
                let p = Int64.random(in: 0...100, using: &random), d = Int64.random(in: 0...3, using: &random)
                peerings["\(a)->\(b)"] = Fx.counters(p, d)
                if Int.random(in: 0..<5, using: &random) > 0 {
                    samples.append(("peering:\(a)->\(b)", TrafficSample(packets: Int64.random(in: 0...100, using: &random),
                                                                        drops: Int64.random(in: 0...3, using: &random))))
                }
            } }
            let beat = Double(Int.random(in: 0...100, using: &random))
            let agent = GatewayAgentView(json: Fx.agent(heartbeat: beat, vpcs: ["vpc-01": Fx.counters(5, 0)], peerings: peerings,
                                                        collected: beat, specPeerings: spec))
            samples.append(("vpc:vpc-01", TrafficSample(packets: 1, drops: 0)))
            // Most spec peerings with a rise on record, mostly recent; now and then one for a
            // peering gone, or one too old for the deadline.
            var rises: [(String, Date)] = []
            for name in spec.keys where Int.random(in: 0..<6, using: &random) > 0 {
                let age = Int.random(in: 0..<8, using: &random) == 0 ? Int.random(in: 0...4_000, using: &random) : Int.random(in: 0...300, using: &random)
                rises.append((name, Fx.at(beat - Double(age))))
            }
            if Int.random(in: 0..<8, using: &random) == 0 { rises.append(("gone", Fx.at(beat - 10))) }
            var memory = HealthMemory(trafficStamp: Bool.random(using: &random) ? KubeTime.format(Fx.at(beat)) : "before",
                                      traffic: SmallMap(samples))
            memory.peeringRises = SmallMap(rises)
            let policy = HealthPolicy.default
            let now = Fx.at(beat + 1), deadline = Fx.at(beat + Double(Int.random(in: 0...120, using: &random)))
            let anew = PeeringsHealthyRule.risesAnew(agent, memory: memory, policy: policy, now: now, deadline: deadline)
            var places = [false]
            if TrafficAdvanceTests.keysName(memory, agent.counters) { places.append(true); byPlace += 1 }
            for countersAtPlaces in places {
                let advance = PeeringsHealthyRule.risesAdvance(agent, memory: memory, policy: policy, now: now, deadline: deadline,
                                                               countersAtPlaces: countersAtPlaces)
                #expect((advance == nil) == (anew == nil), "case \(n)")
                guard let advance, let anew else { refused += 1; continue }
                if case .inPlace = advance { inPlace += 1 }
                var moved = memory.peeringRises
                advance.apply(to: &moved, now: now)
                #expect(moved == anew && moved.map { Array($0.key.utf8) } == anew.map { Array($0.key.utf8) }, "case \(n)")
                #expect(PeeringsHealthyRule.advancedRises(agent, memory: memory, policy: policy, now: now, deadline: deadline) == anew)
            }
        }
        #expect(inPlace > 300 && refused > 300 && byPlace > 100, "in place \(inPlace), refused \(refused), by place \(byPlace)")
    }
}

extension PeeringsHealthyRule {
    /// The rises as the heartbeat advance leaves them (`risesAdvance` applied to a copy of the
    /// remembered ones), or nil: what `risesAnew` gives, as a map.
    static func advancedRises(_ agent: GatewayAgentView, memory: HealthMemory, policy: HealthPolicy, now: Date,
                              deadline: Date) -> SmallMap<Date>? {
        risesAdvance(agent, memory: memory, policy: policy, now: now, deadline: deadline).map { advance in
            var rises = memory.peeringRises
            advance.apply(to: &rises, now: now)
            return rises
        }
    }
}
