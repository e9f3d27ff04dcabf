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
