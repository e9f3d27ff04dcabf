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
    var peeringGroups: [ObjectKey: String] = [:]

    var groupsWithPeerings: Set<String> { Set(peeringGroups.values) }

    /// The group a GatewayPeering names: `spec.gatewayGroup`, `default` when unset or empty.
    static func peeringGroup(_ json: JSONValue) -> String {
        GatewayGroups.carryingPeerings([json]).first ?? GatewayGroups.defaultGroup
    }
}
