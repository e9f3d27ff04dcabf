import Foundation
import HedgehogResources
import KubeAPI

/// The fabric controller's objects, as JSON with Hedgehog's exact field names.
struct FabricObjects {
    let spec: FabricSpec
    let topology: FabricTopology

    private func metadata(_ name: String, _ namespace: String, created: Date) -> JSONValue {
        ["name": .string(name), "namespace": .string(namespace), "creationTimestamp": .string(KubeTime.format(created))]
    }

    /// Gateway.spec; the GatewayAgent carries the same object under `spec.gateway`.
    func gatewaySpec(_ g: GatewayPlan) -> JSONValue {
        var interfaces: [String: JSONValue] = [:]
        var neighbors: [JSONValue] = []
        for link in g.links {
            interfaces[link.interface] = [
                "ips": [.string("\(link.gatewayIP)/31")], "pci": .string(link.pci), "mtu": 9036,
            ]
            neighbors.append([
                "source": .string(link.interface), "ip": .string(link.leafIP.description),
                "asn": .int(topology.leaves[link.leaf].asn),
            ])
        }
        return [
            "protocolIP": .string(g.protocolIP),
            "vtepIP": .string(g.vtepIP),
            "vtepMTU": 9100,
            "asn": .int(spec.gatewayASN),
            "interfaces": .object(interfaces),
            "neighbors": .array(neighbors),
            "groups": [["name": .string(topology.groups[g.group].name), "priority": .int(g.priority)]],
            "workers": 4,
            "logs": ["default": "info"],
        ]
    }

    func gateway(_ g: GatewayPlan, created: Date) -> JSONValue {
        [
            "apiVersion": .string(ResourceType.gateways.apiVersion), "kind": "Gateway",
            "metadata": metadata(g.name, spec.fabricNamespace, created: created),
            "spec": gatewaySpec(g),
            "status": [:],
        ]
    }

    /// GatewayAgent.spec as the fabric controller builds it: the gateway's own config, the groups it
    /// belongs to with their members, the peerings those groups carry and the VPCs they join.
    func gatewayAgentSpec(_ g: GatewayPlan) -> JSONValue {
        let group = topology.groups[g.group]
        let members: [JSONValue] = group.members.map { m in
            let member = topology.gateways[m]
            return ["name": .string(member.name), "priority": .int(member.priority), "vtepIP": .string(member.vtepIP)]
        }
        var peerings: [String: JSONValue] = [:]
        var vpcs: [String: JSONValue] = [:]
        for p in group.peerings {
            let peering = topology.peerings[p]
            peerings[peering.name] = peeringSpec(peering)
            for v in [peering.vpcs.0, peering.vpcs.1] {
                let vpc = topology.vpcs[v]
                vpcs[vpc.name] = [
                    "internalID": .string(vpc.internalID), "vni": .int(vpc.vni),
                    "subnets": ["subnet-01": ["cidr": .string(vpc.subnet)]],
                ]
            }
        }
        return [
            "agentVersion": .string(spec.agentVersion),
            "config": ["fabricBFD": false],
            "gateway": gatewaySpec(g),
            "groups": .object([group.name: ["members": .array(members)]]),
            "peerings": .object(peerings),
            "vpcs": .object(vpcs),
        ]
    }

    func gatewayAgent(_ g: GatewayPlan, created: Date) -> JSONValue {
        [
            "apiVersion": .string(ResourceType.gatewayAgents.apiVersion), "kind": "GatewayAgent",
            "metadata": metadata(g.name, spec.fabricNamespace, created: created),
            "spec": gatewayAgentSpec(g),
        ]
    }

    func gatewayGroup(name: String, created: Date) -> JSONValue {
        [
            "apiVersion": .string(ResourceType.gatewayGroups.apiVersion), "kind": "GatewayGroup",
            "metadata": metadata(name, spec.fabricNamespace, created: created),
            "spec": [:], "status": [:],
        ]
    }

    /// The peering as GatewayPeering.spec and GatewayAgent.spec.peerings.<name> both hold it: the
    /// group that carries it, and each VPC's exposed subnet, the first one behind its NAT.
    func peeringSpec(_ p: PeeringPlan) -> JSONValue {
        var sides: [String: JSONValue] = [:]
        sides[topology.vpcs[p.vpcs.0].name] = ["expose": [expose(p.vpcs.0, nat: p.nat)]]
        sides[topology.vpcs[p.vpcs.1].name] = ["expose": [expose(p.vpcs.1, nat: .noNAT)]]
        return ["gatewayGroup": .string(topology.groups[p.group].name), "peering": .object(sides)]
    }

    /// One `expose[]` entry: the VPC's subnet, or with NAT the addresses it is seen as (`as`, from
    /// the VPC's pool in 100.64.0.0/10) and the kind under `nat`.
    private func expose(_ v: Int, nat: PeeringNAT) -> JSONValue {
        let vpc = topology.vpcs[v]
        let pool = FabricTopology.natBase.advanced(by: v * 256)
        func cidr(_ text: String) -> JSONValue { [["cidr": .string(text)]] }
        switch nat {
        case .noNAT:
            return ["ips": cidr(vpc.subnet)]
        case .masquerade(let idleTimeout):
            // Many hosts behind a pair of public addresses.
            return ["ips": cidr(vpc.subnet), "as": cidr("\(pool)/31"),
                    "nat": ["masquerade": ["idleTimeout": .string(idleTimeout)]]]
        case .portForward(let idleTimeout):
            // One host's SSH reachable on a public port.
            let host = vpc.subnet.replacingOccurrences(of: ".0/24", with: ".10/32")
            return ["ips": cidr(host), "as": cidr("\(pool.advanced(by: 10))/32"),
                    "nat": ["portForward": ["idleTimeout": .string(idleTimeout),
                                            "ports": [["proto": "tcp", "port": "22", "as": "2222"]]]]]
        case .static:
            // One to one: a pool as large as the subnet.
            return ["ips": cidr(vpc.subnet), "as": cidr("\(pool)/24"), "nat": ["static": [:]]]
        }
    }

    func gatewayPeering(_ p: PeeringPlan, created: Date) -> JSONValue {
        [
            "apiVersion": .string(ResourceType.gatewayPeerings.apiVersion), "kind": "GatewayPeering",
            "metadata": metadata(p.name, spec.fabricNamespace, created: created),
            "spec": peeringSpec(p), "status": [:],
        ]
    }

    /// A leaf's switch Agent, spec only; the switch agent writes its status on its heartbeat.
    func switchAgent(_ leaf: LeafPlan, created: Date) -> JSONValue {
        [
            "apiVersion": .string(ResourceType.switchAgents.apiVersion), "kind": "Agent",
            "metadata": metadata(leaf.name, spec.fabricNamespace, created: created),
            "spec": [
                "role": "server-leaf",
                "description": .string("simulated leaf \(leaf.name)"),
                "switch": [
                    "role": "server-leaf", "asn": .int(leaf.asn),
                    "protocolIP": .string(leaf.routerID + "/32"), "vtepIP": .string(leaf.vtepIP),
                ],
            ],
        ]
    }
}
