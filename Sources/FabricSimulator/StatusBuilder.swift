import Foundation
import KubeAPI

/// Builds the status objects the dataplane and the switch agents write, from the simulation's
/// state at one instant. Pure: the caller settles counters to `t` first.
struct StatusBuilder {
    let spec: FabricSpec
    let topology: FabricTopology

    static let neverApplied = "1970-01-01T00:00:00Z"

    /// GatewayAgent.status. Before the dataplane has applied anything it is the init status:
    /// generation 0, the epoch as apply time, no BGP/FRR/traffic state.
    func gatewayAgentStatus(_ g: GatewayPlan, _ rt: GatewayRuntime, stoppedPeerings: Set<Int>, at t: Date) -> JSONValue {
        var status: JSONValue = [
            "lastHeartbeat": nodeTime(t, rt),
            "lastAppliedGen": .int(rt.appliedGeneration),
            "lastAppliedTime": .string(rt.appliedTime.map { KubeTime.format($0.addingTimeInterval(-rt.clockBehind)) } ?? Self.neverApplied),
            "agentVersion": .string(rt.agentVersion ?? spec.agentVersion),
            "state": [:],
        ]
        guard rt.appliedGeneration > 0 else { return status }
        status["state"] = rt.frozenState ?? collectedState(g, rt, stoppedPeerings: stoppedPeerings, at: t)
        return status
    }

    /// The dataplane's timestamps come from the gateway node's clock.
    private func nodeTime(_ t: Date, _ rt: GatewayRuntime) -> JSONValue {
        .string(KubeTime.format(t.addingTimeInterval(-rt.clockBehind)))
    }

    /// `status.state`: one collection of the dataplane's and FRR's state at `t`.
    func collectedState(_ g: GatewayPlan, _ rt: GatewayRuntime, stoppedPeerings: Set<Int>, at t: Date) -> JSONValue {
        var state: JSONValue = [
            "lastCollectedTime": nodeTime(t, rt),
            "dataplane": ["version": .string(spec.dataplaneVersion)],
        ]
        if let frr = rt.frrAppliedGeneration { state["frr"] = ["lastAppliedGen": .int(frr)] }
        // With FRR down the dataplane cannot collect BGP state, so the section is absent.
        if rt.frrRunning { state["bgp"] = ["vrfs": ["default": ["neighbors": gatewayNeighbors(g, rt, at: t)]]] }
        let (vpcs, peerings) = traffic(g, rt, stoppedPeerings: stoppedPeerings)
        state["vpcs"] = vpcs
        state["peerings"] = peerings
        return state
    }

    /// Prefixes the gateway advertises to each leaf: IPv4 its protocol IP, EVPN two per peering
    /// its group carries (the exposed subnets) and one for its VTEP.
    private func advertised(_ g: GatewayPlan) -> (ipv4: Int64, evpn: Int64) {
        (1, Int64(2 * topology.groups[g.group].peerings.count + 1))
    }

    /// Prefixes each leaf advertises to the gateway (the VPC subnets behind it, its loopbacks).
    private func learned(_ g: GatewayPlan) -> (ipv4: Int64, evpn: Int64) {
        let n = Int64(2 * topology.groups[g.group].peerings.count + 1)
        return (n, 2 * n)
    }

    /// A leaf's reason for the session it refused at the OPEN (FRR's wording).
    static let badPeerASSent = "Notification sent (OPEN Message Error/Bad Peer AS)"
    static let badPeerASReceived = "Notification received (OPEN Message Error/Bad Peer AS)"

    private func gatewayNeighbors(_ g: GatewayPlan, _ rt: GatewayRuntime, at t: Date) -> JSONValue {
        var neighbors: [String: JSONValue] = [:]
        let keepalives = rt.bgp.keepalives(at: t, interval: spec.timing.bgpKeepaliveInterval)
        let opens = rt.bgp.establishedTransitions
        let sends = advertised(g)
        let offered = learned(g)
        for (l, link) in g.links.enumerated() {
            let leaf = topology.leaves[link.leaf]
            // FRR configured with the wrong remote AS refuses the leaf's OPEN: that session never
            // comes up, whatever the others do.
            let wrongAS = rt.peerASMismatch[l]
            let up = rt.bgp.up && wrongAS == nil
            let taken = up && rt.routeFault != .noRoutesExchanged
            let state = up ? "established" : wrongAS != nil && rt.bgp.up ? "active" : rt.leavesDown ? "idle" : "active"
            var n: JSONValue = [
                "enabled": true,
                // With every leaf gone the sessions have nobody to connect to.
                "sessionState": .string(state),
                "localAS": .int(spec.gatewayASN),
                "peerAS": .int(wrongAS ?? leaf.asn),
                "remoteRouterID": .string(rt.bgp.lastEstablished == nil ? "0.0.0.0" : leaf.routerID),
                "connectionsDropped": .int(rt.bgp.connectionsDropped),
                "establishedTransitions": .int(rt.bgp.establishedTransitions),
                "messages": [
                    "received": ["open": .int(opens), "keepalive": .int(keepalives), "update": .int(opens * 3), "notification": 0],
                    "sent": ["open": .int(opens), "keepalive": .int(keepalives), "update": .int(opens * 2), "notification": 0],
                ],
                "ipv4UnicastPrefixes": [
                    "received": .int(taken ? offered.ipv4 : 0), "receivedPrePolicy": .int(up ? offered.ipv4 : 0),
                    "sent": .int(taken ? sends.ipv4 : 0),
                ],
                "l2VPNEVPNPrefixes": [
                    "received": .int(taken ? offered.evpn : 0), "receivedPrePolicy": .int(up ? offered.evpn : 0),
                    "sent": .int(taken ? sends.evpn : 0),
                ],
            ]
            if wrongAS != nil, rt.bgp.up {
                n["lastResetReason"] = .string(Self.badPeerASSent)
            } else if let reason = rt.bgp.lastResetReason {
                n["lastResetReason"] = .string(reason)
            }
            neighbors[link.leafIP.description] = n
        }
        return .object(neighbors)
    }

    /// `state.vpcs` and `state.peerings`: counters keep their values when the gateway stops
    /// carrying traffic; only the rates drop to zero.
    private func traffic(_ g: GatewayPlan, _ rt: GatewayRuntime, stoppedPeerings: Set<Int>) -> (JSONValue, JSONValue) {
        var vpcs: [Int: DirectionCounters] = [:]
        var peerings: [String: JSONValue] = [:]
        for (slot, p) in topology.groups[g.group].peerings.enumerated() {
            let peering = topology.peerings[p]
            let directions = [
                (peering.vpcs.0, peering.vpcs.1, peering.forward), (peering.vpcs.1, peering.vpcs.0, peering.reverse),
            ]
            for (d, (from, to, rate)) in directions.enumerated() {
                let c = slot * 2 + d < rt.counters.count ? rt.counters[slot * 2 + d] : DirectionCounters()
                let pps = rt.carrying && !stoppedPeerings.contains(p) ? rate.pps : 0
                peerings["\(topology.vpcs[from].name)->\(topology.vpcs[to].name)"] = [
                    "p": .int(Int64(c.packets)), "b": .int(Int64(c.bytes)), "d": .int(Int64(c.drops)),
                    "pps": .double((pps * 10).rounded() / 10),
                    "bps": .double((pps * rate.bytes * 8 * 10).rounded() / 10),
                ]
                for v in [from, to] {
                    vpcs[v, default: DirectionCounters()].packets += c.packets
                    vpcs[v, default: DirectionCounters()].bytes += c.bytes
                    vpcs[v, default: DirectionCounters()].drops += c.drops
                }
            }
        }
        var vpcObject: [String: JSONValue] = [:]
        for (v, c) in vpcs {
            vpcObject[topology.vpcs[v].name] = ["p": .int(Int64(c.packets)), "b": .int(Int64(c.bytes)), "d": .int(Int64(c.drops))]
        }
        return (.object(vpcObject), .object(peerings))
    }

    /// A switch Agent's status: heartbeat, applied generation and its BGP sessions to gateways,
    /// with the prefixes exchanged per address family (`prefixes.<family>`, keyed as the switch
    /// agent writes them). A leaf going into maintenance reports every session idle with no remote
    /// router ID (its BGP is shut down: FRR has heard no OPEN since), as its last status before it
    /// goes silent.
    func leafStatus(_ leaf: LeafPlan, gateways: [GatewayRuntime], inMaintenance: Bool = false, bootedAt: Date,
                    at t: Date) -> JSONValue {
        var neighbors: [String: JSONValue] = [:]
        for session in leaf.sessions {
            let g = topology.gateways[session.gateway]
            let rt = gateways[session.gateway]
            let bgp = rt.bgp
            let wrongAS = rt.peerASMismatch[session.link] != nil
            let up = bgp.up && !inMaintenance && !wrongAS
            // What the gateway sends arrives (recPre); the leaf's import policy may drop it (rec).
            let sends = advertised(g)
            let offered = learned(g)
            let arrives = up && rt.routeFault != .noRoutesExchanged
            let accepted = arrives && rt.routeFault == .none
            func family(_ sent: Int64, _ received: Int64) -> JSONValue {
                ["rec": .int(accepted ? received : 0), "recPre": .int(arrives ? received : 0), "sent": .int(up ? sent : 0)]
            }
            var n: JSONValue = [
                "enabled": true,
                "state": .string(up ? "established" : inMaintenance ? "idle" : "active"),
                // The leaf remembers the router ID of the last peer it established with.
                "remoteRouterID": .string(bgp.lastEstablished == nil || inMaintenance ? "0.0.0.0" : g.routerID),
                "localAS": .int(leaf.asn),
                "peerAS": .int(spec.gatewayASN),
                "peerType": "external",
                "connDropped": .int(bgp.connectionsDropped),
                "estabTrans": .int(bgp.establishedTransitions),
                "prefixes": ["IPV4_UNICAST": family(offered.ipv4, sends.ipv4), "L2VPN_EVPN": family(offered.evpn, sends.evpn)],
            ]
            if let established = bgp.lastEstablished { n["lastEstab"] = .string(KubeTime.format(established)) }
            if wrongAS, bgp.up, !inMaintenance {
                n["lastResetReason"] = .string(Self.badPeerASReceived)
            } else if let reason = bgp.lastResetReason {
                n["lastResetReason"] = .string(reason)
            }
            neighbors[g.links[session.link].gatewayIP.description] = n
        }
        let booted = JSONValue.string(KubeTime.format(bootedAt))
        return [
            "lastHeartbeat": .string(KubeTime.format(t)),
            "lastAppliedGen": 1, "lastAppliedTime": booted,
            "lastAttemptGen": 1, "lastAttemptTime": booted,
            "version": .string(spec.switchAgentVersion),
            "conditions": [],
            "state": ["bgpNeighbors": ["default": .object(neighbors)]],
        ]
    }
}
