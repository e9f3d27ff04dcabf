import Foundation
import HealthModel

/// Expiry of resolved drafts for a gateway that is no longer reconciled as such (it was deleted,
/// perhaps while no instance was leading): the leader reconciles its key at `nextExpiry` and
/// removes what has expired. Gateways that exist expire theirs in `TicketPlanner.update`.
extension TicketPlanner {
    /// `.expire` for each resolved draft of `gateway` that is `resolvedTicketTTL` past its resolution.
    public static func expired(existing: [TicketDraft], gateway: GatewayKey, policy: RemediationPolicy, now: Date) -> [TicketChange] {
        existing.filter { $0.gatewayKey == gateway && isExpired($0, policy: policy, now: now) }.map { .expire(id: $0.id) }
    }

    /// When the next resolved draft of `gateway` expires (nil: none left).
    public static func nextExpiry(existing: [TicketDraft], gateway: GatewayKey, policy: RemediationPolicy, now: Date) -> Date? {
        existing.filter { $0.gatewayKey == gateway && $0.status == .resolved }
            .compactMap { $0.resolvedAt?.addingTimeInterval(policy.resolvedTicketTTL) }
            .filter { $0 > now.wholeSeconds }.min()
    }

    static func isExpired(_ draft: TicketDraft, policy: RemediationPolicy, now: Date) -> Bool {
        guard draft.status == .resolved, let at = draft.resolvedAt else { return false }
        return now.wholeSeconds.timeIntervalSince(at) >= policy.resolvedTicketTTL
    }
}
