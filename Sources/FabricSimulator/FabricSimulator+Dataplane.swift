import Foundation
import HedgehogResources
import KubeAPI

/// The gateway dataplane: start, apply generations, heartbeat; and what follows from it (BGP,
/// which group member carries the traffic).
extension FabricSimulator {
    /// A dataplane process starts: it writes the init status at once, then applies the current
    /// generation after `applyDelay`, and heartbeats every `heartbeatInterval` from now on.
    func startDataplane(_ g: Int, at t: Date) async throws {
        settleGroup(of: g, at: t)
        gateways[g].epoch += 1
        gateways[g].dataplaneUp = true
        gateways[g].heartbeatOrigin = t
        gateways[g].appliedGeneration = 0
        gateways[g].appliedTime = nil
        gateways[g].reconcilePending = false
        // A new process collects afresh.
        gateways[g].collectorStalled = false
        gateways[g].frozenState = nil
        resetCounters(g, at: t)
        refreshBGP(g, at: t)
        let epoch = gateways[g].epoch
        queue.push(.heartbeat(gateway: g, epoch: epoch, beat: 1), at: t.addingTimeInterval(spec.timing.heartbeatInterval))
        scheduleReconcile(g, at: t.addingTimeInterval(spec.timing.applyDelay))
        try await writeAgentStatus(g, at: t)
    }

    /// The dataplane process is gone (pod deleted, crash, node lost): no more writes, BGP drops.
    func stopDataplane(_ g: Int, at t: Date) {
        settleGroup(of: g, at: t)
        gateways[g].epoch += 1
        gateways[g].dataplaneUp = false
        gateways[g].reconcilePending = false
        refreshBGP(g, at: t)
    }

    func heartbeat(_ g: Int, epoch: Int, beat: Int, at t: Date) async throws {
        guard gateways[g].epoch == epoch, gateways[g].dataplaneUp else { return }
        let next = gateways[g].heartbeatOrigin.addingTimeInterval(Double(beat + 1) * spec.timing.heartbeatInterval)
        queue.push(.heartbeat(gateway: g, epoch: epoch, beat: beat + 1), at: next)
        try await writeAgentStatus(g, at: t)
    }

    func scheduleReconcile(_ g: Int, at t: Date) {
        guard gateways[g].dataplaneUp, !gateways[g].reconcilePending else { return }
        gateways[g].reconcilePending = true
        queue.push(.reconcile(gateway: g, epoch: gateways[g].epoch), at: t)
    }

    /// Applies the newest generation the dataplane has seen (unless it rejects config) and
    /// hands it to FRR (unless FRR is stuck or down); writes the status when anything changed.
    func reconcile(_ g: Int, epoch: Int, at t: Date) async throws {
        guard gateways[g].epoch == epoch, gateways[g].dataplaneUp else { return }
        gateways[g].reconcilePending = false
        var rt = gateways[g]
        var changed = false
        if !rt.rejectsConfig, rt.knownGeneration > rt.appliedGeneration {
            rt.appliedGeneration = rt.knownGeneration
            rt.appliedTime = t
            // An upgrade that lands: the new agent applies the generation that asked for it.
            if let version = rt.upgradeTo {
                rt.agentVersion = version
                rt.upgradeTo = nil
            }
            changed = true
        }
        // A stuck FRR keeps its old generation; a freshly started one takes whatever it is given.
        if rt.frrRunning, rt.appliedGeneration > 0, rt.frrAppliedGeneration != rt.appliedGeneration,
           !rt.frrStuck || rt.frrAppliedGeneration == nil {
            rt.frrAppliedGeneration = rt.appliedGeneration
            changed = true
        }
        guard changed else { return }
        settleGroup(of: g, at: t)
        gateways[g].appliedGeneration = rt.appliedGeneration
        gateways[g].appliedTime = rt.appliedTime
        gateways[g].frrAppliedGeneration = rt.frrAppliedGeneration
        gateways[g].agentVersion = rt.agentVersion
        gateways[g].upgradeTo = rt.upgradeTo
        refreshBGP(g, at: t)
        try await writeAgentStatus(g, at: t)
    }

    /// Replaces the GatewayAgent status as the dataplane does (unless its writes are cut off),
    /// and learns the object's current generation from the answer, as a watch would tell it.
    func writeAgentStatus(_ g: Int, at t: Date) async throws {
        guard !gateways[g].heartbeatsStopped else { return }
        settleTraffic(g, at: t)
        let plan = topology.gateways[g]
        if gateways[g].collectorStalled, gateways[g].frozenState == nil, gateways[g].appliedGeneration > 0 {
            gateways[g].frozenState = statuses.collectedState(plan, gateways[g], stoppedPeerings: stoppedPeerings, at: t)
        }
        let status = statuses.gatewayAgentStatus(plan, gateways[g], stoppedPeerings: stoppedPeerings, at: t)
        let stored = try await store.updateStatus(.gatewayAgents, namespace: spec.fabricNamespace, name: plan.name, status: status)
        gatewayStatusWrites += 1
        learnGeneration(g, stored, at: t)
    }

    func learnGeneration(_ g: Int, _ object: JSONValue, at t: Date) {
        if let generation = object[path: "metadata", "generation"]?.intValue, generation > gateways[g].knownGeneration {
            gateways[g].knownGeneration = generation
        }
        let rt = gateways[g]
        if rt.dataplaneUp, !rt.rejectsConfig, rt.knownGeneration > rt.appliedGeneration {
            scheduleReconcile(g, at: t.addingTimeInterval(spec.timing.applyDelay))
        }
    }

    // MARK: BGP and traffic

    /// Brings the gateway's BGP sessions (both ends) in line with what should be, counting
    /// transitions and drops, and moves the group's traffic to its best live member.
    func refreshBGP(_ g: Int, at t: Date) {
        let rt = gateways[g]
        let up = rt.bgpShouldBeUp
        guard up != rt.bgp.up else { return }
        settleGroup(of: g, at: t)
        if up {
            gateways[g].bgp.up = true
            gateways[g].bgp.upSince = t
            gateways[g].bgp.lastEstablished = t
            gateways[g].bgp.establishedTransitions += 1
        } else {
            gateways[g].bgp.keepalivesBefore = rt.bgp.keepalives(at: t, interval: spec.timing.bgpKeepaliveInterval)
            gateways[g].bgp.up = false
            gateways[g].bgp.upSince = nil
            gateways[g].bgp.connectionsDropped += 1
            gateways[g].bgp.lastResetReason = rt.dataplaneUp && !rt.frrRunning ? "Peer closed the session" : "Hold Timer Expired"
        }
        chooseCarrier(group: topology.gateways[g].group)
    }

    /// Leaves send a group's peering traffic to its highest-priority member they have routes to.
    func chooseCarrier(group: Int) {
        let members = topology.groups[group].members
        let carrier = members.first { gateways[$0].forwarding(linkCount: topology.gateways[$0].links.count) }
        for m in members { gateways[m].carrying = m == carrier }
    }

    func settleGroup(of g: Int, at t: Date) {
        for m in topology.groups[topology.gateways[g].group].members { settleTraffic(m, at: t) }
    }

    /// Adds the traffic since the last settlement to the counters (only the carrier moves packets).
    func settleTraffic(_ g: Int, at t: Date) {
        let dt = t.timeIntervalSince(gateways[g].countersSettledAt)
        guard dt > 0 else { return }
        gateways[g].countersSettledAt = t
        guard gateways[g].carrying else { return }
        let ratio = gateways[g].dropRatio
        for (slot, p) in topology.groups[topology.gateways[g].group].peerings.enumerated() {
            let peering = topology.peerings[p]
            guard !stoppedPeerings.contains(p) else { continue }
            for (d, rate) in [peering.forward, peering.reverse].enumerated() where slot * 2 + d < gateways[g].counters.count {
                let packets = rate.pps * dt
                gateways[g].counters[slot * 2 + d].packets += packets
                gateways[g].counters[slot * 2 + d].bytes += packets * rate.bytes
                gateways[g].counters[slot * 2 + d].drops += packets * ratio
            }
        }
    }

    /// A new dataplane process starts counting from zero.
    func resetCounters(_ g: Int, at t: Date) {
        gateways[g].counters = Array(repeating: DirectionCounters(), count: 2 * topology.groups[topology.gateways[g].group].peerings.count)
        gateways[g].countersSettledAt = t
    }
}
