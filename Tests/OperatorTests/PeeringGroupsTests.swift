import ControllerKit
import HealthModel
import KubeAPI
import Remediation
@testable import OperatorRuntime
import Testing

/// Peering changes re-judge only the gateways whose group changed whether it carries peerings.
@Suite struct PeeringGroupsTests {
    func gateway(_ name: String, groups: [String]) -> AnnotatedGateway {
        AnnotatedGateway(json: ["metadata": ["name": .string(name), "namespace": "fab"],
                                "spec": ["groups": .array(groups.map { ["name": .string($0)] })]])
    }

    @Test func onlyMembersOfAGroupThatGainedOrLostPeeringsAreEnqueued() async {
        let fleet = FleetState()
        let g1 = ObjectKey(namespace: "fab", name: "gw-1"), g2 = ObjectKey(namespace: "fab", name: "gw-2")
        _ = fleet.apply(ObjectChange.added(g1, gateway("gw-1", groups: ["ga"])))
        _ = fleet.apply(ObjectChange.added(g2, gateway("gw-2", groups: ["gb"])))
        let p1 = ObjectKey(namespace: "fab", name: "p1"), p2 = ObjectKey(namespace: "fab", name: "p2")
        #expect(fleet.apply(peering: .added(p1, "ga")) == [g1])
        #expect(fleet.apply(peering: .added(p2, "ga")).isEmpty, "ga already carries peerings")
        #expect(fleet.groupsWithPeerings == ["ga"])
        #expect(fleet.apply(peering: .deleted(p1, "ga")).isEmpty, "p2 still names ga")
        #expect(fleet.apply(peering: .updated(p2, old: "ga", new: "gb")).sorted() == [g1, g2])
        #expect(fleet.groupsWithPeerings == ["gb"])
        let all = fleet.apply(peering: .added(p1, GatewayGroups.defaultGroup))
        #expect(Set(all) == [g1, g2], "every gateway is in the default group")
        // A gateway that leaves a group is no longer its member.
        _ = fleet.apply(ObjectChange.updated(g2, old: gateway("gw-2", groups: ["gb"]), new: gateway("gw-2", groups: [])))
        #expect(fleet.apply(peering: .deleted(p2, "gb")).isEmpty)
    }
}
