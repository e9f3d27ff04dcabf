import ControllerKit
import HealthModel
import KubeAPI
import Remediation

/// A Gateway as the gateways informer caches it: the health model's view plus the one annotation
/// remediation reads (`gatewaymedic.io/paused`), which the view does not keep.
public struct AnnotatedGateway: Sendable {
    public var view: GatewayView
    public var paused: Bool

    public init(view: GatewayView, paused: Bool) {
        self.view = view
        self.paused = paused
    }

    public init(json: JSONValue) {
        self.init(view: GatewayView(json: json), paused: GatewayGroups.isPaused(object: json))
    }
}

/// What remediation needs beyond the health inputs: which Gateways carry the pause annotation
/// and which gateway groups carry peerings (one group name per GatewayPeering).
struct RemediationFacts: Sendable {
    var pausedGateways: Set<ObjectKey> = []
    private(set) var peeringGroups: [ObjectKey: String] = [:]
    /// Kept in step with `peeringGroups` (every reconcile reads it: rebuilding it from thousands
    /// of peerings each time cost more than the evaluation).
    private(set) var groupsWithPeerings: Set<String> = []
    private var peeringsPerGroup: [String: Int] = [:]

    /// Records the group a peering names (nil: the peering is gone); returns the groups that
    /// started or stopped carrying peerings.
    mutating func setPeering(_ key: ObjectKey, group: String?) -> [String] {
        let old = peeringGroups[key]
        guard old != group else { return [] }
        peeringGroups[key] = group
        var changed: [String] = []
        if let old {
            peeringsPerGroup[old, default: 0] -= 1
            if peeringsPerGroup[old] ?? 0 <= 0 {
                peeringsPerGroup[old] = nil
                groupsWithPeerings.remove(old)
                changed.append(old)
            }
        }
        if let group {
            peeringsPerGroup[group, default: 0] += 1
            if groupsWithPeerings.insert(group).inserted { changed.append(group) }
        }
        return changed
    }

    /// The group a GatewayPeering names: `spec.gatewayGroup`, `default` when unset or empty.
    static func peeringGroup(_ json: JSONValue) -> String {
        GatewayGroups.carryingPeerings([json]).first ?? GatewayGroups.defaultGroup
    }
}
