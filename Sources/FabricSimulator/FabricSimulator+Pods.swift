import Foundation
import KubeAPI

/// The gateway pods: created like a DaemonSet does, reported like a kubelet does, and recreated
/// after a deletion or eviction.
extension FabricSimulator {
    /// Tells the simulator that someone deleted (or evicted) a pod, so the DaemonSet-like
    /// recreation starts at once instead of at the next sweep. Returns false for pods that are
    /// not a current gateway pod.
    @discardableResult
    public func podDeleted(namespace: String, name: String) -> Bool {
        guard namespace == spec.gatewayNamespace, let owner = podOwners[name] else { return false }
        podGone(owner.gateway, role: owner.role, at: currentTime)
        return true
    }

    func createPod(_ g: Int, role: PodRole, at t: Date) async throws {
        let gateway = topology.gateways[g].name
        podIncarnations += 1
        var pod = SimPod(
            role: role, name: "\(PodObjects.daemonSetName(gateway: gateway, role: role))-\(random.podSuffix())",
            at: t, incarnation: podIncarnations)
        // A pod recreated while its node is gone is scheduled there but cannot start.
        pod.pending = gateways[g].nodeGone
        pod.ready = !pod.pending && !gateways[g].crashing.contains(where: { role.containers.contains($0.rawValue) })
        gateways[g].pods[role] = pod
        podOwners[pod.name] = (g, role)
        let uid = daemonSetUIDs[g][role] ?? ""
        _ = try await store.create(.pods, podObjects.pod(pod, gateway: gateway, daemonSetUID: uid))
        try await writePodStatus(g, role: role, at: t)
    }

    /// The kubelet's (or, with the node gone, the node controller's) view of the pod.
    func writePodStatus(_ g: Int, role: PodRole, at t: Date) async throws {
        guard var pod = gateways[g].pod(role) else { return }
        let rt = gateways[g]
        let crashing = Set(rt.crashing.map(\.rawValue)).intersection(role.containers)
        let probing = Set(rt.awaitingReadiness.map(\.rawValue)).intersection(role.containers)
        let ready = !pod.pending && !rt.nodeGone && crashing.isEmpty && probing.isEmpty
        if ready != pod.ready {
            pod.ready = ready
            pod.readyChangedAt = t
            gateways[g].pods[role] = pod
        }
        let backoff = rt.crashing.compactMap { rt.crashBackoff[$0] }.max() ?? spec.timing.crashLoopBackoff
        let status = podObjects.status(pod, crashing: crashing, awaitingReadiness: probing, nodeGone: rt.nodeGone, backoff: backoff)
        _ = try await store.updateStatus(.pods, namespace: spec.gatewayNamespace, name: pod.name, status: status)
    }

    /// A pod disappeared: its processes are gone; the DaemonSet recreates it after a delay.
    func podGone(_ g: Int, role: PodRole, at t: Date) {
        guard let pod = gateways[g].pod(role) else { return }
        gateways[g].pods[role]?.exists = false
        podOwners[pod.name] = nil
        // The replacement's containers start afresh: no readiness pending from this pod.
        gateways[g].awaitingReadiness.subtract(GatewayContainer.allCases.filter { role.containers.contains($0.rawValue) })
        if role == .dataplane {
            stopDataplane(g, at: t)
        } else {
            gateways[g].frrAppliedGeneration = nil
            refreshBGP(g, at: t)
        }
        queue.push(.recreatePod(gateway: g, role: role), at: t.addingTimeInterval(spec.timing.podRecreateDelay))
    }

    /// The DaemonSet's replacement: a new name, restart counts at zero, processes starting fresh.
    func recreatePod(_ g: Int, role: PodRole, at t: Date) async throws {
        guard gateways[g].pod(role) == nil else { return }
        try await createPod(g, role: role, at: t)
        switch role {
        case .dataplane:
            if gateways[g].dataplaneCanRun { try await startDataplane(g, at: t) }
        case .frr:
            // The new FRR has no configuration until the dataplane pushes it again.
            if gateways[g].frrRunning { scheduleReconcile(g, at: t.addingTimeInterval(spec.timing.applyDelay)) }
        }
    }

    /// Notices pods deleted behind the simulator's back. A pod marked for deletion is removed,
    /// as its kubelet would once the containers stopped.
    func sweepPods(at t: Date) async throws {
        let mark = podIncarnations
        let listed = try await store.list(.pods, namespace: spec.gatewayNamespace)
        var present = Set<String>()
        present.reserveCapacity(listed.count)
        for pod in listed {
            guard let name = pod[path: "metadata", "name"]?.stringValue else { continue }
            if pod[path: "metadata", "deletionTimestamp"].map({ !$0.isNull }) == true, podOwners[name] != nil {
                do {
                    try await store.delete(.pods, namespace: spec.gatewayNamespace, name: name)
                } catch let error as FabricStoreError {
                    if case .notFound = error {} else { throw error }
                }
                continue
            }
            present.insert(name)
        }
        for g in gateways.indices {
            for role in PodRole.allCases {
                guard let pod = gateways[g].pod(role), pod.incarnation <= mark, !present.contains(pod.name) else { continue }
                podGone(g, role: role, at: t)
            }
        }
    }
}
