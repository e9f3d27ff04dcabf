import Foundation

/// What a reconcile asks the controller to do next (kube-rs's `Action`, controller-runtime's
/// `Result` plus terminal errors).
public enum ReconcileResult: Sendable {
    /// Success; nothing to recheck until something changes.
    case done
    /// Success; look again after this long (time-based rechecks such as heartbeat ageing).
    case requeueAfter(Duration)
    /// Success; look again at this instant.
    case requeueAt(Date)
    /// A transient failure: retried with the key's exponential backoff.
    case retry(any Error)
    /// A failure that retrying cannot fix (bad spec): logged and counted, not retried.
    case terminal(any Error)
}
