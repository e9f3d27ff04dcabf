import Foundation
import KubeAPI
import KubeClient
import Logging

/// Executes restart actions against the API: eviction through `pods/<name>/eviction` (which
/// honours PodDisruptionBudgets), or DELETE with a uid precondition so that a replacement pod of
/// the same name is never deleted by mistake. The DaemonSet recreates the pod.
public struct PodRestarter: Sendable {
    private let client: KubeClient
    private let logger: Logger

    public init(client: KubeClient, logger: Logger = Logger(label: "gateway-medic.remediation")) {
        self.client = client
        self.logger = logger
    }

    public func execute(_ action: RemediationAction) async -> RestartResult {
        let t = action.target
        let result: RestartResult
        do {
            switch action {
            case .evict:
                try await client.evict(podNamespace: t.namespace, podName: t.pod)
                result = .evicted
            case .delete:
                let options = DeleteOptions(preconditions: t.uid.map { Preconditions(uid: $0) })
                try await client.delete(.pods, namespace: t.namespace, name: t.pod, options: options)
                result = .deleted
            }
        } catch {
            result = Self.classify(error, action: action)
        }
        logger.info("restart executed", metadata: [
            "action": "\(action.kind)", "pod": "\(t.namespace)/\(t.pod)", "role": "\(t.role.rawValue)",
            "reason": "\(t.reason)", "result": "\(result)",
        ])
        return result
    }

    /// 429 on an eviction is a disruption budget saying no; 403 is the RBAC saying no (to either
    /// kind); 404, or a 409 on a uid precondition, means the pod is already gone or replaced.
    static func classify(_ error: KubeError, action: RemediationAction) -> RestartResult {
        if error.isNotFound { return .notFound }
        if error.isForbidden {
            if case .api(let status, _, _) = error, let message = status.message { return .forbidden(message) }
            return .forbidden("the API server forbids gateway-medic to \(action.kind) the pod")
        }
        if case .evict = action, error.isTooManyRequests {
            if case .api(let status, _, _) = error, let message = status.message { return .refusedByDisruptionBudget(message) }
            return .refusedByDisruptionBudget("the eviction would violate a PodDisruptionBudget")
        }
        if case .delete = action, error.isConflict { return .notFound }
        return .failed(error.description)
    }
}
