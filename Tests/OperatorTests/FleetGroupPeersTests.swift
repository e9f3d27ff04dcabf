import ControllerKit
import Testing
import TestSupport
import KubeAPI
import HealthModel
import Remediation
@testable import OperatorRuntime

/// Issue 19: a gateway's inputs carry the other members of its peering-carrying groups, and a
/// change of what one member's Forwarding is judged from re-judges the others — a heartbeat not.
@Suite struct FleetGroupPeersTests {
    func gateway(_ name: String, ip: String, groups: [String]) -> GatewayView {
        GatewayView(json: ["metadata": ["name": .string(name), "namespace": "default"],
                           "spec": ["protocolIP": .string(ip + "/32"),
                                    "groups": .array(groups.map { ["name": .string($0), "priority": 1] })]])
    }

    /// A GatewayAgent carrying a peering of `group` (nil: none), its one session `state`.
    func agent(_ name: String, peeringGroup: String?, state: String = "established", beat: String = "2026-04-17T17:00:00Z") -> GatewayAgentView {
        var spec: JSONValue = [:]
        if let peeringGroup {
            spec["peerings"] = ["vpc-1--vpc-2": ["gatewayGroup": .string(peeringGroup), "peering": ["vpc-1": [:], "vpc-2": [:]]]]
        }
        return GatewayAgentView(json: [
            "metadata": ["name": .string(name), "namespace": "default"], "spec": spec,
            "status": ["lastHeartbeat": .string(beat),
                       "state": ["lastCollectedTime": .string(beat),
                                 "bgp": ["vrfs": ["default": ["neighbors": ["172.30.128.12": [
                                     "enabled": true, "sessionState": .string(state),
                                     "ipv4UnicastPrefixes": ["received": 3, "sent": 1]]]]]]]],
        ])
    }

    func leaf(_ name: String, to routerID: String, received: Int64) -> SwitchAgentView {
        SwitchAgentView(json: ["metadata": ["name": .string(name), "namespace": "default"],
                               "status": ["state": ["bgpNeighbors": ["default": ["172.31.0.1": [
                                   "state": "established", "remoteRouterID": .string(routerID),
                                   "prefixes": ["IPV4_UNICAST": ["rec": .int(received)]]]]]]]])
    }

    let g1 = ObjectKey(namespace: "default", name: "gw-1"), g2 = ObjectKey(namespace: "default", name: "gw-2")
    let g3 = ObjectKey(namespace: "default", name: "gw-3")

    func fleet(peeringGroup: String?, policy: HealthPolicy? = nil) -> FleetIndex {
        var index = policy.map { FleetIndex(policy: $0) } ?? FleetIndex()
        index.upsert(gateway: gateway("gw-1", ip: "172.30.8.1", groups: ["ga"]))
        index.upsert(gateway: gateway("gw-2", ip: "172.30.8.2", groups: ["ga"]))
        index.upsert(gateway: gateway("gw-3", ip: "172.30.8.3", groups: ["gb"]))
        for name in ["gw-1", "gw-2", "gw-3"] { index.upsert(agent: agent(name, peeringGroup: peeringGroup)) }
        return index
    }

    @Test func groupPeersAreTheOtherMembersOfPeeringCarryingGroupsOnly() {
        let index = fleet(peeringGroup: "ga")
        #expect(index.inputs(for: g1).groupPeers.map(\.name) == ["gw-2"])
        #expect(index.inputs(for: g2).groupPeers.map(\.name) == ["gw-1"])
        #expect(index.inputs(for: g3).groupPeers.isEmpty, "gw-3's group gb carries no peering")
        // Nothing is built for the default group while it carries no peering.
        #expect(fleet(peeringGroup: nil).inputs(for: g1).groupPeers.isEmpty)
        #expect(fleet(peeringGroup: "gb").inputs(for: g1).groupPeers.isEmpty)
        // A peering of `default` makes every gateway a member.
        #expect(fleet(peeringGroup: "").inputs(for: g1).groupPeers.map(\.name) == ["gw-2", "gw-3"])
    }

    @Test func aForwardingChangeRequeuesTheGroupButAHeartbeatDoesNot() {
        var index = fleet(peeringGroup: "ga")
        // A heartbeat: only the gateway itself.
        #expect(index.upsert(agent: agent("gw-2", peeringGroup: "ga", beat: "2026-04-17T17:00:15Z")) == [g2])
        // Its BGP session goes down: gw-1 (same group) too, gw-3 not.
        #expect(Set(index.upsert(agent: agent("gw-2", peeringGroup: "ga", state: "idle", beat: "2026-04-17T17:00:30Z"))) == [g1, g2])
        // A leaf's session with gw-2: its heartbeat (same counts) reaches gw-2 only; prefixes
        // dropping to 0 reach the group.
        // The first and the last change Forwarding evidence: judged whatever the gateways'
        // heartbeats say; the heartbeat in between is liveness evidence only.
        let added = index.upsert(switchAgent: leaf("leaf-1", to: "172.30.8.2", received: 5))
        #expect(Set(added.changed) == [g1, g2] && added.reported.isEmpty, "a new leaf")
        #expect(index.upsert(switchAgent: leaf("leaf-1", to: "172.30.8.2", received: 6)) == .init(reported: [g2]))
        let emptied = index.upsert(switchAgent: leaf("leaf-1", to: "172.30.8.2", received: 0))
        #expect(Set(emptied.changed) == [g1, g2] && emptied.reported.isEmpty)
        #expect(index.inputs(for: g1).groupPeers.first?.switchAgents.map(\.name) == ["leaf-1"])
        // Without peerings nothing changes for the group.
        var quiet = fleet(peeringGroup: nil)
        #expect(quiet.upsert(agent: agent("gw-2", peeringGroup: nil, state: "idle")) == [g2])
        // A priority or group change re-judges the group.
        #expect(Set(index.upsert(gateway: gateway("gw-2", ip: "172.30.8.2", groups: ["ga", "gc"]))) == [g1, g2])
    }

    /// The health model judges the peers' Forwarding from these inputs: gw-2 down makes gw-1's
    /// group lose its redundancy.
    @Test func thePeersForwardingReachesGroupRedundancy() {
        var index = fleet(peeringGroup: "ga")
        index.upsert(agent: agent("gw-2", peeringGroup: "ga", state: "idle"))
        let now = KubeTime.parse("2026-04-17T17:00:10Z")!
        let a = HealthEvaluator.evaluate(index.inputs(for: g1), previous: nil, policy: .default, now: now)
        #expect(a.condition(ConditionType.groupRedundancy)?.reason == "RedundancyLost")
        #expect(a.condition(ConditionType.groupRedundancy)?.message.contains("gw-2 False (NoEstablishedSession)") == true)
    }

    /// §3.11: gw-1 counts a gw-2 whose heartbeat is stale as not forwarding, so gw-2's first
    /// heartbeat after a silence re-judges gw-1 (a heartbeat on time does not, as above).
    @Test func aHeartbeatEndingASilenceRequeuesTheGroup() {
        // Stale after 45 s; a heartbeat more than 30 s (one keepalive less) after the previous ends a silence.
        var index = fleet(peeringGroup: "ga", policy: .default)
        #expect(index.upsert(agent: agent("gw-2", peeringGroup: "ga", beat: "2026-04-17T17:00:30Z")) == [g2], "30 s: on time enough")
        #expect(Set(index.upsert(agent: agent("gw-2", peeringGroup: "ga", beat: "2026-04-17T17:01:01Z"))) == [g1, g2], "31 s")
        #expect(index.upsert(agent: agent("gw-3", peeringGroup: "ga", beat: "2026-04-17T17:05:00Z")) == [g3], "gw-3's group gb carries no peering")
        // The one-shot index (check) never re-queues.
        var oneShot = fleet(peeringGroup: "ga")
        #expect(oneShot.upsert(agent: agent("gw-2", peeringGroup: "ga", beat: "2026-04-17T18:00:00Z")) == [g2])
    }

    /// A peer whose heartbeat is stale at the evaluation counts as not forwarding, and a fresh
    /// one's staleness is the member's next check.
    @Test func aPeersStaleHeartbeatReachesGroupRedundancy() {
        var index = fleet(peeringGroup: "ga")
        index.upsert(agent: agent("gw-1", peeringGroup: "ga", beat: "2026-04-17T17:00:40Z"))
        let beat = KubeTime.parse("2026-04-17T17:00:00Z")!
        let fresh = HealthEvaluator.evaluate(index.inputs(for: g1), previous: nil, policy: .default, now: beat.addingTimeInterval(45))
        #expect(fresh.condition(ConditionType.groupRedundancy)?.reason == "Redundant")
        #expect(fresh.groupPeersCheck == beat.addingTimeInterval(46))
        let stale = HealthEvaluator.evaluate(index.inputs(for: g1), previous: fresh, policy: .default, now: beat.addingTimeInterval(46))
        #expect(stale.condition(ConditionType.groupRedundancy)?.reason == "RedundancyLost")
        #expect(stale.condition(ConditionType.groupRedundancy)?.message.contains("gw-2 Unknown (HeartbeatStale)") == true)
    }

    /// A quiet heartbeat is applied together with what its group peers' heartbeats say (one
    /// hop onto the fleet for both): read after the change, as `groupPeersHeartbeats` reads
    /// them; nothing is read for a gateway carrying no peering.
    @Test func aHeartbeatIsAppliedWithWhatItsGroupPeersHeartbeatsSay() async throws {
        let state = FleetState()
        for (key, groups) in [(g1, ["ga"]), (g2, ["ga"]), (g3, ["gb"])] {
            _ = state.apply(ObjectChange<GatewayView>.added(key, gateway(key.name, ip: "172.30.8.\(key.name.suffix(1))", groups: groups)))
        }
        for key in [g1, g2] { _ = state.apply(ObjectChange.added(key, agent(key.name, peeringGroup: "ga"))) }
        _ = state.apply(ObjectChange.added(g3, agent("gw-3", peeringGroup: nil)))
        let beat = try #require(KubeTime.parse("2026-04-17T17:00:00Z"))
        var old = agent("gw-1", peeringGroup: "ga")
        // gw-2's heartbeat (at +0) is fresh until +45.
        for (after, stale) in [(16.0, false), (46, true)] {
            let now = beat.addingTimeInterval(after)
            let next = agent("gw-1", peeringGroup: "ga", beat: KubeTime.format(now.addingTimeInterval(-1)))
            let (keys, peers) = state.apply(heartbeat: .updated(g1, old: old, new: next), policy: .default, now: now)
            old = next
            #expect(keys == [g1])
            let read = try #require(peers)
            #expect(read == state.groupPeersHeartbeats(for: g1, policy: .default, now: now))
            #expect(read.anyStale == stale && read.check == (stale ? nil : beat.addingTimeInterval(46)), "at +\(after) s")
        }
        let (keys, peers) = state.apply(heartbeat: .updated(g3, old: agent("gw-3", peeringGroup: nil),
                                                                  new: agent("gw-3", peeringGroup: nil, beat: "2026-04-17T17:00:15Z")),
                                              policy: .default, now: beat.addingTimeInterval(16))
        #expect(keys == [g3] && peers == nil)
    }

    /// A quiet heartbeat applied as such (`upsert(heartbeat:)`, which does not compare the
    /// peerings and BGP state again) re-judges what the general `upsert(agent:)` re-judges:
    /// on time only the gateway, after a silence its group mates too — in a named group, in
    /// `default`, and without a peering.
    @Test func aQuietHeartbeatRequeuesWhatTheGeneralUpsertDoes() throws {
        for group in ["ga", GatewayGroups.defaultGroup, nil] {
            var quiet = fleet(peeringGroup: group, policy: .default)
            var general = fleet(peeringGroup: group, policy: .default)
            var old = agent("gw-1", peeringGroup: group)
            let start = try #require(KubeTime.parse("2026-04-17T17:00:00Z"))
            var at = 0.0
            for gap in [15.0, 30, 31, 5, 90, 15, 0, 45] {
                at += gap
                let new = agent("gw-1", peeringGroup: group, beat: KubeTime.format(start.addingTimeInterval(at)))
                #expect(HealthEvaluator.changesOnlyQuietInputs(from: old, to: new) || gap == 0)
                let now = start.addingTimeInterval(at + 1)
                let (keys, peers) = quiet.upsert(heartbeat: new, policy: .default, now: now)
                let expected = general.upsert(agent: new)
                #expect(Set(keys) == Set(expected) && keys.count == expected.count, "\(group ?? "none") after \(gap) s")
                #expect(peers == (group == nil ? nil : general.groupPeersHeartbeats(for: g1, policy: .default, now: now)))
                old = new
            }
        }
    }

    /// The heartbeat advance reads the group peers' heartbeats from their GatewayAgents alone
    /// (no peer inputs built); they say what the full inputs say, and what the evaluation keeps
    /// as its check — in a named group and in `default` (every gateway a member).
    @Test func theAdvancesDirectReadingJudgesThePeersHeartbeatsAsTheFullInputs() {
        for group in ["ga", GatewayGroups.defaultGroup] {
            var index = fleet(peeringGroup: group)
            index.upsert(agent: agent("gw-1", peeringGroup: group, beat: "2026-04-17T17:00:40Z"))
            index.upsert(agent: agent("gw-3", peeringGroup: group, beat: "2026-04-17T17:00:20Z"))
            index.upsert(switchAgent: leaf("leaf-1", to: "172.30.8.2", received: 5))
            let beat = KubeTime.parse("2026-04-17T17:00:00Z")!
            for after in [10.0, 45, 46, 65, 66, 90] {
                let now = beat.addingTimeInterval(after)
                let direct = index.groupPeersHeartbeats(for: g1, policy: .default, now: now)
                #expect(direct == GroupPeersHeartbeats(index.inputs(for: g1), policy: .default, now: now), "\(group) at +\(after) s")
                #expect(direct.anyStale == (after > 45), "\(group) at +\(after) s")
                #expect(index.groupPeersHeartbeats(for: g2, policy: .default, now: now)
                        == GroupPeersHeartbeats(index.inputs(for: g2), policy: .default, now: now), "\(group) at +\(after) s")
            }
            let evaluated = HealthEvaluator.evaluate(index.inputs(for: g1), previous: nil, policy: .default, now: beat.addingTimeInterval(10))
            #expect(index.groupPeersHeartbeats(for: g1, policy: .default, now: beat.addingTimeInterval(10)).check == evaluated.groupPeersCheck)
            #expect(evaluated.groupPeersCheck != nil)
        }
        // gw-3 is not in ga, the group its peering names: it has no group peers.
        var index = fleet(peeringGroup: "ga")
        index.upsert(agent: agent("gw-2", peeringGroup: "ga", beat: "2026-04-17T16:00:00Z"))
        #expect(index.groupPeersHeartbeats(for: g3, policy: .default, now: KubeTime.parse("2026-04-17T17:00:00Z")!) == .none)
    }

    /// A leaf with sessions to the given router IDs (each with its received prefixes, state
    /// established unless given), and a heartbeat time.
    func leaf(_ name: String, beat: Int, sessions: [(String, Int64, String)]) -> SwitchAgentView {
        var neighbors: [String: JSONValue] = [:]
        for (i, (routerID, received, state)) in sessions.enumerated() {
            neighbors["172.31.0.\(i + 1)"] = ["state": .string(state), "remoteRouterID": .string(routerID),
                                              "prefixes": ["IPV4_UNICAST": ["rec": .int(received)]]]
        }
        return SwitchAgentView(json: ["metadata": ["name": .string(name), "namespace": "default"],
                                      "status": ["lastHeartbeat": .string("2026-04-17T17:00:\(10 + beat)Z"),
                                                 "state": ["bgpNeighbors": ["default": .object(neighbors)]]]])
    }

    /// A leaf heartbeat whose sessions are the previous view's own array (what the watch's
    /// reader hands on when they read as the cached ones) is told by a pointer, and its reported
    /// gateways are kept from the heartbeat before while no gateway is re-indexed: its effect is
    /// what an index that has seen only the gateways and the leaf's previous view (in other
    /// arrays) answers, through heartbeats, counts moving and dropping to 0, a state change, a
    /// peer added and removed, and a gateway's router ID moving between two heartbeats.
    @Test func aLeafHeartbeatSharingTheCachedSessionsRequeuesWhatAFreshIndexDoes() {
        let established = "established"
        let steps: [[(String, Int64, String)]] = [
            [("172.30.8.1", 5, established), ("172.30.8.2", 5, established)],
            [("172.30.8.1", 5, established), ("172.30.8.2", 5, established)],
            [("172.30.8.1", 6, established), ("172.30.8.2", 5, established)],
            [("172.30.8.1", 6, established), ("172.30.8.2", 5, established)],
            [("172.30.8.1", 0, established), ("172.30.8.2", 5, established)],
            [("172.30.8.1", 0, established), ("172.30.8.2", 5, "idle")],
            [("172.30.8.1", 0, established), ("172.30.8.2", 5, "idle"), ("172.30.8.3", 1, established)],
            [("172.30.8.1", 0, established), ("172.30.8.2", 5, "idle"), ("172.30.8.3", 1, established)],
            [("172.30.8.3", 1, established)],
            [("172.30.8.3", 1, established)],
            [("172.30.8.3", 1, established)],
        ]
        let moved = gateway("gw-3", ip: "172.30.8.9", groups: ["gb"])
        for group in ["ga", nil] {
            var quiet = fleet(peeringGroup: group)
            var previous: SwitchAgentView?
            var reportedSome = false
            for (beat, sessions) in steps.enumerated() {
                // gw-3 takes another router ID between two heartbeats of the leaf: from then on
                // the leaf reports on none.
                if beat == 9 { quiet.upsert(gateway: moved) }
                let view = leaf("leaf-1", beat: beat, sessions: sessions)
                var shared = view
                if let previous, previous.sessions == view.sessions { shared.sessions = previous.sessions }
                var fresh = fleet(peeringGroup: group)
                if beat >= 9 { fresh.upsert(gateway: moved) }
                if var previous {
                    previous.sessions = previous.sessions.map { $0 }
                    fresh.upsert(switchAgent: previous)
                }
                var copied = view
                copied.sessions = view.sessions.map { $0 }
                #expect(!FleetIndex.sameStorage(copied.sessions, shared.sessions))
                let a = quiet.upsert(switchAgent: shared)
                let b = fresh.upsert(switchAgent: copied)
                #expect(Set(a.changed) == Set(b.changed) && a.changed.count == b.changed.count, "\(group ?? "none") beat \(beat)")
                #expect(a.reported == b.reported, "\(group ?? "none") beat \(beat)")
                reportedSome = reportedSome || !a.reported.isEmpty
                for key in [g1, g2, g3] { #expect(quiet.inputs(for: key).switchAgents == fresh.inputs(for: key).switchAgents) }
                previous = shared
            }
            #expect(reportedSome)
        }
    }

    /// The reconciler's word that a quiet leaf heartbeat cannot move a gateway leaves that gateway
    /// out of the heartbeat's report, and nothing else: a change of evidence reaches it all the
    /// same, the word taken back reports it again, and a gateway whose slot went and came back
    /// counts as affected until it is judged again.
    @Test func theLeafWordFiltersOnlyTheQuietReport() {
        var index = fleet(peeringGroup: nil)
        let both = [("172.30.8.1", Int64(5), "established"), ("172.30.8.2", Int64(5), "established")]
        _ = index.upsert(switchAgent: leaf("leaf-1", beat: 0, sessions: both))
        #expect(index.upsert(switchAgent: leaf("leaf-1", beat: 1, sessions: both)) == .init(reported: [g1, g2]))
        index.noteLeafWord(g2, ignored: true)
        index.noteLeafWord(ObjectKey(namespace: "default", name: "gw-unknown"), ignored: true)
        #expect(index.upsert(switchAgent: leaf("leaf-1", beat: 2, sessions: both)) == .init(reported: [g1]))
        index.noteLeafWord(g1, ignored: true)
        #expect(index.upsert(switchAgent: leaf("leaf-1", beat: 3, sessions: both)) == .init())
        // Evidence changes: every gateway the leaf reports on is judged, whatever the word.
        let dropped = index.upsert(switchAgent: leaf("leaf-1", beat: 4, sessions: [("172.30.8.1", 0, "established"), ("172.30.8.2", 5, "established")]))
        #expect(Set(dropped.changed) == [g1, g2] && dropped.reported.isEmpty)
        index.noteLeafWord(g1, ignored: false)
        #expect(index.upsert(switchAgent: leaf("leaf-1", beat: 5, sessions: [("172.30.8.1", 0, "established"), ("172.30.8.2", 5, "established")]))
                == .init(reported: [g1]))
        // gw-2 goes (both its views) and comes back: not ignored any more.
        _ = index.removeGateway(g2)
        _ = index.removeAgent(g2)
        index.upsert(gateway: gateway("gw-2", ip: "172.30.8.2", groups: ["ga"]))
        index.upsert(agent: agent("gw-2", peeringGroup: nil))
        #expect(index.upsert(switchAgent: leaf("leaf-1", beat: 6, sessions: [("172.30.8.1", 0, "established"), ("172.30.8.2", 5, "established")]))
                == .init(reported: [g1, g2]))
        // Through the fleet state as the reconciler gives it.
        let state = FleetState()
        _ = state.apply(ObjectChange<GatewayView>.added(g1, gateway("gw-1", ip: "172.30.8.1", groups: ["ga"])))
        let one = [("172.30.8.1", Int64(5), "established")]
        _ = state.apply(ObjectChange.added(ObjectKey(namespace: "default", name: "leaf-1"), leaf("leaf-1", beat: 0, sessions: one)))
        state.noteLeafWord(g1, ignored: true)
        let change = ObjectChange.updated(ObjectKey(namespace: "default", name: "leaf-1"), old: leaf("leaf-1", beat: 0, sessions: one),
                                          new: leaf("leaf-1", beat: 1, sessions: one))
        #expect(state.apply(change) == .init())
    }

    /// The heartbeat's reading tells whether a gateway is in the group its peering names from
    /// the group's members (`keysByGroup`), not from its Gateway's `spec.groups`: through
    /// Gateways joining, leaving, moving between groups, listing one twice, deleted and
    /// recreated, and agents without a Gateway, it agrees with the full inputs (which read
    /// `spec.groups`) for every gateway, after every step.
    @Test func theGroupPeersMembershipFollowsTheGatewaysGroups() {
        var index = FleetIndex()
        let names = (1...5).map { "gw-\($0)" }
        for (i, name) in names.enumerated() {
            index.upsert(agent: agent(name, peeringGroup: i % 2 == 0 ? "ga" : "gb", beat: "2026-04-17T17:00:\(10 + i)Z"))
        }
        let steps: [(String, [String]?)] = [
            ("gw-1", ["ga"]), ("gw-2", ["ga", "gb"]), ("gw-3", ["gb"]), ("gw-4", ["ga", "ga"]), ("gw-3", ["ga"]),
            ("gw-2", nil), ("gw-5", ["gb", "gc"]), ("gw-1", []), ("gw-2", ["gb"]), ("gw-4", nil), ("gw-1", ["ga", "gb"]),
        ]
        let now = KubeTime.parse("2026-04-17T17:00:30Z")!
        var checked = 0
        for (n, (name, groups)) in steps.enumerated() {
            let key = ObjectKey(namespace: "default", name: name)
            if let groups {
                index.upsert(gateway: gateway(name, ip: "172.30.8.\(n + 1)", groups: groups))
            } else {
                index.removeGateway(key)
            }
            for other in names {
                let key = ObjectKey(namespace: "default", name: other)
                let direct = index.groupPeersHeartbeats(for: key, policy: .default, now: now)
                #expect(direct == GroupPeersHeartbeats(index.inputs(for: key), policy: .default, now: now), "step \(n), \(other)")
                if direct != .none { checked += 1 }
            }
        }
        #expect(checked > 10, "the steps give gateways group peers")
    }
}
