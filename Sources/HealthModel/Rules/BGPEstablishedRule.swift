import Foundation

/// BGPEstablished: every enabled neighbour, and every neighbour in the Gateway's spec.neighbors,
/// is established, with the peer AS the spec expects (docs §3.6).
struct BGPEstablishedFinding {
    var draft: ConditionDraft
    var neighbors: [NeighborEvidence]
    var established: Int
    var total: Int
}

struct BGPEstablishedRule: HealthRule {
    let condition = ConditionType.bgpEstablished
    let docSection = "§3.6"
    let reasons = ["AllEstablished", "NeighborsNotEstablished", "PeerASMismatch", "SessionStateInvalid", "BGPStateMissing", "BGPStateInvalid", "NoNeighbors", "StateNotCollected"]
    let events = [ConditionEvent(when: "False", .warning, reason: "BGPSessionDown")]
    // The heartbeat and `lastCollectedTime` (a counter input) for StateNotCollected alone.
    let reads: Set<RuleInput> = [.gatewaySpec, .agentBGP, .agentHeartbeat, .agentCounters]
    // The advance refuses a heartbeat no longer fresh for the same reason and a stalled collector.
    let judgedByHeartbeatAdvance = true
    let fields: [OwnedField] = [.evidence("bgpEstablished"), .evidence("bgpTotal"), .evidence("neighbors")]

    func evaluate(_ context: inout RuleContext) -> RuleOutcome {
        let agent = context.inputs.agent
        let expected = context.inputs.gateway?.neighbors ?? agent?.expectedNeighbors ?? []
        let finding = Self.evaluate(agent, expected: expected)
        context.evidence.bgpEstablished = finding.established
        context.evidence.bgpTotal = finding.total
        context.evidence.neighbors = finding.neighbors
        if let stalled = StateCollection.notCollected(context) { return RuleOutcome(.unknown(condition, StateCollection.reason, stalled)) }
        return RuleOutcome(finding.draft)
    }

    static func evaluate(_ agent: GatewayAgentView?, expected: [ExpectedNeighbor]) -> BGPEstablishedFinding {
        let type = ConditionType.bgpEstablished
        let expectedIPs = Set(expected.map(\.ip))
        let expectedText = expected.isEmpty ? "" : " (expected: \(expected.map(\.ip).sorted().joined(separator: ", ")))"
        let reported: [BGPNeighborView]
        switch agent?.bgpNeighbors ?? .absent {
        case .absent:
            return BGPEstablishedFinding(draft: .unknown(type, "BGPStateMissing", "the GatewayAgent reports no status.state.bgp\(expectedText)"),
                                         neighbors: [], established: 0, total: expected.count)
        case .invalid:
            return BGPEstablishedFinding(draft: .unknown(type, "BGPStateInvalid", "status.state.bgp is malformed\(expectedText)"),
                                         neighbors: [], established: 0, total: expected.count)
        case .value(let list): reported = list
        }
        var table: [NeighborEvidence] = []
        for n in reported where n.enabled != false || expectedIPs.contains(n.address) {
            let state: String
            switch n.sessionState {
            case .value(let s): state = n.enabled == false ? "\(s.rawValue), disabled" : s.rawValue
            case .invalid: state = "invalid"
            case .absent: state = "unreported"
            }
            table.append(NeighborEvidence(vrf: n.vrf, address: n.address, state: state, expected: expectedIPs.contains(n.address),
                                          enabled: n.enabled, established: n.sessionState.value == .established && n.enabled != false))
        }
        let reportedIPs = Set(reported.map(\.address))
        for ip in expected.map(\.ip).sorted() where !reportedIPs.contains(ip) {
            table.append(NeighborEvidence(vrf: nil, address: ip, state: "absent", expected: true, enabled: nil, established: false))
        }
        let established = table.filter(\.established).count
        let total = table.count
        let others = table.filter { !$0.established }
        let othersText = others.map { "\($0.address) (\($0.state == "absent" ? "absent: in spec.neighbors, not in status" : $0.state))" }
            .joined(separator: ", ")
        let finding = { (draft: ConditionDraft) in
            BGPEstablishedFinding(draft: draft, neighbors: table, established: established, total: total)
        }
        if total == 0 {
            return finding(.unknown(type, "NoNeighbors", "no BGP neighbours are expected or reported"))
        }
        // A session whose peer AS is not the one spec.neighbors names talks to the wrong router
        // (or FRR was configured from another spec): a definite fault, though not a session down.
        let expectedAS = Dictionary(expected.compactMap { n in n.asn.map { (n.ip, $0) } }, uniquingKeysWith: { first, _ in first })
        let mismatches = reported.compactMap { n -> String? in
            guard let want = expectedAS[n.address], let got = n.peerAS, got != want else { return nil }
            return "\(n.address) (peerAS \(got), spec.neighbors asn \(want))"
        }
        let mismatchText = mismatches.isEmpty ? "" : "; peer AS mismatch: \(mismatches.joined(separator: ", "))"
        let definite = others.filter { $0.state != "invalid" && $0.state != "unreported" }
        if !definite.isEmpty {
            return finding(.isFalse(type, "NeighborsNotEstablished", "\(established)/\(total) established; not established: \(othersText)\(mismatchText)"))
        }
        if !mismatches.isEmpty {
            let unreadable = others.isEmpty ? "" : "; state not readable: \(othersText)"
            return finding(.isFalse(type, "PeerASMismatch", "\(established)/\(total) established\(mismatchText)\(unreadable)"))
        }
        if !others.isEmpty {
            return finding(.unknown(type, "SessionStateInvalid", "\(established)/\(total) established; state not readable: \(othersText)"))
        }
        return finding(.isTrue(type, "AllEstablished", "\(established)/\(total) established: \(table.map(\.address).joined(separator: ", "))"))
    }
}
