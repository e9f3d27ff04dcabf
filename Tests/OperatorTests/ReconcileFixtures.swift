import ControllerKit
import Foundation
import HealthModel
import KubeAPI
import KubeClient
@testable import OperatorRuntime

/// A healthy gateway `gw-1` as raw objects, around a fixed instant.
enum RFx {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static func ts(_ offset: Double) -> JSONValue { .string(KubeTime.format(t0.addingTimeInterval(offset))) }
    static let key = ObjectKey(namespace: "default", name: "gw-1")

    static func gateway() -> JSONValue {
        ["metadata": ["name": "gw-1", "namespace": "default", "resourceVersion": "1", "generation": 1, "creationTimestamp": ts(-3600)],
         "spec": ["protocolIP": "172.30.8.0/32", "neighbors": [["source": "eth1", "ip": "172.30.128.12", "asn": 65100]]]]
    }

    /// The GatewayAgent with a heartbeat at `beat`, counters grown with it, BGP as given.
    static func agent(beat: Double, bgp: String = "established", rv: String = "2") -> JSONValue {
        let packets = Int64(10_000 + beat * 100)
        return [
            "metadata": ["name": "gw-1", "namespace": "default", "uid": "agent-uid-1", "resourceVersion": .string(rv),
                         "generation": 1, "creationTimestamp": ts(-3600)],
            "spec": ["gateway": ["protocolIP": "172.30.8.0/32"]],
            "status": [
                "lastHeartbeat": ts(beat), "lastAppliedGen": 1, "lastAppliedTime": ts(-3000),
                "state": [
                    "lastCollectedTime": ts(beat),
                    "frr": ["lastAppliedGen": 1],
                    "bgp": ["vrfs": ["default": ["neighbors": ["172.30.128.12": [
                        "enabled": true, "sessionState": .string(bgp), "remoteRouterID": "172.30.1.1",
                        "establishedTransitions": 1, "connectionsDropped": 0,
                        "ipv4UnicastPrefixes": ["received": 4, "sent": 1]]]]]],
                    "vpcs": ["vpc-01": ["p": .int(packets), "b": .int(packets * 700), "d": 0]],
                ],
            ],
        ]
    }

    static func pod(_ role: String) -> JSONValue {
        let containers: [JSONValue] = role == "frr" ? ["frr", "frr-exporter"].map(container) : [container("dataplane")]
        return [
            "metadata": ["name": .string("gw--gw-1--\(role)-abcde"), "namespace": "fab", "resourceVersion": "3",
                         "creationTimestamp": ts(-3500),
                         "ownerReferences": [["apiVersion": "apps/v1", "kind": "DaemonSet", "name": .string("gw--gw-1--\(role)")]]],
            "status": ["phase": "Running", "startTime": ts(-3500),
                       "conditions": [["type": "Ready", "status": "True", "lastTransitionTime": ts(-3400)]],
                       "containerStatuses": .array(containers)],
        ]
    }

    static func container(_ name: String) -> JSONValue {
        ["name": .string(name), "ready": true, "restartCount": 0, "state": ["running": ["startedAt": ts(-3500)]]]
    }

    static func inputs(beat: Double, bgp: String = "established") -> GatewayInputs {
        GatewayInputs(gateway: GatewayView(json: gateway()), agent: GatewayAgentView(json: agent(beat: beat, bgp: bgp)),
                      pods: [PodView(json: pod("dataplane")), PodView(json: pod("frr"))], switchAgents: [], switchAgentsVisible: false)
    }

    /// Evaluations at heartbeats 0, 15, 30, … each with the previous as memory.
    static func evaluations(_ count: Int, bgp: String = "established") -> [Assessment] {
        var result: [Assessment] = []
        for i in 0..<count {
            let beat = Double(i) * 15
            result.append(HealthEvaluator.evaluate(inputs(beat: beat, bgp: bgp), previous: result.last, policy: .default,
                                                   now: t0.addingTimeInterval(beat + 2)))
        }
        return result
    }
}

/// A GatewayHealth writer that keeps what it was asked to write.
actor RecordingHealthWriter: GatewayHealthWriter {
    private(set) var created: [JSONValue] = []
    private(set) var patches: [JSONValue] = []
    private var version = 100
    var failNext = false
    /// The next status write is applied, but its answer is lost (a cut connection).
    var loseNextAnswer = false

    func setFailNext(_ value: Bool) { failNext = value }
    func setLoseNextAnswer(_ value: Bool) { loseNextAnswer = value }

    func create(_ object: JSONValue, namespace: String) async throws -> JSONValue {
        version += 1
        created.append(object)
        var stored = object
        stored["metadata"]?["resourceVersion"] = .string(String(version))
        stored["metadata"]?["generation"] = 1  // as the API server sets it on create
        return stored
    }

    func patchStatus(namespace: String, name: String, patch: JSONValue, summary: String) async throws -> JSONValue {
        if failNext {
            failNext = false
            throw Status(message: "injected", code: 500)
        }
        version += 1
        patches.append(patch)
        if loseNextAnswer {
            loseNextAnswer = false
            throw KubeError.transport(url: "https://emulator", message: "connection cut")
        }
        return ["metadata": ["name": .string(name), "namespace": .string(namespace), "resourceVersion": .string(String(version))]]
    }
}
