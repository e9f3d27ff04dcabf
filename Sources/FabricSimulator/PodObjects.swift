import Foundation
import KubeAPI

/// The gateway pods as the DaemonSet controller creates them and the kubelet reports them.
struct PodObjects {
    let spec: FabricSpec

    static func daemonSetName(gateway: String, role: PodRole) -> String { "gw--\(gateway)--\(role.rawValue)" }

    func image(_ container: String) -> String {
        switch container {
        case "dataplane": "ghcr.io/githedgehog/dataplane:\(spec.dataplaneVersion)"
        case "frr": "ghcr.io/githedgehog/dataplane/frr:\(spec.dataplaneVersion)"
        default: "ghcr.io/githedgehog/dataplane/frr-exporter:\(spec.dataplaneVersion)"
        }
    }

    func pod(_ pod: SimPod, gateway: String, daemonSetUID: String) -> JSONValue {
        let owner = Self.daemonSetName(gateway: gateway, role: pod.role)
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(pod.name),
                "namespace": .string(spec.gatewayNamespace),
                "creationTimestamp": .string(KubeTime.format(pod.createdAt)),
                "labels": [
                    "app.kubernetes.io/name": .string(owner),
                    "app.kubernetes.io/component": "gateway",
                    "pod-template-generation": "1",
                ],
                "ownerReferences": [[
                    "apiVersion": "apps/v1", "kind": "DaemonSet", "name": .string(owner),
                    "uid": .string(daemonSetUID), "controller": true, "blockOwnerDeletion": true,
                ]],
            ],
            "spec": [
                "nodeName": .string(gateway),
                "hostNetwork": true,
                "restartPolicy": "Always",
                "containers": .array(pod.containers.map { c -> JSONValue in ["name": .string(c.name), "image": .string(image(c.name))] }),
            ],
        ]
    }

    /// Pod.status. `crashing` names the containers in CrashLoopBackOff, `awaitingReadiness` the
    /// running ones whose readiness probe has not passed yet; `nodeGone` means the kubelet
    /// stopped reporting, so the node controller marked the pod NodeLost.
    func status(_ pod: SimPod, crashing: Set<String>, awaitingReadiness: Set<String> = [], nodeGone: Bool, backoff: TimeInterval) -> JSONValue {
        let ready = pod.ready
        let changed = JSONValue.string(KubeTime.format(pod.readyChangedAt))
        let created = JSONValue.string(KubeTime.format(pod.createdAt))
        func condition(_ type: String, _ ok: Bool, _ at: JSONValue) -> JSONValue {
            var c: JSONValue = ["type": .string(type), "status": ok ? "True" : "False", "lastTransitionTime": at]
            if !ok { c["reason"] = pod.pending ? "ContainersNotReady" : (nodeGone ? "NodeLost" : "ContainersNotReady") }
            return c
        }
        let containers: [JSONValue] = pod.containers.map { c in
            let isCrashing = crashing.contains(c.name)
            let state: JSONValue
            if pod.pending {
                state = ["waiting": ["reason": "ContainerCreating"]]
            } else if isCrashing {
                state = ["waiting": [
                    "reason": "CrashLoopBackOff",
                    "message": .string("back-off \(Int(backoff))s restarting failed container=\(c.name) pod=\(pod.name)"),
                ]]
            } else {
                state = ["running": ["startedAt": .string(KubeTime.format(c.startedAt))]]
            }
            var status: JSONValue = [
                "name": .string(c.name), "image": .string(image(c.name)),
                "ready": .bool(!pod.pending && !nodeGone && !isCrashing && !awaitingReadiness.contains(c.name)),
                "started": .bool(!pod.pending && !isCrashing),
                "restartCount": .int(Int64(c.restartCount)),
                "state": state, "lastState": [:],
            ]
            if let failed = c.lastFailureAt {
                status["lastState"] = ["terminated": [
                    "exitCode": 1, "reason": "Error",
                    "startedAt": .string(KubeTime.format(min(c.startedAt, failed))),
                    "finishedAt": .string(KubeTime.format(failed)),
                ]]
            }
            return status
        }
        var status: JSONValue = [
            "phase": .string(pod.pending ? "Pending" : (nodeGone ? "Unknown" : "Running")),
            "conditions": [
                condition("PodScheduled", true, created),
                condition("Initialized", true, created),
                condition("ContainersReady", ready, changed),
                condition("Ready", ready, changed),
            ],
            "startTime": created,
            "containerStatuses": .array(containers),
        ]
        if nodeGone, !pod.pending {
            status["reason"] = "NodeLost"
            status["message"] = "Node is not responding"
        }
        return status
    }
}
