import KubeAPI

/// Where the objects gateway-medic reads and writes beyond the core API live: the Hedgehog
/// fabric's resources (as in its CRDs) and gateway-medic's own GatewayHealth. Kept out of
/// `KubeAPI`, the generic API machinery, which defines no product resource.
extension ResourceType {
    // Hedgehog fabric.
    public static let gatewayAgents = ResourceType(group: "gwint.githedgehog.com", version: "v1alpha1", kind: "GatewayAgent", plural: "gatewayagents", namespaced: true)
    public static let gateways = ResourceType(group: "gateway.githedgehog.com", version: "v1alpha1", kind: "Gateway", plural: "gateways", namespaced: true)
    public static let gatewayGroups = ResourceType(group: "gateway.githedgehog.com", version: "v1alpha1", kind: "GatewayGroup", plural: "gatewaygroups", namespaced: true)
    public static let gatewayPeerings = ResourceType(group: "gateway.githedgehog.com", version: "v1alpha1", kind: "GatewayPeering", plural: "gatewaypeerings", namespaced: true)
    public static let switchAgents = ResourceType(group: "agent.githedgehog.com", version: "v1beta1", kind: "Agent", plural: "agents", namespaced: true)

    // gateway-medic's own.
    public static let gatewayHealths = ResourceType(group: "gatewaymedic.io", version: "v1alpha1", kind: "GatewayHealth", plural: "gatewayhealths", namespaced: true)
}
