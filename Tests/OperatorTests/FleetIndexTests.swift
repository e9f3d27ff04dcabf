import ControllerKit
import Testing
import KubeAPI
import HealthModel
import KubeEmulator
@testable import OperatorRuntime
import Remediation

@Suite struct FleetIndexTests {
    func gateway(_ name: String, ip: String) -> GatewayView {
        GatewayView(json: ["metadata": ["name": .string(name), "namespace": "default"], "spec": ["protocolIP": .string(ip + "/32")]])
    }
    func pod(_ name: String, owner: String) -> PodView {
        PodView(json: ["metadata": ["name": .string(name), "namespace": "fab",
                                    "ownerReferences": [["apiVersion": "apps/v1", "kind": "DaemonSet", "name": .string(owner), "uid": "u"]]],
                       "status": ["phase": "Running"]])
    }
    func leaf(_ name: String, sessionTo routerID: String) -> SwitchAgentView {
        SwitchAgentView(json: ["metadata": ["name": .string(name), "namespace": "default"],
                               "status": ["state": ["bgpNeighbors": ["default": ["172.31.0.1": ["state": "established", "remoteRouterID": .string(routerID)]]]]]])
    }

    func agent(_ name: String, ip: String, beat: String) -> GatewayAgentView {
        GatewayAgentView(json: ["metadata": ["name": .string(name), "namespace": "default"],
                                "spec": ["gateway": ["protocolIP": .string(ip + "/32")]],
                                "status": ["lastHeartbeat": .string(beat)]])
    }

    /// A gateway's one-element entries (per name, router ID, address) share one buffer: a change
    /// to one entry (a second gateway taking the same router ID, then leaving) leaves the others
    /// as they were.
    @Test func sharedOneElementEntriesChangeAlone() {
        var index = FleetIndex()
        let g1 = ObjectKey(namespace: "default", name: "gateway-1"), g2 = ObjectKey(namespace: "default", name: "gateway-2")
        index.upsert(gateway: gateway("gateway-1", ip: "172.30.8.1"))
        index.upsert(gateway: gateway("gateway-2", ip: "172.30.8.2"))
        index.upsert(gateway: gateway("gateway-2", ip: "172.30.8.1"))
        #expect(Set(index.upsert(switchAgent: leaf("leaf-01", sessionTo: "172.30.8.1")).changed) == [g1, g2])
        #expect(index.upsert(pod: pod("gw--gateway-1--frr-a", owner: "gw--gateway-1--frr")) == [g1])
        #expect(index.upsert(pod: pod("gw--gateway-2--frr-a", owner: "gw--gateway-2--frr")) == [g2])
        index.removeGateway(g2)
        #expect(index.upsert(switchAgent: leaf("leaf-02", sessionTo: "172.30.8.1")).changed == [g1])
        #expect(index.upsert(pod: pod("gw--gateway-1--frr-b", owner: "gw--gateway-1--frr")) == [g1])
        #expect(index.upsert(pod: pod("gw--gateway-2--frr-b", owner: "gw--gateway-2--frr")).isEmpty)
        index.removeGateway(g1)
        #expect(index.upsert(switchAgent: leaf("leaf-03", sessionTo: "172.30.8.1")).changed.isEmpty)
        #expect(index.upsert(pod: pod("gw--gateway-1--frr-c", owner: "gw--gateway-1--frr")).isEmpty)
    }

    /// A GatewayAgent heartbeat (same router ID) replaces the view without re-indexing; a new
    /// router ID still moves the gateway's leaves (the agent is its only source here).
    @Test func anAgentHeartbeatKeepsTheIndexAndANewRouterIDMovesIt() {
        var index = FleetIndex()
        let g1 = ObjectKey(namespace: "default", name: "gateway-1")
        index.upsert(switchAgent: leaf("leaf-01", sessionTo: "172.30.8.1"))
        index.upsert(switchAgent: leaf("leaf-02", sessionTo: "172.30.8.5"))
        #expect(index.upsert(agent: agent("gateway-1", ip: "172.30.8.1", beat: "2026-01-01T00:00:00Z")) == [g1])
        #expect(index.upsert(agent: agent("gateway-1", ip: "172.30.8.1", beat: "2026-01-01T00:00:15Z")) == [g1])
        #expect(index.inputs(for: g1).agent?.lastHeartbeatText == nil)
        #expect(index.inputs(for: g1).agent?.lastHeartbeat.value == KubeTime.parse("2026-01-01T00:00:15Z"))
        #expect(index.inputs(for: g1).switchAgents.map(\.name) == ["leaf-01"])
        index.upsert(agent: agent("gateway-1", ip: "172.30.8.5", beat: "2026-01-01T00:00:30Z"))
        #expect(index.inputs(for: g1).switchAgents.map(\.name) == ["leaf-02"])
    }

    @Test func podsAndLeavesReachOnlyTheirGateway() {
        var index = FleetIndex()
        index.upsert(gateway: gateway("gateway-1", ip: "172.30.8.1"))
        index.upsert(gateway: gateway("gateway-2", ip: "172.30.8.2"))
        let g1 = ObjectKey(namespace: "default", name: "gateway-1")
        #expect(index.upsert(pod: pod("gw--gateway-1--frr-abcde", owner: "gw--gateway-1--frr")) == [g1])
        #expect(index.upsert(pod: pod("unrelated", owner: "something-else")).isEmpty)
        #expect(index.upsert(switchAgent: leaf("leaf-01", sessionTo: "172.30.8.1")) == .init(changed: [g1]))
        #expect(index.inputs(for: g1).pods.map(\.name) == ["gw--gateway-1--frr-abcde"])
        #expect(index.inputs(for: ObjectKey(namespace: "default", name: "gateway-2")).pods.isEmpty)
        // A leaf that moves its session to another gateway affects both: the old one lost evidence.
        #expect(index.upsert(switchAgent: leaf("leaf-01", sessionTo: "172.30.8.2")).all ==
                [g1, ObjectKey(namespace: "default", name: "gateway-2")])
        index.removeGateway(g1)
        #expect(index.upsert(pod: pod("gw--gateway-1--frr-abcde", owner: "gw--gateway-1--frr")).isEmpty)
    }

    /// A gateway's inputs carry the leaves that report a session with its router ID, and the
    /// fleet's Agent count (so "no switch Agents exist" still means the whole fleet has none).
    @Test func inputsCarryOnlyTheLeavesThatSeeTheGateway() {
        var index = FleetIndex()
        index.upsert(gateway: gateway("gateway-1", ip: "172.30.8.1"))
        index.upsert(gateway: gateway("gateway-2", ip: "172.30.8.2"))
        let g1 = ObjectKey(namespace: "default", name: "gateway-1")
        let g2 = ObjectKey(namespace: "default", name: "gateway-2")
        index.upsert(switchAgent: leaf("leaf-02", sessionTo: "172.30.8.1"))
        index.upsert(switchAgent: leaf("leaf-01", sessionTo: "172.30.8.1"))
        index.upsert(switchAgent: leaf("leaf-03", sessionTo: "172.30.8.9"))
        #expect(index.inputs(for: g1).switchAgents.map(\.name) == ["leaf-01", "leaf-02"])
        #expect(index.inputs(for: g1).switchAgentCount == 3)
        #expect(index.inputs(for: g2).switchAgents.isEmpty)
        #expect(index.inputs(for: g2).switchAgentCount == 3)
        // The session moves: the index follows; a removed Agent leaves it.
        index.upsert(switchAgent: leaf("leaf-02", sessionTo: "172.30.8.2"))
        #expect(index.inputs(for: g1).switchAgents.map(\.name) == ["leaf-01"])
        #expect(index.inputs(for: g2).switchAgents.map(\.name) == ["leaf-02"])
        index.removeSwitchAgent(ObjectKey(namespace: "default", name: "leaf-01"))
        #expect(index.inputs(for: g1).switchAgents.isEmpty)
        #expect(index.inputs(for: g1).switchAgentCount == 2)
        // A wholesale replacement (the one-shot check) rebuilds the index.
        index.setSwitchAgents([leaf("leaf-09", sessionTo: "172.30.8.1")], visible: true)
        #expect(index.inputs(for: g1).switchAgents.map(\.name) == ["leaf-09"])
        #expect(index.inputs(for: g2).switchAgents.isEmpty)
    }

    /// A leaf heartbeat naming the same peers re-indexes nothing and reaches the same gateways;
    /// a session that changes peer, or loses its router ID, is not "the same peers".
    @Test func aLeafHeartbeatWithTheSamePeersKeepsTheIndex() {
        var index = FleetIndex()
        index.upsert(gateway: gateway("gateway-1", ip: "172.30.8.1"))
        let g1 = ObjectKey(namespace: "default", name: "gateway-1")
        index.upsert(switchAgent: leaf("leaf-01", sessionTo: "172.30.8.1"))
        #expect(index.upsert(switchAgent: leaf("leaf-01", sessionTo: "172.30.8.1")) == .init(reported: [g1]),
                "a heartbeat with the same evidence reports on the gateway and changes nothing")
        #expect(index.inputs(for: g1).switchAgents.map(\.name) == ["leaf-01"])
        let same = leaf("leaf-01", sessionTo: "172.30.8.1").sessions
        #expect(FleetIndex.sameSessionPeers(same, same))
        #expect(!FleetIndex.sameSessionPeers(same, leaf("leaf-01", sessionTo: "172.30.8.2").sessions))
        #expect(!FleetIndex.sameSessionPeers(same, leaf("leaf-01", sessionTo: "0.0.0.0").sessions))
        #expect(!FleetIndex.sameSessionPeers(same, []))
    }

    /// A Gateway with its link addresses (`spec.interfaces.*.ips`).
    func gateway(_ name: String, ip: String, links: [String]) -> GatewayView {
        var interfaces: [String: JSONValue] = [:]
        for (i, address) in links.enumerated() { interfaces["enp2s\(i + 1)"] = ["ips": [.string(address + "/31")]] }
        return GatewayView(json: ["metadata": ["name": .string(name), "namespace": "default"],
                                  "spec": ["protocolIP": .string(ip + "/32"), "interfaces": .object(interfaces)]])
    }

    /// A leaf with sessions `neighbor address → (state, remote router ID)` and a heartbeat.
    func leaf(_ name: String, beat: String = "2026-04-17T17:25:25Z", sessions: [String: (String, String?)]) -> SwitchAgentView {
        var neighbors: [String: JSONValue] = [:]
        for (address, (state, id)) in sessions {
            var session: JSONValue = ["state": .string(state), "enabled": true]
            if let id { session["remoteRouterID"] = .string(id) }
            neighbors[address] = session
        }
        return SwitchAgentView(json: ["metadata": ["name": .string(name), "namespace": "default"],
                                      "status": ["lastHeartbeat": .string(beat), "state": ["bgpNeighbors": ["default": .object(neighbors)]]]])
    }

    /// docs/remediation.md §2.1: the leaves at the other end of a gateway are those reporting a
    /// session, in any state, whose remote router ID is its protocol IP, or that name no router ID
    /// (absent, empty, 0.0.0.0) and whose neighbour address is one of its link addresses. For each,
    /// the sessions with other gateways are counted; this gateway's and a spine's are not.
    @Test func leafPeersAreTheLeavesAtTheOtherEndWithTheirOtherGatewaySessions() {
        var index = FleetIndex()
        index.upsert(gateway: gateway("gateway-1", ip: "172.30.8.1", links: ["172.31.0.1", "172.31.0.3"]))
        index.upsert(gateway: gateway("gateway-2", ip: "172.30.8.2", links: ["172.31.0.5", "172.31.0.7"]))
        index.upsert(gateway: gateway("gateway-3", ip: "172.30.8.3", links: ["172.31.0.9"]))
        let g1 = ObjectKey(namespace: "default", name: "gateway-1")
        let g2 = ObjectKey(namespace: "default", name: "gateway-2")
        // leaf-01: its session with gateway-1 is down and names the router ID it remembers; with
        // gateway-2 established; with gateway-3 down and no router ID; a spine session.
        index.upsert(switchAgent: leaf("leaf-01", sessions: [
            "172.31.0.1": ("active", "172.30.8.1"), "172.31.0.5": ("established", "172.30.8.2"),
            "172.31.0.9": ("idle", "0.0.0.0"), "10.0.0.1": ("established", "172.29.9.9"),
        ]))
        // leaf-02 is back from a reboot: no router ID for any session; only the addresses tell.
        index.upsert(switchAgent: leaf("leaf-02", beat: "2026-04-17T17:20:00Z", sessions: [
            "172.31.0.3": ("idle", "0.0.0.0"), "172.31.0.7": ("idle", nil), "10.0.0.3": ("idle", ""),
        ]))
        // leaf-03 knows none of them.
        index.upsert(switchAgent: leaf("leaf-03", sessions: ["10.0.0.5": ("established", "172.29.9.9")]))

        #expect(index.inputs(for: g1).switchAgents.map(\.name) == ["leaf-01"], "the health inputs: router ID matches only")
        let peers = index.leafPeers(for: g1)
        #expect(peers == [
            LeafPeer(name: "leaf-01", lastHeartbeat: KubeTime.parse("2026-04-17T17:25:25Z"), otherGatewaySessions: 2, otherGatewaySessionsEstablished: 1),
            LeafPeer(name: "leaf-02", lastHeartbeat: KubeTime.parse("2026-04-17T17:20:00Z"), otherGatewaySessions: 1, otherGatewaySessionsEstablished: 0),
        ])
        #expect(index.leafPeers(for: g2).map(\.name) == ["leaf-01", "leaf-02"])
        #expect(index.leafPeers(for: g2).first?.otherGatewaySessions == 2, "gateway-1's and gateway-3's")

        // A leaf change without a router ID reaches the gateway by its address.
        #expect(index.upsert(switchAgent: leaf("leaf-02", sessions: ["172.31.0.3": ("connect", nil)])).all == [g1, g2],
                "gateway-2 lost a session, gateway-1's changed")
        #expect(index.leafPeers(for: g2).map(\.name) == ["leaf-01"])
        // Once the session names the router ID again, the address index lets go of it.
        index.upsert(switchAgent: leaf("leaf-02", sessions: ["172.31.0.3": ("established", "172.30.8.1")]))
        #expect(index.leafPeers(for: g1).map(\.name) == ["leaf-01", "leaf-02"])
        // The Gateway's addresses change: the old one no longer matches.
        index.upsert(switchAgent: leaf("leaf-04", sessions: ["172.31.0.1": ("idle", nil)]))
        #expect(index.leafPeers(for: g1).map(\.name) == ["leaf-01", "leaf-02", "leaf-04"])
        index.upsert(gateway: gateway("gateway-1", ip: "172.30.8.1", links: ["172.31.0.3"]))
        #expect(index.leafPeers(for: g1).map(\.name) == ["leaf-01", "leaf-02"])
        index.removeGateway(g1)
        #expect(index.leafPeers(for: g1).isEmpty)
    }

    /// The index keeps gateways and leaves in slots that are freed and handed out again: after
    /// hundreds of random upserts and removals (router IDs and addresses taken over, groups and
    /// peerings changed, leaves moving their sessions) it answers every question exactly as an
    /// index built afresh from the objects that are left — nothing of a freed slot's last tenant
    /// stays behind in a table.
    @Test func churnedIndexAnswersLikeOneBuiltFromTheSurvivors() {
        var rng = SplitMix64(seed: 19)
        func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
        let names = (0..<8).map { "gw-\($0)" }, leafNames = (0..<5).map { "leaf-\($0)" }
        let routerIDs = ["172.30.8.1", "172.30.8.2", "172.30.8.3", "172.30.8.4", "172.30.8.5"]
        let links = ["172.31.0.1", "172.31.0.3", "172.31.0.5", "172.31.0.7"]
        func gatewayView(_ name: String) -> GatewayView {
            var interfaces: [String: JSONValue] = [:]
            for i in 0..<Int(rng.next() % 3) { interfaces["enp2s\(i + 1)"] = ["ips": [.string(pick(links) + "/31")]] }
            let groups: [JSONValue] = [["ga"], ["gb"], ["ga", "gb"], []][Int(rng.next() % 4)].map { ["name": .string($0), "priority": 1] }
            return GatewayView(json: ["metadata": ["name": .string(name), "namespace": "default"],
                                      "spec": ["protocolIP": .string(pick(routerIDs) + "/32"), "interfaces": .object(interfaces),
                                               "groups": .array(groups)]])
        }
        func agentView(_ name: String) -> GatewayAgentView {
            var spec: JSONValue = ["gateway": ["protocolIP": .string(pick(routerIDs) + "/32")]]
            if let group = pick(["ga", "gb", "default", nil] as [String?]) {
                spec["peerings"] = ["vpc-1--vpc-2": ["gatewayGroup": .string(group), "peering": ["vpc-1": [:], "vpc-2": [:]]]]
            }
            let beat = "2026-04-17T17:00:\(10 + rng.next() % 40)Z"
            return GatewayAgentView(json: ["metadata": ["name": .string(name), "namespace": "default"], "spec": spec,
                                           "status": ["lastHeartbeat": .string(beat)]])
        }
        func leafView(_ name: String) -> SwitchAgentView {
            var sessions: [String: (String, String?)] = [:]
            for _ in 0..<Int(1 + rng.next() % 3) {
                sessions[pick(links)] = (pick(["established", "idle"]), pick(routerIDs.map(Optional.some) + ["0.0.0.0", nil]))
            }
            return leaf(name, sessions: sessions)
        }
        var index = FleetIndex()
        var gateways: [String: GatewayView] = [:], agents: [String: GatewayAgentView] = [:]
        var leaves: [String: SwitchAgentView] = [:]
        let policy = HealthPolicy(), now = KubeTime.parse("2026-04-17T17:01:00Z")!
        func key(_ name: String) -> ObjectKey { ObjectKey(namespace: "default", name: name) }
        func expectSameAnswers(_ step: Int) {
            var fresh = FleetIndex()
            for (_, view) in gateways.sorted(by: { $0.key < $1.key }) { fresh.upsert(gateway: view) }
            for (_, view) in agents.sorted(by: { $0.key < $1.key }) { fresh.upsert(agent: view) }
            for (_, view) in leaves.sorted(by: { $0.key < $1.key }) { fresh.upsert(switchAgent: view) }
            #expect(index.gatewayKeys == fresh.gatewayKeys, "step \(step)")
            for group in ["ga", "gb"] {
                #expect(Set(index.gatewayKeys(inGroup: group)) == Set(fresh.gatewayKeys(inGroup: group)), "step \(step) \(group)")
            }
            for name in names {
                let (a, b) = (index.inputs(for: key(name)), fresh.inputs(for: key(name)))
                #expect(a.gateway?.name == b.gateway?.name && a.agent?.name == b.agent?.name, "step \(step) \(name)")
                #expect(a.switchAgents.map(\.name) == b.switchAgents.map(\.name), "step \(step) \(name)")
                #expect(a.switchAgentCount == b.switchAgentCount, "step \(step) \(name)")
                #expect(a.groupPeers.map(\.name) == b.groupPeers.map(\.name), "step \(step) \(name)")
                #expect(a.groupPeers.map { $0.switchAgents.map(\.name) } == b.groupPeers.map { $0.switchAgents.map(\.name) })
                #expect(index.leafPeers(for: key(name)) == fresh.leafPeers(for: key(name)), "step \(step) \(name)")
                #expect(index.groupPeersHeartbeats(for: key(name), policy: policy, now: now)
                        == fresh.groupPeersHeartbeats(for: key(name), policy: policy, now: now), "step \(step) \(name)")
            }
        }
        for step in 0..<600 {
            let name = pick(names), leafName = pick(leafNames)
            switch rng.next() % 6 {
            case 0: gateways[name] = gatewayView(name); index.upsert(gateway: gateways[name]!)
            case 1: gateways[name] = nil; index.removeGateway(key(name))
            case 2: agents[name] = agentView(name); index.upsert(agent: agents[name]!)
            case 3: agents[name] = nil; index.removeAgent(key(name))
            case 4: leaves[leafName] = leafView(leafName); index.upsert(switchAgent: leaves[leafName]!)
            default: leaves[leafName] = nil; index.removeSwitchAgent(key(leafName))
            }
            if step % 20 == 19 { expectSameAnswers(step) }
        }
    }
}
