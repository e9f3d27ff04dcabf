import FabricSimulator
import Foundation
import KubeAPI
import Testing

/// The fabric around a gateway as the simulator reports it (issue 19): prefixes on both ends of
/// each session, peerings with their NAT, groups, agent versions; and the faults the fabric-aware
/// rules are judged on.
@Suite("FabricSimulator routes, peerings and their faults")
struct FabricSimulatorRoutingTests {
    /// A fabric whose dataplanes have all started and applied generation 1, and whose leaves
    /// have all reported since (each leaf heartbeats within its first 15 s).
    func running(gateways: Int = 4) async throws -> SimulatedFabric {
        let f = try await SimulatedFabric.make(gateways: gateways)
        try await f.step(to: 20)
        return f
    }

    func neighbors(_ f: SimulatedFabric, _ gateway: String) async throws -> [String: JSONValue] {
        try await f.agentStatus(gateway)?[path: "state", "bgp", "vrfs", "default", "neighbors"]?.objectValue ?? [:]
    }

    /// The sessions the leaves hold with one gateway (keyed by the gateway's link address).
    func leafSessions(_ f: SimulatedFabric, _ gateway: String) async throws -> [String: JSONValue] {
        let mine = Set(try await f.gatewayLinkIPs(gateway))
        return try await f.leafSessions().filter { mine.contains($0.key) }
    }

    func packets(_ f: SimulatedFabric, _ gateway: String, _ direction: String) async throws -> Int64 {
        try await f.agentStatus(gateway)?[path: "state", "peerings", direction, "p"]?.intValue ?? -1
    }

    // MARK: What is reported

    @Test func peeringsCarryTheirGroupAndNATAsTheCRDsHaveThem() async throws {
        let f = try await running(gateways: 8)
        #expect(f.simulator.groupNames == ["gw-group-1", "gw-group-2", "gw-group-3", "gw-group-4"])
        #expect(f.simulator.members(group: "gw-group-2") == ["gateway-3", "gateway-4"])
        #expect(f.simulator.peerings(group: "gw-group-2") == ["vpc-02--vpc-03"])
        #expect(f.simulator.nat(peering: "vpc-01--vpc-02") == PeeringNAT.noNAT)
        #expect(f.simulator.nat(peering: "vpc-02--vpc-03") == .masquerade(idleTimeout: "2m0s"))

        // The GatewayAgent of a member carries its group's peering, as the GatewayPeering has it.
        let agent = try #require(try await f.agent("gateway-3"))
        let peerings = try #require(agent[path: "spec", "peerings"]?.objectValue)
        #expect(peerings.keys.sorted() == ["vpc-02--vpc-03"])
        let masquerade = try #require(peerings["vpc-02--vpc-03"])
        #expect(masquerade["gatewayGroup"] == "gw-group-2")
        let natted = try #require(masquerade[path: "peering", "vpc-02", "expose"]?.arrayValue?.first)
        #expect(natted[path: "nat", "masquerade", "idleTimeout"] == "2m0s")
        #expect(natted["ips"] == [["cidr": "10.0.2.0/24"]])
        #expect(natted["as"]?.arrayValue?.first?["cidr"]?.stringValue?.hasPrefix("100.64.") == true)
        let plain = try #require(masquerade[path: "peering", "vpc-03", "expose"]?.arrayValue?.first)
        #expect(plain["nat"] == nil && plain["as"] == nil)
        let object = try #require(try await f.store.get(.gatewayPeerings, namespace: "default", name: "vpc-02--vpc-03"))
        #expect(object["spec"] == masquerade)
        #expect(agent[path: "spec", "groups", "gw-group-2", "members"] == [
            ["name": "gateway-3", "priority": 20, "vtepIP": "172.30.96.3/32"],
            ["name": "gateway-4", "priority": 10, "vtepIP": "172.30.96.4/32"],
        ])
        let gateway = try #require(try await f.store.get(.gateways, namespace: "default", name: "gateway-4"))
        #expect(gateway[path: "spec", "groups"] == [["name": "gw-group-2", "priority": 10]])

        // The other kinds, in turn: portForward (with its ports) and static.
        let forward = try #require(try await f.store.get(.gatewayPeerings, namespace: "default", name: "vpc-03--vpc-04"))
        let forwarded = try #require(forward[path: "spec", "peering", "vpc-03", "expose"]?.arrayValue?.first)
        #expect(forwarded[path: "nat", "portForward", "idleTimeout"] == "5m0s")
        #expect(forwarded[path: "nat", "portForward", "ports"] == [["proto": "tcp", "port": "22", "as": "2222"]])
        #expect(forwarded["ips"] == [["cidr": "10.0.3.10/32"]])
        let fixed = try #require(try await f.store.get(.gatewayPeerings, namespace: "default", name: "vpc-04--vpc-05"))
        let staticExpose = try #require(fixed[path: "spec", "peering", "vpc-04", "expose"]?.arrayValue?.first)
        #expect(staticExpose[path: "nat", "static"] == [:])
        #expect(staticExpose["as"]?.arrayValue?.first?["cidr"]?.stringValue?.hasSuffix("/24") == true)

        // Every peering is on a small group, none on `default` (which holds every gateway).
        for name in f.simulator.peeringNames {
            let peering = try await f.store.get(.gatewayPeerings, namespace: "default", name: name)
            #expect(peering?[path: "spec", "gatewayGroup"]?.stringValue?.hasPrefix("gw-group-") == true, "\(name)")
        }
    }

    @Test func spreadingNATKindsIsASettingAndABadIdleTimeoutIsRefused() async throws {
        let store = InMemoryFabricStore()
        let spec = FabricSpec(gatewayCount: 2, peeringNAT: [.portForward(idleTimeout: "90s")])
        let sim = try FabricSimulator(spec: spec, store: store, startTime: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(sim.nat(peering: "vpc-01--vpc-02") == .portForward(idleTimeout: "90s"))
        #expect(sim.nat(peering: "vpc-09--vpc-10") == nil)
        #expect(throws: FabricSimulatorError.invalidSpec(field: "peeringNAT[1]", reason: "idleTimeout '2 minutes' is not a Go duration such as 2m0s")) {
            _ = try FabricSimulator(spec: FabricSpec(peeringNAT: [.noNAT, .masquerade(idleTimeout: "2 minutes")]), store: store, startTime: Date())
        }
        for good in ["2m0s", "1h30m", "1.5h", "250ms", "10s"] {
            #expect(throws: Never.self) { _ = try FabricSimulator(spec: FabricSpec(peeringNAT: [.masquerade(idleTimeout: good)]), store: store, startTime: Date()) }
        }
        for bad in ["", "m", "10", "10x", "1m 0s"] {
            #expect(throws: FabricSimulatorError.self) { _ = try FabricSimulator(spec: FabricSpec(peeringNAT: [.masquerade(idleTimeout: bad)]), store: store, startTime: Date()) }
        }
    }

    @Test func bothEndsReportThePrefixesOfEachSession() async throws {
        let f = try await running()
        let gatewaySide = try await neighbors(f, "gateway-1")
        #expect(gatewaySide.count == 2)
        for (_, n) in gatewaySide {
            #expect(n[path: "ipv4UnicastPrefixes", "received"] == 3 && n[path: "ipv4UnicastPrefixes", "sent"] == 1)
            #expect(n[path: "l2VPNEVPNPrefixes", "received"] == 6 && n[path: "l2VPNEVPNPrefixes", "sent"] == 3)
        }
        let leafSide = try await leafSessions(f, "gateway-1")
        #expect(leafSide.count == 2)
        for (_, session) in leafSide {
            #expect(session["state"] == "established")
            // What the gateway sent is what each leaf received, per family, keyed as the switch agent writes it.
            #expect(session[path: "prefixes", "IPV4_UNICAST"] == ["rec": 1, "recPre": 1, "sent": 3])
            #expect(session[path: "prefixes", "L2VPN_EVPN"] == ["rec": 3, "recPre": 3, "sent": 6])
        }
    }

    @Test func agentVersionIsReportedAndAnUpgradeThatDidNotLandKeepsTheOldOne() async throws {
        let f = try await running()
        #expect(try await f.agent("gateway-1")?[path: "spec", "agentVersion"] == "v0.42.0")
        #expect(try await f.agentStatus("gateway-1")?["agentVersion"] == "v0.42.0")

        let stuck = try await f.simulator.upgradeAgent(gateway: "gateway-1", to: "v0.43.0", lands: false, now: f.at(20))
        let landed = try await f.simulator.upgradeAgent(gateway: "gateway-2", to: "v0.43.0", lands: true, now: f.at(20))
        #expect(stuck == 2 && landed == 2)
        try await f.step(to: 35)
        let one = try #require(try await f.agent("gateway-1"))
        #expect(one[path: "spec", "agentVersion"] == "v0.43.0")
        #expect(one[path: "status", "lastAppliedGen"] == 2, "the old agent applies the generation")
        #expect(one[path: "status", "agentVersion"] == "v0.42.0", "and goes on reporting its version")
        let two = try #require(try await f.agent("gateway-2"))
        #expect(two[path: "status", "lastAppliedGen"] == 2)
        #expect(two[path: "status", "agentVersion"] == "v0.43.0")
        await #expect(throws: FabricSimulatorError.self) {
            try await f.simulator.upgradeAgent(gateway: "gateway-1", to: "", lands: true)
        }
    }

    // MARK: Faults

    @Test func leavesThatRejectAGatewaysRoutesHoldTheSessionWithNoPrefixesAndTrafficFailsOver() async throws {
        let f = try await running()
        #expect(await f.simulator.activeGateway(group: "gw-group-1") == "gateway-1")
        try await f.simulator.setRouteFault(.leavesRejectRoutes, gateway: "gateway-1", now: f.at(20))
        #expect(await f.simulator.isForwarding(gateway: "gateway-1") == false)
        #expect(await f.simulator.isBGPEstablished(gateway: "gateway-1"))
        #expect(await f.simulator.activeGateway(group: "gw-group-1") == "gateway-2", "the leaves send the group's traffic to the backup")
        try await f.step(to: 40)  // every leaf and gateway has reported since
        for (_, session) in try await leafSessions(f, "gateway-1") {
            #expect(session["state"] == "established")
            #expect(session[path: "prefixes", "IPV4_UNICAST", "rec"] == 0 && session[path: "prefixes", "L2VPN_EVPN", "rec"] == 0)
            #expect(session[path: "prefixes", "L2VPN_EVPN", "recPre"] == 3, "the routes arrive; the leaf's policy drops them")
        }
        for (_, n) in try await neighbors(f, "gateway-1") {
            #expect(n["sessionState"] == "established")
            #expect(n[path: "ipv4UnicastPrefixes", "sent"] == 1 && n[path: "ipv4UnicastPrefixes", "received"] == 3,
                    "the gateway's side looks fine")
        }
        for (_, session) in try await leafSessions(f, "gateway-2") {
            #expect(session[path: "prefixes", "IPV4_UNICAST", "rec"] == 1, "the backup's routes are taken")
        }
        let before = try await packets(f, "gateway-2", "vpc-01->vpc-02")
        try await f.step(to: 50)
        #expect(try await packets(f, "gateway-2", "vpc-01->vpc-02") > before, "the backup carries the traffic")

        try await f.simulator.setRouteFault(.none, gateway: "gateway-1", now: f.at(50))
        try await f.step(to: 70)
        #expect(await f.simulator.activeGateway(group: "gw-group-1") == "gateway-1")
        for (_, session) in try await leafSessions(f, "gateway-1") {
            #expect(session[path: "prefixes", "IPV4_UNICAST", "rec"] == 1)
        }
    }

    @Test func sessionsUpWithNoRoutesExchangedShowZeroOnTheGatewaysSide() async throws {
        let f = try await running()
        try await f.simulator.setRouteFault(.noRoutesExchanged, gateway: "gateway-2", now: f.at(20))
        try await f.step(to: 40)
        let side = try await neighbors(f, "gateway-2")
        #expect(side.count == 2)
        for (_, n) in side {
            #expect(n["sessionState"] == "established")
            #expect(n[path: "ipv4UnicastPrefixes", "received"] == 0 && n[path: "ipv4UnicastPrefixes", "sent"] == 0)
            #expect(n[path: "ipv4UnicastPrefixes", "receivedPrePolicy"] == 3)
        }
        for (_, session) in try await leafSessions(f, "gateway-2") {
            #expect(session["state"] == "established")
            #expect(session[path: "prefixes", "IPV4_UNICAST"] == ["rec": 0, "recPre": 0, "sent": 3])
        }
        #expect(await f.simulator.isForwarding(gateway: "gateway-2") == false)
    }

    /// The incident: the backup is UP (heartbeat fresh, pods fine) with 0 of 2 sessions
    /// established; the active member is the only one that forwards.
    @Test func aBackupUpWithNoSessionEstablishedDoesNotForward() async throws {
        let f = try await running()
        try await f.simulator.bgpDown(gateway: "gateway-2", now: f.at(20))
        try await f.step(to: 50)
        let status = try #require(try await f.agentStatus("gateway-2"))
        #expect(status["lastHeartbeat"]?.time == f.at(46), "heartbeat fresh")
        let side = status[path: "state", "bgp", "vrfs", "default", "neighbors"]?.objectValue ?? [:]
        #expect(side.count == 2 && side.values.allSatisfy { $0["sessionState"] != "established" }, "0 of 2 established: \(side)")
        #expect(await f.simulator.isForwarding(gateway: "gateway-2") == false)
        #expect(await f.simulator.isForwarding(gateway: "gateway-1"))
        #expect(await f.simulator.activeGateway(group: "gw-group-1") == "gateway-1")
    }

    @Test func leafMaintenanceReportsNoPrefixesOnTheLastWordAndEveryGatewaysSessionsDrop() async throws {
        let f = try await running()
        try await f.simulator.startLeafMaintenance(leaves: f.simulator.leafNames, now: f.at(20))
        try await f.step(to: 60)
        for leaf in f.simulator.leafNames {
            let last = try await f.leafStatus(leaf)
            #expect(last?["lastHeartbeat"]?.time == f.at(20), "silent since")
            for (_, session) in last?[path: "state", "bgpNeighbors", "default"]?.objectValue ?? [:] {
                #expect(session["state"] == "idle" && session[path: "prefixes", "IPV4_UNICAST", "rec"] == 0)
            }
        }
        for gateway in f.simulator.gatewayNames {
            #expect(await f.simulator.isForwarding(gateway: gateway) == false)
            #expect((try await f.agentStatus(gateway)?["lastHeartbeat"]?.time ?? .distantPast) >= f.at(46), "\(gateway) heartbeats on")
            for (_, n) in try await neighbors(f, gateway) {
                #expect(n["sessionState"] == "idle" && n[path: "ipv4UnicastPrefixes", "sent"] == 0)
            }
        }
    }

    @Test func aPeeringWhoseTrafficStopsFreezesTheActiveMembersCounters() async throws {
        let f = try await running()
        let direction = "vpc-01->vpc-02"
        try await f.simulator.stopPeeringTraffic(peering: "vpc-01--vpc-02", now: f.at(20))
        let stoppedAt = try await packets(f, "gateway-1", direction)
        try await f.step(to: 61)
        let peering = try #require(try await f.agentStatus("gateway-1")?[path: "state", "peerings", direction])
        #expect(peering["p"]?.intValue ?? 0 > 0, "the counters keep what was carried")
        #expect(peering["pps"]?.doubleValue == 0 && peering["bps"]?.doubleValue == 0)
        let later = try await packets(f, "gateway-1", direction)
        try await f.step(to: 91)
        #expect(try await packets(f, "gateway-1", direction) == later, "no new packets")
        #expect(later - stoppedAt < 60 * 20, "at most what was carried before the stop was settled")
        #expect(try await packets(f, "gateway-2", direction) == 0, "the backup never carried it")
        #expect(await f.simulator.activeGateway(group: "gw-group-1") == "gateway-1", "BGP and fail-over untouched")
        // The other group's peering goes on.
        let other = try await packets(f, "gateway-3", "vpc-02->vpc-03")
        try await f.step(to: 106)
        #expect(try await packets(f, "gateway-3", "vpc-02->vpc-03") > other)

        try await f.simulator.resumePeeringTraffic(peering: "vpc-01--vpc-02", now: f.at(106))
        try await f.step(to: 121)
        #expect(try await packets(f, "gateway-1", direction) > later)
        await #expect(throws: FabricSimulatorError.unknownPeering("vpc-07--vpc-09")) {
            try await f.simulator.stopPeeringTraffic(peering: "vpc-07--vpc-09")
        }
    }

    @Test func aPeerASMismatchKeepsThatSessionDownOnBothEnds() async throws {
        let f = try await running()
        try await f.simulator.mismatchPeerAS(gateway: "gateway-1", leaf: "leaf-01", reportedAS: 65999, now: f.at(20))
        try await f.step(to: 40)
        let gateway = try #require(try await f.store.get(.gateways, namespace: "default", name: "gateway-1"))
        let leaf01 = try #require(gateway[path: "spec", "neighbors"]?.arrayValue?.first { $0["asn"] == 65100 }?["ip"]?.stringValue)
        let side = try await neighbors(f, "gateway-1")
        let wrong = try #require(side[leaf01])
        #expect(wrong["peerAS"] == 65999, "the session's peerAS differs from Gateway.spec.neighbors[].asn (65100)")
        #expect(wrong["sessionState"] == "active")
        #expect(wrong["lastResetReason"] == "Notification sent (OPEN Message Error/Bad Peer AS)")
        let right = try #require(side.first { $0.key != leaf01 }?.value)
        #expect(right["sessionState"] == "established" && right["peerAS"] == 65101)
        let sessions = try await f.leafStatus("leaf-01")?[path: "state", "bgpNeighbors", "default"]?.objectValue ?? [:]
        let links = try await f.gatewayLinkIPs("gateway-1")
        let leafEnd = try #require(sessions.first { links.contains($0.key) }?.value)
        #expect(leafEnd["state"] == "active" && leafEnd["lastResetReason"] == "Notification received (OPEN Message Error/Bad Peer AS)")
        #expect(await f.simulator.isForwarding(gateway: "gateway-1"), "its session with leaf-02 still carries")

        try await f.simulator.matchPeerAS(gateway: "gateway-1", now: f.at(40))
        try await f.step(to: 60)
        #expect(try await neighbors(f, "gateway-1")[leaf01]?["sessionState"] == "established")
        await #expect(throws: FabricSimulatorError.self) {
            try await f.simulator.mismatchPeerAS(gateway: "gateway-1", leaf: "leaf-99", reportedAS: 1)
        }
    }

    @Test func aStalledCollectorFreezesTheStateWhileTheHeartbeatGoesOn() async throws {
        let f = try await running()
        try await f.simulator.stallCollector(gateway: "gateway-1", now: f.at(20))
        try await f.step(to: 50)
        let status = try #require(try await f.agentStatus("gateway-1"))
        #expect(status["lastHeartbeat"]?.time == f.at(46))
        #expect(status[path: "state", "lastCollectedTime"]?.time == f.at(20))
        let frozen = status[path: "state", "peerings", "vpc-01->vpc-02", "p"]
        try await f.step(to: 61)
        #expect(try await f.agentStatus("gateway-1")?[path: "state", "peerings", "vpc-01->vpc-02", "p"] == frozen)

        try await f.simulator.resumeCollector(gateway: "gateway-1", now: f.at(61))
        try await f.step(to: 76)
        let fresh = try #require(try await f.agentStatus("gateway-1"))
        #expect(fresh[path: "state", "lastCollectedTime"]?.time == f.at(76))
        #expect(fresh[path: "state", "peerings", "vpc-01->vpc-02", "p"] != frozen)
    }

    /// What a steady fabric changes per heartbeat, and nothing more: a leaf only its
    /// `lastHeartbeat`; a gateway its `lastHeartbeat`, `lastCollectedTime`, its sessions'
    /// keepalive counts and (the carrier only) its traffic counters. Prefix counts, peerings and
    /// versions stay put, so the operator's quiet-heartbeat path sees nothing new.
    @Test func aSteadyHeartbeatChangesOnlyTimesKeepalivesAndTheCarriersCounters() async throws {
        let f = try await running()
        let leafBefore = try #require(try await f.leafStatus("leaf-01"))
        let carrierBefore = try #require(try await f.agentStatus("gateway-1"))
        let backupBefore = try #require(try await f.agentStatus("gateway-2"))
        try await f.step(to: 35)
        var leafAfter = try #require(try await f.leafStatus("leaf-01"))
        #expect(leafAfter["lastHeartbeat"] != leafBefore["lastHeartbeat"])
        leafAfter["lastHeartbeat"] = leafBefore["lastHeartbeat"]
        #expect(leafAfter == leafBefore)

        func normalised(_ status: JSONValue, like other: JSONValue) -> JSONValue {
            var s = status
            s["lastHeartbeat"] = other["lastHeartbeat"]
            var state = s["state"] ?? [:]
            state["lastCollectedTime"] = other[path: "state", "lastCollectedTime"]
            var neighbors = state[path: "bgp", "vrfs", "default", "neighbors"]?.objectValue ?? [:]
            for (ip, var n) in neighbors {
                n["messages"] = other[path: "state", "bgp", "vrfs", "default", "neighbors", ip, "messages"]
                neighbors[ip] = n
            }
            state["bgp"] = ["vrfs": ["default": ["neighbors": .object(neighbors)]]]
            state["peerings"] = other[path: "state", "peerings"]
            state["vpcs"] = other[path: "state", "vpcs"]
            s["state"] = state
            return s
        }
        let carrierAfter = try #require(try await f.agentStatus("gateway-1"))
        #expect(normalised(carrierAfter, like: carrierBefore) == carrierBefore)
        #expect(carrierAfter[path: "state", "peerings"] != carrierBefore[path: "state", "peerings"])
        let backupAfter = try #require(try await f.agentStatus("gateway-2"))
        #expect(backupAfter[path: "state", "peerings"] == backupBefore[path: "state", "peerings"], "the backup's counters stay")
        #expect(normalised(backupAfter, like: backupBefore) == backupBefore)
    }
}
