import Foundation
import HealthModel
import KubeAPI

/// One gateway's verdict from a one-shot check: who it is and its assessment.
public struct GatewayReport: Sendable, Equatable {
    public var namespace: String
    public var name: String
    public var assessment: Assessment
    /// Whether a GatewayHealth status was found and used as the previous assessment (memory).
    public var usedPreviousAssessment: Bool

    public init(namespace: String, name: String, assessment: Assessment, usedPreviousAssessment: Bool) {
        self.namespace = namespace
        self.name = name
        self.assessment = assessment
        self.usedPreviousAssessment = usedPreviousAssessment
    }

    public var state: GatewayState { assessment.state }

    /// UP and not known to be failing to forward: `check`'s verdict for the exit code. A gateway
    /// that is UP but whose `Forwarding` is False carries no traffic; Unknown does not count
    /// (the model cannot tell), and the other findings do not change the exit code.
    public var isHealthy: Bool {
        state == .up && assessment.condition(ConditionType.forwarding)?.status != "False"
    }

    /// Running, not terminating, every container ready: the PODS column's numerator.
    public var readyPods: Int {
        assessment.evidence.pods.filter { pod in
            let parts = pod.ready.split(separator: "/")
            return pod.phase == "Running" && !pod.terminating && parts.count == 2 && parts[0] == parts[1] && parts[1] != "0"
        }.count
    }

    /// The machine-readable form: the GatewayHealth status shape (state, since, reason, message,
    /// conditions, evidence, bgp, generations) with the gateway's name and namespace, without the
    /// evaluator's internal memory. It is printed at once, so it also says what the persisted
    /// status leaves out as soon outdated: the reported heartbeat while it is fresh, `nextCheck`.
    public func json() -> JSONValue {
        var object = assessment.statusJSON().objectValue ?? [:]
        object["memory"] = nil
        object["evidence"]?["heartbeat"] = assessment.evidence.heartbeat.map { .string($0) }
        object["nextCheck"] = assessment.nextCheck.map { .string(KubeTime.format($0)) }
        object["name"] = .string(name)
        object["namespace"] = .string(namespace)
        object["pods"] = .string("\(readyPods)/\(assessment.evidence.pods.count)")
        return .object(object)
    }
}

/// What a check run found: the reports, and notes about what could not be seen.
public struct CheckResult: Sendable, Equatable {
    public var reports: [GatewayReport]
    /// E.g. "switch Agents are not visible (404): liveness falls back to pod readiness".
    public var notes: [String]
    /// Gateway names asked for that do not exist (or do not match the selector).
    public var notFound: [String] = []

    public init(reports: [GatewayReport], notes: [String]) {
        self.reports = reports
        self.notes = notes
    }

    /// 0 when every gateway is UP and none's `Forwarding` is False (also for an empty fleet), 1
    /// otherwise; 2 when a gateway asked for by name was not found (its verdict could not be
    /// made). Other errors are 2, decided by the caller.
    public var exitCode: Int32 {
        if !notFound.isEmpty { return 2 }
        return reports.allSatisfy(\.isHealthy) ? 0 : 1
    }
}
