import Foundation
import KubeAPI

/// Which of a gateway's two DaemonSets a pod belongs to.
public enum PodRole: String, Sendable, Codable, CaseIterable {
    case dataplane, frr
}

/// The state of one container, from `status.containerStatuses[]`.
public struct ContainerStatusView: Sendable, Equatable {
    public enum State: String, Sendable, Codable { case running, waiting, terminated, unknown }
    public var name: String
    public var ready: Bool
    public var restartCount: Int64
    public var state: State
    /// `state.waiting.reason`, e.g. `CrashLoopBackOff`.
    public var waitingReason: String?
    /// `state.terminated.reason`, else `lastState.terminated.reason`.
    public var terminatedReason: String?
    /// `state.running.startedAt`.
    public var startedAt: Date?

    public init(name: String, ready: Bool, restartCount: Int64 = 0, state: State, waitingReason: String? = nil,
                terminatedReason: String? = nil, startedAt: Date? = nil) {
        self.name = name
        self.ready = ready
        self.restartCount = restartCount
        self.state = state
        self.waitingReason = waitingReason
        self.terminatedReason = terminatedReason
        self.startedAt = startedAt
    }
}

/// One entry of `status.conditions[]` of a pod (type, status and when it last changed).
public struct PodConditionView: Sendable, Equatable {
    public var type: String
    public var status: String
    public var lastTransitionTime: Date?
}

/// The fields of a gateway pod (`gw--<gateway>--dataplane-*` or `gw--<gateway>--frr-*`) the model reads.
public struct PodView: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var resourceVersion: String?
    public var uid: String?
    /// The owning DaemonSet's name (ownerReferences kind DaemonSet).
    public var ownerDaemonSet: String?
    /// Parsed from the DaemonSet name `gw--<gateway>--<role>` (else from the pod name).
    public var gatewayName: String?
    public var role: PodRole?
    public var phase: Reading<String>
    public var creationTime: Date?
    /// `status.startTime`.
    public var startTime: Date?
    /// Whether `metadata.deletionTimestamp` is set.
    public var isBeingDeleted: Bool
    /// `metadata.deletionTimestamp` (when the deletion will be forced); nil when unset or unparseable.
    public var deletionTime: Date?
    public var conditions: [PodConditionView]
    public var containers: Reading<[ContainerStatusView]>
    public var problems: [FieldProblem]

    public init(json: JSONValue) {
        var reader = FieldReader()
        let meta = MetadataFields(json, &reader)
        name = meta.name
        namespace = meta.namespace
        resourceVersion = meta.resourceVersion
        uid = meta.uid
        ownerDaemonSet = meta.ownerDaemonSet
        let parsed = meta.ownerDaemonSet.flatMap(Self.parseDaemonSetName) ?? Self.parsePodName(meta.name)
        gatewayName = parsed?.gateway
        role = parsed?.role
        phase = reader.string(json, ["status", "phase"])
        creationTime = meta.creationTime
        startTime = reader.time(json, ["status", "startTime"]).value
        isBeingDeleted = meta.deletionRequested
        deletionTime = meta.deletionTime
        conditions = []
        if let items = reader.array(json, ["status", "conditions"]).value {
            for (index, item) in items.enumerated() {
                let path = ["status", "conditions", String(index)]
                guard let type = reader.string(item, ["type"]).value, let status = reader.string(item, ["status"]).value else {
                    reader.note(path, "condition without type or status")
                    continue
                }
                var sub = FieldReader()
                let time = sub.time(item, ["lastTransitionTime"]).value
                reader.absorb(sub, under: path)
                conditions.append(PodConditionView(type: type, status: status, lastTransitionTime: time))
            }
        }
        containers = Self.readContainers(json, &reader)
        problems = reader.problems
    }

    /// `gw--<gateway>--dataplane` → (gateway, .dataplane); nil for any other name.
    public static func parseDaemonSetName(_ name: String) -> (gateway: String, role: PodRole)? {
        guard name.hasPrefix("gw--") else { return nil }
        for role in PodRole.allCases {
            let suffix = "--\(role.rawValue)"
            if name.hasSuffix(suffix) {
                let gateway = name.dropFirst(4).dropLast(suffix.count)
                return gateway.isEmpty ? nil : (String(gateway), role)
            }
        }
        return nil
    }

    /// `gw--<gateway>--frr-<suffix>` → (gateway, .frr): the DaemonSet name plus a generated suffix.
    public static func parsePodName(_ name: String) -> (gateway: String, role: PodRole)? {
        guard let dash = name.lastIndex(of: "-") else { return nil }
        return parseDaemonSetName(String(name[..<dash]))
    }

    public func condition(_ type: String) -> PodConditionView? { conditions.first { $0.type == type } }

    private static func readContainers(_ json: JSONValue, _ reader: inout FieldReader) -> Reading<[ContainerStatusView]> {
        let base = ["status", "containerStatuses"]
        switch reader.array(json, base) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .value(let items):
            var out: [ContainerStatusView] = []
            var broken = false
            for (index, item) in items.enumerated() {
                var sub = FieldReader()
                let name = sub.string(item, ["name"]).value ?? "container-\(index)"
                let ready = sub.bool(item, ["ready"])
                let restarts = sub.int(item, ["restartCount"], nonNegative: true).value ?? 0
                var state = ContainerStatusView.State.unknown
                if sub.object(item, ["state", "running"]).value != nil { state = .running }
                else if sub.object(item, ["state", "waiting"]).value != nil { state = .waiting }
                else if sub.object(item, ["state", "terminated"]).value != nil { state = .terminated }
                let terminated = sub.string(item, ["state", "terminated", "reason"]).value
                    ?? sub.string(item, ["lastState", "terminated", "reason"]).value
                out.append(ContainerStatusView(
                    name: name, ready: ready.value ?? false, restartCount: restarts, state: state,
                    waitingReason: sub.string(item, ["state", "waiting", "reason"]).value,
                    terminatedReason: terminated,
                    startedAt: sub.time(item, ["state", "running", "startedAt"]).value))
                if ready.isInvalid { broken = true }
                reader.absorb(sub, under: base + [String(index)])
            }
            return broken ? .invalid : .value(out)
        }
    }
}
