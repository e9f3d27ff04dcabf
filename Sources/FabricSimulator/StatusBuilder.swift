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
    func gatewayAgentStatus(_ g: GatewayPlan, _ rt: GatewayRuntime, at t: Date) -> JSONValue {
        // The dataplane's timestamps come from the gateway node's clock.
        let now = JSONValue.string(KubeTime.format(t.addingTimeInterval(-rt.clockBehind)))
        var status: JSONValue = [
            "lastHeartbeat": now,
            "lastAppliedGen": .int(rt.appliedGeneration),
            "lastAppliedTime": .string(rt.appliedTime.map { KubeTime.format($0.addingTimeInterval(-rt.clockBehind)) } ?? Self.neverApplied),
            "agentVersion": .string(spec.agentVersion),
            "state": [:],
        ]
        guard rt.appliedGeneration > 0 else { return status }
        var state: JSONValue = [
            "lastCollectedTime": now,
            "dataplane": ["version": .string(spec.dataplaneVersion)],
        ]
        if let frr = rt.frrAppliedGeneration { state["frr"] = ["lastAppliedGen": .int(frr)] }
        // With FRR down the dataplane cannot collect BGP state, so the section is absent.
        if rt.frrRunning { state["bgp"] = ["vrfs": ["default": ["neighbors": gatewayNeighbors(g, rt, at: t)]]] }
        let (vpcs, peerings) = traffic(g, rt)
        state["vpcs"] = vpcs
        state["peerings"] = peerings
        status["state"] = state
        return status
    }

    private func gatewayNeighbors(_ g: GatewayPlan, _ rt: GatewayRuntime, at t: Date) -> JSONValue {
        var neighbors: [String: JSONValue] = [:]
        let keepalives = rt.bgp.keepalives(at: t, interval: spec.timing.bgpKeepaliveInterval)
        let opens = rt.bgp.establishedTransitions
        let prefixes = Int64(2 * topology.groups[g.group].peerings.count + 1)
        for link in g.links {
            let leaf = topology.leaves[link.leaf]
            var n: JSONValue = [
                "enabled": true,
                // With every leaf gone the sessions have nobody to connect to.
                "sessionState": .string(rt.bgp.up ? "established" : rt.leavesDown ? "idle" : "active"),
                "localAS": .int(spec.gatewayASN),
                "peerAS": .int(leaf.asn),
                "remoteRouterID": .string(rt.bgp.lastEstablished == nil ? "0.0.0.0" : leaf.routerID),
                "connectionsDropped": .int(rt.bgp.connectionsDropped),
                "establishedTransitions": .int(rt.bgp.establishedTransitions),
                "messages": [
                    "received": ["open": .int(opens), "keepalive": .int(keepalives), "update": .int(opens * 3), "notification": 0],
                    "sent": ["open": .int(opens), "keepalive": .int(keepalives), "update": .int(opens * 2), "notification": 0],
                ],
                "ipv4UnicastPrefixes": [
                    "received": .int(rt.bgp.up ? prefixes : 0), "receivedPrePolicy": .int(rt.bgp.up ? prefixes : 0),
                    "sent": .int(rt.bgp.up ? 1 : 0),
                ],
                "l2VPNEVPNPrefixes": [
                    "received": .int(rt.bgp.up ? 2 * prefixes : 0), "receivedPrePolicy": .int(rt.bgp.up ? 2 * prefixes : 0),
                    "sent": .int(rt.bgp.up ? prefixes : 0),
                ],
            ]
            if let reason = rt.bgp.lastResetReason { n["lastResetReason"] = .string(reason) }
            neighbors[link.leafIP.description] = n
        }
        return .object(neighbors)
    }

    /// `state.vpcs` and `state.peerings`: counters keep their values when the gateway stops
    /// carrying traffic; only the rates drop to zero.
    private func traffic(_ g: GatewayPlan, _ rt: GatewayRuntime) -> (JSONValue, JSONValue) {
        var vpcs: [Int: DirectionCounters] = [:]
        var peerings: [String: JSONValue] = [:]
        for (slot, p) in topology.groups[g.group].peerings.enumerated() {
            let peering = topology.peerings[p]
            let directions = [
                (peering.vpcs.0, peering.vpcs.1, peering.forward), (peering.vpcs.1, peering.vpcs.0, peering.reverse),
            ]
            for (d, (from, to, rate)) in directions.enumerated() {
                let c = slot * 2 + d < rt.counters.count ? rt.counters[slot * 2 + d] : DirectionCounters()
                let pps = rt.carrying ? rate.pps : 0
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

    /// A switch Agent's status: heartbeat, applied generation and its BGP sessions to gateways.
    /// A leaf going into maintenance reports every session idle with no remote router ID (its BGP
    /// is shut down: FRR has heard no OPEN since), as its last status before it goes silent.
    func leafStatus(_ leaf: LeafPlan, gateways: [GatewayRuntime], inMaintenance: Bool = false, bootedAt: Date,
                    at t: Date) -> JSONValue {
        var neighbors: [String: JSONValue] = [:]
        for session in leaf.sessions {
            let g = topology.gateways[session.gateway]
            let bgp = gateways[session.gateway].bgp
            let up = bgp.up && !inMaintenance
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
            ]
            if let established = bgp.lastEstablished { n["lastEstab"] = .string(KubeTime.format(established)) }
            if let reason = bgp.lastResetReason { n["lastResetReason"] = .string(reason) }
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
