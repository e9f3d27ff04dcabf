import Foundation
import KubeAPI

/// Which of a gateway's two DaemonSets a pod belongs to.
public enum PodRole: String, Sendable, Codable, CaseIterable {
    case dataplane, frr
}

/// The state of one container, from `status.containerStatuses[]`.
public struct ContainerStatusView: Sendable, Equatable {
    public enum State: String, Sendable, Codable { case running, waiting, terminated, unknown }
    // The one-byte fields last: between the 8-byte ones each took a padded 8 (a stride of 88
    // bytes rather than 72, in every cached pod's containers array).
    public var name: String
    public var restartCount: Int64
    /// `state.waiting.reason`, e.g. `CrashLoopBackOff`.
    public var waitingReason: String?
    /// `state.terminated.reason`, else `lastState.terminated.reason`.
    public var terminatedReason: String?
    /// `state.running.startedAt`.
    public var startedAt: Date?
    public var ready: Bool
    public var state: State

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
/// Immutable; its fields are shared by every copy (`SharedFields`).
public struct PodView: Sendable, Equatable {
    /// Laid out for size (20,000 are kept at 10,000 gateways): the 16- and 8-byte fields first,
    /// the instants as `Instant`s (8 bytes, where a `Date?` took 16 with its padding), the two
    /// conditions without their types (known from the slot), the one-byte fields last. 204
    /// bytes where the plain layout took 296.
    private struct Fields: Sendable, Equatable {
        var name = "", namespace = ""
        var resourceVersion: String?, gatewayName: String?
        /// The owning DaemonSet's name when it is not a gateway's.
        var otherOwner: String?
        var phase: Reading<String> = .absent
        /// The two conditions the model reads, inline (an array of them cost a second
        /// allocation): their statuses (nil when the pod has no such condition) and
        /// last transition times.
        var readyStatus: String?, containersReadyStatus: String?
        var containers: Reading<[ContainerStatusView]> = .absent
        var problems: [FieldProblem] = []
        var creationTime = Instant(nil), startTime = Instant(nil), deletionTime = Instant(nil)
        var readyTransition = Instant(nil), containersReadyTransition = Instant(nil)
        var uid: StoredUID?
        /// The owner's name is `gw--<gatewayName>--<role>` (then it is not kept: rebuilt on read).
        var ownedByGatewayDaemonSet = false
        var role: PodRole?
        var isBeingDeleted = false
    }

    /// A `Date?` in 8 bytes: nil is a NaN bit pattern no parsed time has (a time read from
    /// RFC 3339 text is finite). Compared by bits, so that nil equals nil.
    struct Instant: Sendable, Equatable {
        private static let absentBits: UInt64 = 0x7FF8_DEAD_0000_0001
        private let bits: UInt64

        init(_ date: Date?) {
            bits = date.map { $0.timeIntervalSinceReferenceDate.bitPattern } ?? Self.absentBits
        }

        var date: Date? {
            bits == Self.absentBits ? nil : Date(timeIntervalSinceReferenceDate: Double(bitPattern: bits))
        }
    }

    private let box: SharedFields<Fields>

    public var name: String { box.fields.name }
    public var namespace: String { box.fields.namespace }
    public var resourceVersion: String? { box.fields.resourceVersion }
    public var uid: String? { box.fields.uid?.text }
    /// The owning DaemonSet's name (ownerReferences kind DaemonSet).
    public var ownerDaemonSet: String? {
        let f = box.fields
        guard f.ownedByGatewayDaemonSet, let gateway = f.gatewayName, let role = f.role else { return f.otherOwner }
        return "gw--\(gateway)--\(role.rawValue)"
    }
    /// Parsed from the DaemonSet name `gw--<gateway>--<role>` (else from the pod name).
    public var gatewayName: String? { box.fields.gatewayName }
    public var role: PodRole? { box.fields.role }
    public var phase: Reading<String> { box.fields.phase }
    public var creationTime: Date? { box.fields.creationTime.date }
    /// `status.startTime`.
    public var startTime: Date? { box.fields.startTime.date }
    /// Whether `metadata.deletionTimestamp` is set.
    public var isBeingDeleted: Bool { box.fields.isBeingDeleted }
    /// `metadata.deletionTimestamp` (when the deletion will be forced); nil when unset or unparseable.
    public var deletionTime: Date? { box.fields.deletionTime.date }
    /// The conditions the model reads (Ready, ContainersReady); the others are checked, not kept.
    public var conditions: [PodConditionView] { [condition("Ready"), condition("ContainersReady")].compactMap { $0 } }
    public var containers: Reading<[ContainerStatusView]> { box.fields.containers }
    public var problems: [FieldProblem] { box.fields.problems }

    public static func == (a: PodView, b: PodView) -> Bool { SharedFields.same(a.box, b.box) }

    public init(json: JSONValue) {
        var reader = FieldReader()
        var f = Fields()
        let meta = MetadataFields(json, &reader)
        f.name = meta.name
        f.namespace = meta.namespace
        f.resourceVersion = meta.resourceVersion
        f.uid = StoredUID(meta.uid)
        let fromOwner = meta.ownerDaemonSet.flatMap(Self.parseDaemonSetName)
        let parsed = fromOwner ?? Self.parsePodName(meta.name)
        f.ownedByGatewayDaemonSet = fromOwner != nil
        f.otherOwner = fromOwner == nil ? meta.ownerDaemonSet : nil
        f.gatewayName = parsed?.gateway
        f.role = parsed?.role
        f.phase = reader.string(json, ["status", "phase"])
        f.creationTime = Instant(meta.creationTime)
        f.startTime = Instant(reader.time(json, ["status", "startTime"]).value)
        f.isBeingDeleted = meta.deletionRequested
        f.deletionTime = Instant(meta.deletionTime)
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
                switch type {
                case "Ready" where f.readyStatus == nil:
                    f.readyStatus = status
                    f.readyTransition = Instant(time)
                case "ContainersReady" where f.containersReadyStatus == nil:
                    f.containersReadyStatus = status
                    f.containersReadyTransition = Instant(time)
                default: break
                }
            }
        }
        f.containers = Self.readContainers(json, &reader)
        f.problems = reader.problems
        box = SharedFields(f)
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

    public func condition(_ type: String) -> PodConditionView? {
        let f = box.fields
        switch type {
        case "Ready":
            return f.readyStatus.map { PodConditionView(type: type, status: $0, lastTransitionTime: f.readyTransition.date) }
        case "ContainersReady":
            return f.containersReadyStatus.map {
                PodConditionView(type: type, status: $0, lastTransitionTime: f.containersReadyTransition.date)
            }
        default:
            return nil
        }
    }

    private static func readContainers(_ json: JSONValue, _ reader: inout FieldReader) -> Reading<[ContainerStatusView]> {
        let base = ["status", "containerStatuses"]
        switch reader.array(json, base) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .value(let items):
            var out: [ContainerStatusView] = []
            // Exactly one slot per container: kept by every cached pod (20,000 at 10,000 gateways),
            // where growing by appends left up to half the slots empty.
            out.reserveCapacity(items.count)
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
