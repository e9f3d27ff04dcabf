import Foundation
import HedgehogResources
import KubeAPI

/// Scripted faults and changes. Each takes effect at `now` (default: the simulation's current
/// time) and is reversible where that makes sense. Unknown gateways are a typed error.
extension FabricSimulator {
    private func instant(_ now: Date?) -> Date {
        let t = now ?? currentTime
        currentTime = max(currentTime, t)
        return t
    }

    /// The dataplane keeps forwarding and BGP stays up, but its status writes stop
    /// (expected: KEEPALIVE_FAIL).
    public func stopHeartbeats(gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        _ = instant(now)
        gateways[g].heartbeatsStopped = true
    }

    /// Status writes resume on the dataplane's next heartbeat tick.
    public func resumeHeartbeats(gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        _ = instant(now)
        gateways[g].heartbeatsStopped = false
    }

    /// The dataplane refuses new generations: lastAppliedGen stays behind metadata.generation
    /// (expected: CONFIG_FAIL once the generation moves on).
    public func rejectConfig(gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        _ = instant(now)
        gateways[g].rejectsConfig = true
    }

    /// The dataplane applies the pending generation after `applyDelay`.
    public func acceptConfig(gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        let t = instant(now)
        gateways[g].rejectsConfig = false
        scheduleReconcile(g, at: t.addingTimeInterval(spec.timing.applyDelay))
    }

    /// The fabric controller changes the GatewayAgent spec (toggles `spec.config.fabricBFD`), so
    /// the server bumps metadata.generation. Returns the new generation.
    @discardableResult
    public func bumpGeneration(gateway: String, now: Date? = nil) async throws -> Int64 {
        let g = try gatewayIndex(gateway)
        return try await updateAgentSpec(g, at: instant(now)) { agentSpec in
            var config = agentSpec["config"]?.objectValue ?? [:]
            config["fabricBFD"] = .bool(!(config["fabricBFD"]?.boolValue ?? false))
            agentSpec["config"] = .object(config)
        }
    }

    /// The fabric controller is upgraded and asks for agent `version` (`spec.agentVersion`, a new
    /// generation). When the upgrade `lands`, the dataplane reports the new version in
    /// `status.agentVersion` once it has applied that generation; when it does not (the old agent
    /// keeps running), it applies the generation and goes on reporting its old version.
    /// Returns the new generation.
    @discardableResult
    public func upgradeAgent(gateway: String, to version: String, lands: Bool, now: Date? = nil) async throws -> Int64 {
        let g = try gatewayIndex(gateway)
        guard !version.isEmpty else { throw FabricSimulatorError.invalidArgument("the agent version must not be empty") }
        gateways[g].upgradeTo = lands ? version : nil
        return try await updateAgentSpec(g, at: instant(now)) { $0["agentVersion"] = .string(version) }
    }

    /// Changes the GatewayAgent spec as the fabric controller does (read, change, update; again on
    /// a conflict) and tells the dataplane the new generation. Returns it.
    private func updateAgentSpec(_ g: Int, at t: Date, _ change: (inout JSONValue) -> Void) async throws -> Int64 {
        let name = topology.gateways[g].name
        var attempt = 0
        while true {
            attempt += 1
            guard var agent = try await store.get(.gatewayAgents, namespace: spec.fabricNamespace, name: name) else {
                throw FabricStoreError.notFound(resource: ResourceType.gatewayAgents.plural, namespace: spec.fabricNamespace, name: name)
            }
            guard var agentSpec = agent["spec"], agentSpec.objectValue != nil else {
                throw FabricSimulatorError.unexpectedObject(resource: "gatewayagents", name: name, reason: "spec is not an object")
            }
            change(&agentSpec)
            agent["spec"] = agentSpec
            do {
                let stored = try await store.update(.gatewayAgents, agent)
                learnGeneration(g, stored, at: t)
                return stored[path: "metadata", "generation"]?.intValue ?? gateways[g].knownGeneration
            } catch let error as FabricStoreError {
                guard case .conflict = error, attempt < 5 else { throw error }
            }
        }
    }

    /// Tells the dataplane that its GatewayAgent now has `generation` (someone else changed the
    /// spec), as its watch would; without this it learns it at its next status write.
    public func generationChanged(gateway: String, generation: Int64, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        learnGeneration(g, ["metadata": ["generation": .int(generation)]], at: instant(now))
    }

    /// FRR stops picking up new generations: state.frr.lastAppliedGen stays behind.
    public func stickFRR(gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        _ = instant(now)
        gateways[g].frrStuck = true
    }

    /// FRR catches up with the dataplane after `applyDelay`.
    public func unstickFRR(gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        let t = instant(now)
        gateways[g].frrStuck = false
        scheduleReconcile(g, at: t.addingTimeInterval(spec.timing.applyDelay))
    }

    /// A container crash-loops: not ready, waiting in CrashLoopBackOff, restartCount growing with
    /// the kubelet's doubling back-off. A crashing dataplane stops heartbeats and BGP; a crashing
    /// FRR takes BGP down (and its state out of the status).
    public func crashLoop(gateway: String, container: GatewayContainer, now: Date? = nil) async throws {
        let g = try gatewayIndex(gateway)
        let t = instant(now)
        guard !gateways[g].crashing.contains(container) else { return }
        gateways[g].crashing.insert(container)
        gateways[g].awaitingReadiness.remove(container)
        gateways[g].crashEpochs[container, default: 0] += 1
        gateways[g].crashBackoff[container] = spec.timing.crashLoopBackoff
        let role: PodRole = container == .dataplane ? .dataplane : .frr
        bumpRestart(g, role: role, container: container.rawValue, at: t, failed: true)
        if container == .dataplane {
            stopDataplane(g, at: t)
        } else {
            gateways[g].frrAppliedGeneration = nil
            refreshBGP(g, at: t)
        }
        queue.push(
            .crashLoopTick(gateway: g, container: container, epoch: gateways[g].crashEpochs[container, default: 0]),
            at: t.addingTimeInterval(spec.timing.crashLoopBackoff))
        try await writePodStatus(g, role: role, at: t)
    }

    func crashLoopTick(_ g: Int, container: GatewayContainer, epoch: Int, at t: Date) async throws {
        guard gateways[g].crashEpochs[container, default: 0] == epoch, gateways[g].crashing.contains(container) else { return }
        let role: PodRole = container == .dataplane ? .dataplane : .frr
        let backoff = min(2 * (gateways[g].crashBackoff[container] ?? spec.timing.crashLoopBackoff), spec.timing.maximumCrashLoopBackoff)
        gateways[g].crashBackoff[container] = backoff
        queue.push(.crashLoopTick(gateway: g, container: container, epoch: epoch), at: t.addingTimeInterval(backoff))
        guard gateways[g].pod(role) != nil, !gateways[g].nodeGone else { return }
        bumpRestart(g, role: role, container: container.rawValue, at: t, failed: true)
        try await writePodStatus(g, role: role, at: t)
    }

    /// Ends every crash loop on the gateway: the containers start for good (one more restart),
    /// a healed dataplane starts over with its init status, a healed FRR gets its config again.
    /// With `readyAfter`, the restarted containers run but are reported not ready until their
    /// readiness probe passes that many seconds later (a probe's initial delay), as a kubelet
    /// reports them: the crash-loop-then-recover sequence of a real pod. A crash in between
    /// (`crashLoop`) cancels the pending readiness.
    public func heal(gateway: String, readyAfter: TimeInterval = 0, now: Date? = nil) async throws {
        let g = try gatewayIndex(gateway)
        guard readyAfter >= 0 else { throw FabricSimulatorError.invalidArgument("readyAfter must not be negative, got \(readyAfter)") }
        let t = instant(now)
        let healed = gateways[g].crashing
        guard !healed.isEmpty else { return }
        gateways[g].crashing = []
        for container in healed { gateways[g].crashEpochs[container, default: 0] += 1 }
        gateways[g].crashBackoff = [:]
        if readyAfter > 0 {
            gateways[g].awaitingReadiness.formUnion(healed)
            for container in healed {
                queue.push(.readinessPassed(gateway: g, container: container, epoch: gateways[g].crashEpochs[container, default: 0]),
                           at: t.addingTimeInterval(readyAfter))
            }
        }
        // The process starts (and the dataplane writes its init status) before its readiness probe
        // passes: a pod is never seen Ready next to the crashed process's old status.
        if healed.contains(.dataplane), gateways[g].dataplaneCanRun, !gateways[g].dataplaneUp {
            try await startDataplane(g, at: t)
        }
        if healed.contains(.frr), gateways[g].frrRunning {
            scheduleReconcile(g, at: t.addingTimeInterval(spec.timing.applyDelay))
        }
        for container in healed {
            let role: PodRole = container == .dataplane ? .dataplane : .frr
            bumpRestart(g, role: role, container: container.rawValue, at: t, failed: false)
            try await writePodStatus(g, role: role, at: t)
        }
    }

    func readinessPassed(_ g: Int, container: GatewayContainer, epoch: Int, at t: Date) async throws {
        guard gateways[g].crashEpochs[container, default: 0] == epoch, gateways[g].awaitingReadiness.remove(container) != nil else { return }
        try await writePodStatus(g, role: container == .dataplane ? .dataplane : .frr, at: t)
    }

    /// The gateway's node stops responding: pods go Unknown (NodeLost, not ready), the dataplane
    /// stops writing, BGP drops on the leaves.
    public func nodeGone(gateway: String, now: Date? = nil) async throws {
        let g = try gatewayIndex(gateway)
        let t = instant(now)
        guard !gateways[g].nodeGone else { return }
        gateways[g].nodeGone = true
        stopDataplane(g, at: t)
        for role in PodRole.allCases { try await writePodStatus(g, role: role, at: t) }
    }

    /// The node returns (as after a reboot): every container restarts, FRR and the dataplane
    /// start over; pods recreated meanwhile finally start.
    public func nodeBack(gateway: String, now: Date? = nil) async throws {
        let g = try gatewayIndex(gateway)
        let t = instant(now)
        guard gateways[g].nodeGone else { return }
        gateways[g].nodeGone = false
        gateways[g].frrAppliedGeneration = nil
        for role in PodRole.allCases {
            guard var pod = gateways[g].pod(role) else { continue }
            if pod.pending {
                pod.pending = false
                for i in pod.containers.indices { pod.containers[i].startedAt = t }
            } else {
                for i in pod.containers.indices {
                    pod.containers[i].restartCount += 1
                    pod.containers[i].startedAt = t
                }
            }
            gateways[g].pods[role] = pod
        }
        // As in `heal`: the dataplane's init status lands before its pod is seen Ready.
        if gateways[g].dataplaneCanRun, !gateways[g].dataplaneUp {
            try await startDataplane(g, at: t)
        }
        for role in PodRole.allCases { try await writePodStatus(g, role: role, at: t) }
    }

    /// All the gateway's BGP sessions leave established, on the gateway and on the leaves.
    public func bgpDown(gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        let t = instant(now)
        gateways[g].bgpForcedDown = true
        refreshBGP(g, at: t)
    }

    public func bgpUp(gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        let t = instant(now)
        gateways[g].bgpForcedDown = false
        refreshBGP(g, at: t)
    }

    /// Leaf maintenance (a switch upgrade or reboot): each leaf's switch agent writes one last
    /// status, every session with a gateway idle with no remote router ID, and then stops
    /// heartbeating. A gateway all of whose leaves are in maintenance loses every BGP session and
    /// reports them idle while its dataplane keeps heartbeating. (A gateway's sessions share one
    /// fate here: with only some of its leaves away, they stay up.)
    public func startLeafMaintenance(leaves names: [String], now: Date? = nil) async throws {
        let leaves = try names.map(leafIndex)
        let t = instant(now)
        let starting = leaves.filter { !leavesInMaintenance.contains($0) }
        leavesInMaintenance.formUnion(starting)
        refreshLeavesDown(at: t)
        for leaf in starting { try await writeLeafStatus(leaf, at: t) }
    }

    /// The leaves are back: their switch agents report again at once (a fresh heartbeat), and the
    /// gateways' sessions with them come up.
    public func endLeafMaintenance(leaves names: [String], now: Date? = nil) async throws {
        let leaves = try names.map(leafIndex)
        let t = instant(now)
        let ending = leaves.filter { leavesInMaintenance.contains($0) }
        leavesInMaintenance.subtract(ending)
        refreshLeavesDown(at: t)
        for leaf in ending { try await writeLeafStatus(leaf, at: t) }
    }

    private func refreshLeavesDown(at t: Date) {
        for g in topology.gateways.indices {
            let down = topology.gateways[g].links.allSatisfy { leavesInMaintenance.contains($0.leaf) }
            guard down != gateways[g].leavesDown else { continue }
            gateways[g].leavesDown = down
            refreshBGP(g, at: t)
        }
    }

    private func leafIndex(_ name: String) throws(FabricSimulatorError) -> Int {
        guard let leaf = topology.leaves.firstIndex(where: { $0.name == name }) else { throw .unknownLeaf(name) }
        return leaf
    }

    /// Routes stop getting through while the gateway's sessions stay established (`RouteFault`);
    /// `.none` restores them. The leaves stop (or start again) sending the group's traffic here.
    /// Both sides report it with their next status.
    public func setRouteFault(_ fault: RouteFault, gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        let t = instant(now)
        settleGroup(of: g, at: t)
        gateways[g].routeFault = fault
        chooseCarrier(group: topology.gateways[g].group)
    }

    /// The gateway's FRR runs its session with `leaf` with the wrong remote AS (as after a leaf's
    /// ASN changed and the gateway's configuration did not follow): the gateway reports `peerAS`
    /// `reportedAS` for that neighbour, and the session stays down on both ends with a Bad Peer AS
    /// notification, while its other sessions carry on. `matchPeerAS` ends it.
    public func mismatchPeerAS(gateway: String, leaf: String, reportedAS: Int64, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        let leafIndex = try leafIndex(leaf)
        guard let link = topology.gateways[g].links.firstIndex(where: { $0.leaf == leafIndex }) else {
            throw FabricSimulatorError.invalidArgument("\(gateway) holds no session with \(leaf)")
        }
        let t = instant(now)
        settleGroup(of: g, at: t)
        gateways[g].peerASMismatch[link] = reportedAS
        chooseCarrier(group: topology.gateways[g].group)
    }

    public func matchPeerAS(gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        let t = instant(now)
        settleGroup(of: g, at: t)
        gateways[g].peerASMismatch = [:]
        chooseCarrier(group: topology.gateways[g].group)
    }

    /// The peering's traffic stops at its source (the workloads behind it went quiet, or a
    /// firewall in front of them closed): the carrying gateway's counters stop rising, its rates
    /// read 0. BGP, routes and fail-over are untouched.
    public func stopPeeringTraffic(peering: String, now: Date? = nil) throws {
        let p = try peeringIndex(peering)
        let t = instant(now)
        for m in topology.groups[topology.peerings[p].group].members { settleTraffic(m, at: t) }
        stoppedPeerings.insert(p)
    }

    public func resumePeeringTraffic(peering: String, now: Date? = nil) throws {
        let p = try peeringIndex(peering)
        let t = instant(now)
        for m in topology.groups[topology.peerings[p].group].members { settleTraffic(m, at: t) }
        stoppedPeerings.remove(p)
    }

    /// The dataplane's state collector hangs: `status.state` (with `lastCollectedTime`) stays as
    /// it was collected at `now` while `lastHeartbeat` goes on. A dataplane restart, or
    /// `resumeCollector`, ends it.
    public func stallCollector(gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        let t = instant(now)
        guard !gateways[g].collectorStalled else { return }
        gateways[g].collectorStalled = true
        if gateways[g].appliedGeneration > 0 {
            settleTraffic(g, at: t)
            gateways[g].frozenState = statuses.collectedState(topology.gateways[g], gateways[g], stoppedPeerings: stoppedPeerings, at: t)
        }
    }

    /// The collector runs again: the next status write carries a fresh collection.
    public func resumeCollector(gateway: String, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        _ = instant(now)
        gateways[g].collectorStalled = false
        gateways[g].frozenState = nil
    }

    private func peeringIndex(_ name: String) throws(FabricSimulatorError) -> Int {
        guard let p = topology.peerings.firstIndex(where: { $0.name == name }) else { throw .unknownPeering(name) }
        return p
    }

    /// A share of the traffic the gateway carries is dropped (drop counters grow); 0 stops it.
    public func dropPackets(gateway: String, ratio: Double, now: Date? = nil) throws {
        let g = try gatewayIndex(gateway)
        guard ratio >= 0, ratio <= 1 else {
            throw FabricSimulatorError.invalidArgument("drop ratio must be between 0 and 1, got \(ratio)")
        }
        settleTraffic(g, at: instant(now))
        gateways[g].dropRatio = ratio
    }

    private func bumpRestart(_ g: Int, role: PodRole, container: String, at t: Date, failed: Bool) {
        guard var pod = gateways[g].pod(role), let i = pod.containers.firstIndex(where: { $0.name == container }) else { return }
        pod.containers[i].restartCount += 1
        if failed { pod.containers[i].lastFailureAt = t } else { pod.containers[i].startedAt = t }
        gateways[g].pods[role] = pod
    }
}
