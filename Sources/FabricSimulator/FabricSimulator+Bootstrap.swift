import Foundation
import HedgehogResources
import KubeAPI

extension FabricSimulator {
    /// Creates the whole fabric at `now`: GatewayGroups (`default` and one per group), Gateways,
    /// GatewayAgents (spec only: no dataplane has reported yet), GatewayPeerings, the leaves'
    /// switch Agents and both pods of every gateway. Then schedules the dataplanes to start
    /// (spread over `timing.startupSpread`), the leaves' heartbeats and the pod sweep.
    /// Store errors here are thrown: a fabric that cannot be created is not worth simulating.
    public func bootstrap(now: Date) async throws {
        guard !bootstrapped else { throw FabricSimulatorError.alreadyBootstrapped }
        bootstrapped = true
        bootTime = now
        currentTime = max(currentTime, now)
        for name in ["default"] + topology.groups.map(\.name) {
            _ = try await store.create(.gatewayGroups, objects.gatewayGroup(name: name, created: now))
        }
        for g in topology.gateways {
            _ = try await store.create(.gateways, objects.gateway(g, created: now))
            let agent = try await store.create(.gatewayAgents, objects.gatewayAgent(g, created: now))
            gateways[g.index].knownGeneration = agent[path: "metadata", "generation"]?.intValue ?? 1
        }
        for p in topology.peerings {
            _ = try await store.create(.gatewayPeerings, objects.gatewayPeering(p, created: now))
        }
        for leaf in topology.leaves {
            _ = try await store.create(.switchAgents, objects.switchAgent(leaf, created: now))
        }
        for g in topology.gateways.indices {
            resetCounters(g, at: now)
            for role in PodRole.allCases { try await createPod(g, role: role, at: now) }
            let start = now.addingTimeInterval(spec.timing.startupDelay + random.unit() * spec.timing.startupSpread)
            queue.push(.dataplaneStart(gateway: g, epoch: gateways[g].epoch), at: start)
        }
        for leaf in topology.leaves.indices {
            leafOrigins[leaf] = now.addingTimeInterval(random.unit() * spec.timing.leafHeartbeatInterval)
            queue.push(.leafHeartbeat(leaf: leaf, beat: 0), at: leafOrigins[leaf])
        }
        if let interval = spec.timing.podSweepInterval { queue.push(.podSweep, at: now.addingTimeInterval(interval)) }
    }

    /// A switch agent's periodic status write, with its view of every gateway session.
    func leafHeartbeat(_ leaf: Int, beat: Int, at t: Date) async throws {
        let interval = spec.timing.leafHeartbeatInterval
        queue.push(.leafHeartbeat(leaf: leaf, beat: beat + 1), at: leafOrigins[leaf].addingTimeInterval(Double(beat + 1) * interval))
        guard !leavesInMaintenance.contains(leaf) else { return }
        try await writeLeafStatus(leaf, at: t)
    }

    /// Replaces the leaf's switch Agent status (in maintenance: its last word, every session with a
    /// gateway down).
    func writeLeafStatus(_ leaf: Int, at t: Date) async throws {
        let plan = topology.leaves[leaf]
        let status = statuses.leafStatus(plan, gateways: gateways, inMaintenance: leavesInMaintenance.contains(leaf),
                                         bootedAt: bootTime, at: t)
        _ = try await store.updateStatus(.switchAgents, namespace: spec.fabricNamespace, name: plan.name, status: status)
    }
}
