import FabricSimulator
import Foundation
import KubeAPI
import Testing

@Suite("FabricSimulator faults")
struct FabricSimulatorFaultTests {
    /// A fabric whose dataplanes have all started and applied generation 1.
    func running() async throws -> SimulatedFabric {
        let f = try await SimulatedFabric.make()
        try await f.step(to: 10)
        return f
    }

    func session(_ f: SimulatedFabric, _ gateway: String) async throws -> JSONValue? {
        let ip = try #require(try await f.gatewayLinkIPs(gateway).first)
        return try await f.leafSessions()[ip]
    }

    @Test func stoppedHeartbeatsLeaveBGPUp() async throws {
        let f = try await running()
        try await f.simulator.stopHeartbeats(gateway: "gateway-1")
        try await f.step(to: 100)
        #expect(try await f.agentStatus("gateway-1")?["lastHeartbeat"]?.time == f.at(2))
        #expect(try await session(f, "gateway-1")?["state"] == "established")
        #expect(await f.simulator.isBGPEstablished(gateway: "gateway-1"))
        try await f.simulator.resumeHeartbeats(gateway: "gateway-1")
        try await f.step(to: 106)  // beats continue on the old schedule: 1 + 15k
        #expect(try await f.agentStatus("gateway-1")?["lastHeartbeat"]?.time == f.at(106))
    }

    @Test func rejectedConfigKeepsTheAppliedGenerationBehind() async throws {
        let f = try await running()
        try await f.simulator.rejectConfig(gateway: "gateway-1")
        try await f.simulator.bumpGeneration(gateway: "gateway-1")
        try await f.step(to: 40)
        let agent = try #require(try await f.agent("gateway-1"))
        #expect(agent[path: "metadata", "generation"] == 2)
        #expect(agent[path: "status", "lastAppliedGen"] == 1)
        #expect(agent[path: "status", "lastHeartbeat"]?.time == f.at(31))  // still heartbeating
        try await f.simulator.acceptConfig(gateway: "gateway-1", now: f.at(40))
        try await f.step(to: 41)
        #expect(try await f.agentStatus("gateway-1")?["lastAppliedGen"] == 2)
    }

    @Test func stuckFRRStaysOnTheOldGeneration() async throws {
        let f = try await running()
        try await f.simulator.stickFRR(gateway: "gateway-3")
        try await f.simulator.bumpGeneration(gateway: "gateway-3")
        try await f.step(to: 20)
        var status = try #require(try await f.agentStatus("gateway-3"))
        #expect(status["lastAppliedGen"] == 2)
        #expect(status[path: "state", "frr", "lastAppliedGen"] == 1)
        try await f.simulator.unstickFRR(gateway: "gateway-3")
        try await f.step(to: 21)
        status = try #require(try await f.agentStatus("gateway-3"))
        #expect(status[path: "state", "frr", "lastAppliedGen"] == 2)
    }

    @Test func crashLoopingDataplaneStopsHeartbeatsAndBGPThenHeals() async throws {
        let f = try await running()
        let podName = await f.simulator.podName(gateway: "gateway-1", pod: .dataplane)
        try await f.simulator.crashLoop(gateway: "gateway-1", container: .dataplane)
        try await f.step(to: 80)  // ticks at 20, 40, 80
        let pod = try #require(try await f.pod(podName))
        let container = try #require(pod[path: "status", "containerStatuses"]?.arrayValue?.first)
        #expect(container[path: "state", "waiting", "reason"] == "CrashLoopBackOff")
        #expect(container["ready"] == false)
        #expect(container["restartCount"] == 4)
        #expect(container[path: "lastState", "terminated", "reason"] == "Error")
        #expect(pod[path: "status", "phase"] == "Running")
        let ready = pod[path: "status", "conditions"]?.arrayValue?.first { $0["type"] == "Ready" }
        #expect(ready?["status"] == "False")
        #expect(try await f.agentStatus("gateway-1")?["lastHeartbeat"]?.time == f.at(2))
        #expect(try await session(f, "gateway-1")?["state"] == "active")
        #expect(try await session(f, "gateway-1")?["connDropped"] == 1)
        #expect(await f.simulator.activeGateway(group: "gw-group-1") == "gateway-2")

        try await f.simulator.heal(gateway: "gateway-1", now: f.at(85))
        let restarted = try #require(try await f.agentStatus("gateway-1"))
        #expect(restarted["lastAppliedGen"] == 0)  // init status first
        #expect(restarted["lastHeartbeat"]?.time == f.at(85))
        let healed = try #require(try await f.pod(podName)?[path: "status", "containerStatuses"]?.arrayValue?.first)
        #expect(healed[path: "state", "running", "startedAt"]?.time == f.at(85))
        #expect(healed["ready"] == true)
        #expect(healed["restartCount"] == 5)
        try await f.step(to: 101)
        #expect(try await f.agentStatus("gateway-1")?["lastAppliedGen"] == 1)
        #expect(try await session(f, "gateway-1")?["state"] == "established")
        #expect(try await session(f, "gateway-1")?["estabTrans"] == 2)
        #expect(await f.simulator.activeGateway(group: "gw-group-1") == "gateway-1")
    }

    /// Crash loop, then recovery as a kubelet reports it with a readiness probe: the container
    /// runs again (init status at once) but stays not ready until the probe passes.
    @Test func healedContainerIsNotReadyUntilItsReadinessProbePasses() async throws {
        let f = try await running()
        let podName = await f.simulator.podName(gateway: "gateway-1", pod: .dataplane)
        try await f.simulator.crashLoop(gateway: "gateway-1", container: .dataplane, now: f.at(20))
        try await f.step(to: 40)
        try await f.simulator.heal(gateway: "gateway-1", readyAfter: 25, now: f.at(45))
        func dataplane() async throws -> (container: JSONValue, ready: String?) {
            let pod = try #require(try await f.pod(podName))
            let container = try #require(pod[path: "status", "containerStatuses"]?.arrayValue?.first)
            let ready = pod[path: "status", "conditions"]?.arrayValue?.first { $0["type"] == "Ready" }
            return (container, ready?["status"]?.stringValue)
        }
        var now = try await dataplane()
        #expect(now.container[path: "state", "running", "startedAt"]?.time == f.at(45))
        #expect(now.container["ready"] == false && now.container["started"] == true && now.ready == "False")
        #expect(try await f.agentStatus("gateway-1")?["lastAppliedGen"] == 0)  // the new process's init status
        try await f.step(to: 69)
        now = try await dataplane()
        #expect(now.container["ready"] == false)
        #expect(try await f.agentStatus("gateway-1")?["lastAppliedGen"] == 1)  // applied before its probe passed
        try await f.step(to: 70)
        now = try await dataplane()
        #expect(now.container["ready"] == true && now.ready == "True")
        #expect(now.container["restartCount"] == 3)  // the crash, a tick at 30, the recovery

        // A crash before the probe passes cancels the pending readiness.
        try await f.simulator.crashLoop(gateway: "gateway-1", container: .dataplane, now: f.at(80))
        try await f.simulator.heal(gateway: "gateway-1", readyAfter: 30, now: f.at(85))
        try await f.simulator.crashLoop(gateway: "gateway-1", container: .dataplane, now: f.at(90))
        try await f.step(to: 120)
        now = try await dataplane()
        #expect(now.container["ready"] == false && now.container[path: "state", "waiting", "reason"] == "CrashLoopBackOff")
        await #expect(throws: FabricSimulatorError.self) { try await f.simulator.heal(gateway: "gateway-1", readyAfter: -1) }
    }

    @Test func crashLoopingFRRTakesBGPDownButHeartbeatsGoOn() async throws {
        let f = try await running()
        let podName = await f.simulator.podName(gateway: "gateway-2", pod: .frr)
        try await f.simulator.crashLoop(gateway: "gateway-2", container: .frr)
        try await f.step(to: 20)
        let status = try #require(try await f.agentStatus("gateway-2"))
        #expect(status["lastHeartbeat"]?.time == f.at(16))
        #expect(status[path: "state", "bgp"] == nil)
        #expect(try await session(f, "gateway-2")?["state"] == "active")
        let containers = try #require(try await f.pod(podName)?[path: "status", "containerStatuses"]?.arrayValue)
        #expect(containers.first { $0["name"] == "frr" }?[path: "state", "waiting", "reason"] == "CrashLoopBackOff")
        #expect(containers.first { $0["name"] == "frr-exporter" }?["ready"] == true)
        try await f.simulator.heal(gateway: "gateway-2", now: f.at(20))
        try await f.step(to: 32)
        #expect(try await f.agentStatus("gateway-2")?[path: "state", "bgp", "vrfs", "default"] != nil)
        #expect(try await session(f, "gateway-2")?["state"] == "established")
    }

    @Test func lostNodeMakesPodsUnknownAndComesBackRestarted() async throws {
        let f = try await running()
        let podName = await f.simulator.podName(gateway: "gateway-4", pod: .dataplane)
        try await f.simulator.nodeGone(gateway: "gateway-4")
        try await f.step(to: 60)
        let pod = try #require(try await f.pod(podName))
        #expect(pod[path: "status", "phase"] == "Unknown")
        #expect(pod[path: "status", "containerStatuses"]?.arrayValue?.first?["ready"] == false)
        #expect(try await f.agentStatus("gateway-4")?["lastHeartbeat"]?.time == f.at(2))
        #expect(try await session(f, "gateway-4")?["state"] == "active")
        try await f.simulator.nodeBack(gateway: "gateway-4", now: f.at(60))
        #expect(try await f.agentStatus("gateway-4")?["lastAppliedGen"] == 0)
        let back = try #require(try await f.pod(podName))
        #expect(back[path: "status", "phase"] == "Running")
        #expect(back[path: "status", "containerStatuses"]?.arrayValue?.first?["restartCount"] == 1)
        try await f.step(to: 61)
        #expect(try await f.agentStatus("gateway-4")?["lastAppliedGen"] == 1)
    }

    @Test func bgpDownOnBothSidesFailsOverAndRecovers() async throws {
        let f = try await running()
        try await f.simulator.bgpDown(gateway: "gateway-1")
        try await f.step(to: 31)
        let neighbors = try #require(try await f.agentStatus("gateway-1")?[path: "state", "bgp", "vrfs", "default", "neighbors"]?.objectValue)
        #expect(neighbors.values.allSatisfy { $0["sessionState"] == "active" && $0["connectionsDropped"] == 1 })
        #expect(try await session(f, "gateway-1")?["state"] == "active")
        #expect(await f.simulator.activeGateway(group: "gw-group-1") == "gateway-2")
        let backup = try await f.agentStatus("gateway-2")?[path: "state", "peerings", "vpc-01->vpc-02"]
        #expect((backup?["pps"]?.doubleValue ?? 0) > 0)
        #expect((backup?["p"]?.intValue ?? 0) > 0)
        try await f.simulator.bgpUp(gateway: "gateway-1")
        try await f.step(to: 46)
        #expect(await f.simulator.activeGateway(group: "gw-group-1") == "gateway-1")
        let again = try #require(try await f.agentStatus("gateway-1")?[path: "state", "bgp", "vrfs", "default", "neighbors"]?.objectValue)
        #expect(again.values.allSatisfy { $0["sessionState"] == "established" && $0["establishedTransitions"] == 2 })
    }

    /// Leaf maintenance: the leaves write one last status (every gateway session idle, no remote
    /// router ID) and go silent; the gateways lose every session and report them idle while
    /// heartbeating. With only some of a gateway's leaves away its sessions stay up.
    @Test func leafMaintenanceSilencesTheLeavesAndTakesTheGatewaysSessionsDown() async throws {
        let f = try await running()
        #expect(f.simulator.leaves(gateway: "gateway-1") == ["leaf-01", "leaf-02"])
        try await f.simulator.startLeafMaintenance(leaves: ["leaf-01"], now: f.at(11))
        #expect(await f.simulator.isInMaintenance(leaf: "leaf-01"))
        #expect(await f.simulator.isBGPEstablished(gateway: "gateway-1"), "leaf-02 still serves it")
        let last = try await f.leafStatus("leaf-01")
        #expect(last?["lastHeartbeat"]?.time == f.at(11))
        let reported = last?[path: "state", "bgpNeighbors", "default"]?.objectValue ?? [:]
        #expect(reported.count == 4 && reported.values.allSatisfy { $0["state"] == "idle" && $0["remoteRouterID"] == "0.0.0.0" },
                "\(reported)")

        try await f.simulator.startLeafMaintenance(leaves: ["leaf-02"], now: f.at(12))
        try await f.step(to: 100)
        #expect(try await f.leafStatus("leaf-01")?["lastHeartbeat"]?.time == f.at(11), "silent since")
        #expect(try await f.leafStatus("leaf-02")?["lastHeartbeat"]?.time == f.at(12))
        for gateway in f.simulator.gatewayNames {
            #expect(await f.simulator.isBGPEstablished(gateway: gateway) == false)
            let status = try await f.agentStatus(gateway)
            #expect((status?["lastHeartbeat"]?.time ?? .distantPast) > f.at(80), "\(gateway) keeps heartbeating")
            let neighbors = status?[path: "state", "bgp", "vrfs", "default", "neighbors"]?.objectValue ?? [:]
            #expect(neighbors.count == 2 && neighbors.values.allSatisfy { $0["sessionState"] == "idle" }, "\(neighbors)")
        }

        try await f.simulator.endLeafMaintenance(leaves: ["leaf-01", "leaf-02"], now: f.at(100))
        #expect(try await f.leafStatus("leaf-01")?["lastHeartbeat"]?.time == f.at(100), "back at once")
        #expect(await f.simulator.isBGPEstablished(gateway: "gateway-1"))
        let back = try await f.leafSessions()
        #expect(back.count == 8 && back.values.allSatisfy { $0["state"] == "established" }, "\(back)")
        try await f.step(to: 130)
        #expect((try await f.leafStatus("leaf-02")?["lastHeartbeat"]?.time ?? .distantPast) > f.at(110), "heartbeating again")
        await #expect(throws: FabricSimulatorError.unknownLeaf("leaf-99")) {
            try await f.simulator.startLeafMaintenance(leaves: ["leaf-99"])
        }
    }

    @Test func droppedPacketsShowInDropCounters() async throws {
        let f = try await running()
        try await f.simulator.dropPackets(gateway: "gateway-1", ratio: 0.25)
        try await f.step(to: 31)
        let peering = try #require(try await f.agentStatus("gateway-1")?[path: "state", "peerings", "vpc-01->vpc-02"])
        #expect((peering["d"]?.intValue ?? 0) > 0)
        #expect((try await f.agentStatus("gateway-1")?[path: "state", "vpcs", "vpc-01", "d"]?.intValue ?? 0) > 0)
        await #expect(throws: FabricSimulatorError.self) {
            try await f.simulator.dropPackets(gateway: "gateway-1", ratio: 2)
        }
    }

    @Test func deletedPodComesBackUnderANewNameAndTheDataplaneRestarts() async throws {
        let f = try await running()
        let old = try #require(await f.simulator.podName(gateway: "gateway-2", pod: .dataplane))
        try await f.store.delete(.pods, namespace: "fab", name: old)
        try await f.step(to: 14)
        #expect(try await f.agentStatus("gateway-2")?["lastAppliedGen"] == 1)
        try await f.step(to: 17)  // the sweep at 15 notices; the DaemonSet recreates at 17
        let new = try #require(await f.simulator.podName(gateway: "gateway-2", pod: .dataplane))
        #expect(new != old)
        #expect(new.hasPrefix("gw--gateway-2--dataplane-"))
        let pod = try #require(try await f.pod(new))
        #expect(pod[path: "status", "containerStatuses"]?.arrayValue?.first?["restartCount"] == 0)
        #expect(pod[path: "metadata", "creationTimestamp"]?.time == f.at(17))
        let initial = try #require(try await f.agentStatus("gateway-2"))
        #expect(initial["lastAppliedGen"] == 0)
        #expect(initial["lastHeartbeat"]?.time == f.at(17))
        try await f.step(to: 18)
        #expect(try await f.agentStatus("gateway-2")?["lastAppliedGen"] == 1)
        #expect(await f.simulator.podDeleted(namespace: "fab", name: old) == false)
    }

    @Test func deletionHookRecreatesWithoutASweep() async throws {
        let f = try await SimulatedFabric.make(sweep: nil)
        try await f.step(to: 10)
        let old = try #require(await f.simulator.podName(gateway: "gateway-1", pod: .frr))
        try await f.store.delete(.pods, namespace: "fab", name: old)
        #expect(await f.simulator.podDeleted(namespace: "fab", name: old))
        #expect(await f.simulator.isBGPEstablished(gateway: "gateway-1") == false)  // FRR went with its pod
        try await f.step(to: 12)
        let new = try #require(await f.simulator.podName(gateway: "gateway-1", pod: .frr))
        #expect(new != old && new.hasPrefix("gw--gateway-1--frr-"))
        #expect(try await f.pod(new) != nil)
        try await f.step(to: 13)  // the dataplane hands the new FRR its config
        #expect(await f.simulator.isBGPEstablished(gateway: "gateway-1"))
    }

    @Test func evictedPodMarkedForDeletionIsRemovedAndReplaced() async throws {
        let f = try await running()
        let old = try #require(await f.simulator.podName(gateway: "gateway-3", pod: .dataplane))
        var pod = try #require(try await f.pod(old))
        pod["metadata"]?["deletionTimestamp"] = .string(KubeTime.format(f.at(11)))
        _ = try await f.store.update(.pods, pod)
        try await f.step(to: 17)
        #expect(try await f.pod(old) == nil)
        let new = try #require(await f.simulator.podName(gateway: "gateway-3", pod: .dataplane))
        #expect(new != old)
    }

    @Test func unknownGatewayIsATypedError() async throws {
        let f = try await running()
        await #expect(throws: FabricSimulatorError.unknownGateway("gateway-99")) {
            try await f.simulator.crashLoop(gateway: "gateway-99", container: .frr)
        }
        await #expect(throws: FabricSimulatorError.unknownGateway("nope")) {
            try await f.simulator.stopHeartbeats(gateway: "nope")
        }
    }
}
