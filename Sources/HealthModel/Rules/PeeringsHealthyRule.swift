import Foundation
import KubeAPI

/// PeeringsHealthy: every peering the gateway should carry — its GatewayAgent's `spec.peerings`
/// whose `gatewayGroup` is one of its groups — is reported where it must be, drops on it stay
/// below the threshold, and its traffic has not stopped on the active member (docs §3.10).
struct PeeringsHealthyRule: HealthRule {
    let condition = ConditionType.peeringsHealthy
    let docSection = "§3.10"
    let reasons = ["AllPeeringsHealthy", "NoPeeringsExpected", "PeeringNotReported", "PeeringDrops", "PeeringTrafficStopped",
                   "CounterInvalid", "StateNotReported", "StateNotCollected"]
    let events = [ConditionEvent(when: "False", .warning, reason: "PeeringDown"),
                  ConditionEvent(when: "True", from: "False", .normal, reason: "PeeringRecovered")]
    let reads: Set<RuleInput> = [.gatewaySpec, .agentHeartbeat, .agentBGP, .agentCounters, .switchAgents, .groupPeers]
    // The advance refuses a stalled heartbeat or collector and a peering that starts rising or whose last rise grows old.
    let judgedByHeartbeatAdvance = true
    /// The last rise of each peering moves with every collection that carries traffic.
    let fields: [OwnedField] = [.memory("peeringRises", volatile: true) { $0.peeringRises = [:] }]
    /// A collection seen again repeats the previous drop verdict (as TrafficHealthy does).
    let readsPreviousMessage = true

    func evaluate(_ context: inout RuleContext) -> RuleOutcome {
        let type = condition
        let policy = context.policy, now = context.now, memory = context.memory
        context.newMemory.peeringRises = memory.peeringRises
        guard let agent = context.inputs.agent else {
            return RuleOutcome(.unknown(type, "StateNotReported", "no GatewayAgent: the peerings expected of the gateway are not known"))
        }
        let expected = PeeringGroup.expectedPeerings(context.inputs)
        guard !expected.isEmpty else {
            context.newMemory.peeringRises = [:]
            let groups = PeeringGroup.memberships(context.inputs.gateway).keys.sorted().joined(separator: ", ")
            return RuleOutcome(.isTrue(type, "NoPeeringsExpected", "no spec.peerings entry of the GatewayAgent is carried by its groups (\(groups))"))
        }
        guard agent.hasState else {
            return RuleOutcome(.unknown(type, "StateNotReported", "the GatewayAgent reports no status.state: \(expected.count) peerings expected"))
        }
        if let stalled = StateCollection.notCollected(context) {
            return RuleOutcome(.unknown(type, StateCollection.reason, stalled))
        }
        let groups = PeeringGroup.groups(&context)
        let me = context.inputs.gatewayName
        let stamp = agent.collectionStamp
        let newCollection = stamp == nil || stamp != memory.trafficStamp
        var notReported: [String] = [], drops: [String] = [], stopped: [String] = [], invalid: [String] = []
        var rises: [(String, Date)] = []
        var checks: [Date] = []
        for peering in expected {
            let group = groups.first { $0.name == peering.groupName }
            let isActive = group?.active?.isSelf == true
            let directions = agent.counters.filter { $0.kind == .peering && peering.isDirection($0.name) }
            var rose = false
            for c in directions {
                guard let p = c.packets.value, let d = c.drops.value else { invalid.append(c.key); continue }
                guard let base = memory.traffic[c.key], p >= base.packets, d >= base.drops else { continue }
                if p > base.packets { rose = true }
                let dp = p - base.packets, dd = d - base.drops
                if newCollection && dd > 0 && (dp == 0 || Double(dd) / Double(dp) >= policy.dropRatioThreshold) {
                    drops.append("\(peering.name) \(c.name) +\(dd) drops / +\(dp) packets")
                }
            }
            if directions.isEmpty && isActive {
                notReported.append("\(peering.name) (\(peering.vpcs.joined(separator: "<->")), group \(peering.groupName))")
            }
            let lastRise = rose && newCollection ? now : memory.peeringRises[peering.name]
            guard let lastRise, now.timeIntervalSince(lastRise) < policy.peeringActivityWindow else { continue }
            rises.append((peering.name, lastRise))
            checks.append(lastRise.addingTimeInterval(policy.peeringActivityWindow))
            if isActive && now.timeIntervalSince(lastRise) > policy.peeringStoppedAfter {
                stopped.append("\(peering.name) (no new packets since \(KubeTime.format(lastRise)))")
            } else if isActive {
                checks.append(lastRise.addingTimeInterval(policy.peeringStoppedAfter + 1))
            }
        }
        context.newMemory.peeringRises = SmallMap(rises)
        let draft: ConditionDraft
        if !notReported.isEmpty {
            draft = .isFalse(type, "PeeringNotReported", "\(me) is the active member of the group carrying them, yet status.state.peerings has no entry (either direction) for: \(notReported.joined(separator: ", "))")
        } else if !drops.isEmpty {
            let limit = percentText(policy.dropRatioThreshold * 100)
            draft = .isFalse(type, "PeeringDrops", "drops rose by \(limit) of packets or more since the last observation: \(drops.joined(separator: ", "))\(Self.natText(expected, drops))")
        } else if newCollection == false, let old = context.previousCondition(type), old.reason == "PeeringDrops" {
            draft = .isFalse(type, old.reason, old.message)
        } else if !stopped.isEmpty {
            draft = .isFalse(type, "PeeringTrafficStopped", "\(me) is its group's active member and these peerings carried packets within the last \(describe(policy.peeringActivityWindow)) but none for more than \(describe(policy.peeringStoppedAfter)): \(stopped.joined(separator: ", "))")
        } else if !invalid.isEmpty {
            draft = .unknown(type, "CounterInvalid", "peering counters malformed for \(invalid.joined(separator: ", "))")
        } else {
            let roles = groups.map { g in "\(g.name): \(g.active.map { $0.isSelf ? "active member" : "backup (active: \($0.name))" } ?? "no member forwarding")" }
            draft = .isTrue(type, "AllPeeringsHealthy", "\(expected.count) expected peerings healthy (\(expected.map(\.name).joined(separator: ", "))); \(roles.joined(separator: "; "))")
        }
        // Which member is active changes when a peer's heartbeat goes stale.
        if let check = context.groupPeersCheck { checks.append(check) }
        return RuleOutcome(draft, nextCheck: checks)
    }

    /// What the drops' peerings use for NAT: the guide names exhausted NAT pools and idle timeouts.
    static func natText(_ expected: [PeeringSpecView], _ drops: [String]) -> String {
        let names = Set(drops.compactMap { $0.split(separator: " ").first.map(String.init) })
        let parts = expected.filter { names.contains($0.name) }.map { p -> String in
            guard let nat = p.nat else { return "\(p.name) uses no NAT" }
            let timeout = nat == "static" ? "" : ", idleTimeout \(p.idleTimeout ?? "unset (the default)")"
            return "\(p.name) uses NAT \(nat)\(timeout)"
        }
        return parts.isEmpty ? "" : " (\(parts.joined(separator: "; ")))"
    }

    /// For the quiet path (`HealthEvaluator.advance`): the last rises after a collection that
    /// changed nothing else, exactly as `evaluate` records them, or nil when the full evaluation
    /// must judge it. A peering whose packets rose in a new collection moves its rise to `now`;
    /// one that did not keeps its rise while every check `evaluate` would derive from it (traffic
    /// stopped after `peeringStoppedAfter`, forgotten after `peeringActivityWindow`) is later than
    /// `deadline`, the advanced assessment's next check (the new heartbeat's staleness), so the
    /// verdict and the next check cannot differ from the evaluation's. A peering without a rise on
    /// record that starts rising, or one whose rise is that old, is left to the evaluation (it
    /// alone knows which peerings the gateway's groups carry). That is `risesAdvance`, which
    /// says how the remembered rises move (`RisesAdvance`), applied once every check has passed.
    ///
    /// What `risesAdvance` makes of the remembered rises: `now` written over those at the places
    /// `rose` names, in the map's own storage (`inPlace`, the steady case: every remembered rise
    /// is one of the agent's peerings, found once), or a map made anew (`replaced`).
    enum RisesAdvance {
        /// Bit `i`: the rise at place `i` (in key order) moves to `now`; the others stay.
        case inPlace(rose: UInt64)
        case replaced(SmallMap<Date>)

        func apply(to rises: inout SmallMap<Date>, now: Date) {
            switch self {
            case .inPlace(var rose):
                while rose != 0 {
                    rises.setValue(now, at: rose.trailingZeroBitCount)
                    rose &= rose - 1
                }
            case .replaced(let map):
                rises = map
            }
        }
    }

    /// The rises without building the new map when the remembered one takes the moved
    /// rises in place: with at most 64 rises on record, every one of them the rise of one of the
    /// agent's peerings. The same answer (a test compares the two on every case): the refusals
    /// are the same checks on the same peerings, and a map whose keys are the remembered ones,
    /// each with the last value the loop gives it, is what the map built from the pairs is (its
    /// duplicates resolved as the last one). Anything else (more rises on record, a peering
    /// named twice) is the map built from the pairs, as before.
    /// The pairs' array and the new map were two allocations and two frees per heartbeat.
    /// - Parameter countersAtPlaces: the remembered traffic samples' keys are known to name the
    ///   agent's counters at their places (`TrafficRule.quietCollection` matched them, or knew
    ///   them): a peering counter's sample is then the one at its place among the peering
    ///   counters (the map lists them first), not looked up by its key.
    static func risesAdvance(_ agent: GatewayAgentView, memory: HealthMemory, policy: HealthPolicy, now: Date,
                             deadline: Date, countersAtPlaces: Bool = false) -> RisesAdvance? {
        let recorded = memory.peeringRises
        guard recorded.count <= 64 else {
            return risesAnew(agent, memory: memory, policy: policy, now: now, deadline: deadline).map { RisesAdvance.replaced($0) }
        }
        let stamp = agent.collectionStamp
        let newCollection = stamp == nil || stamp != memory.trafficStamp
        let keptFor = min(policy.peeringStoppedAfter + 1, policy.peeringActivityWindow)
        var rose: UInt64 = 0, covered: UInt64 = 0, found = 0
        for peering in agent.peerings {
            var rising = false
            if newCollection {
                var place = 0
                for c in agent.counters where c.kind == .peering {
                    defer { place += 1 }
                    guard !rising, peering.isDirection(c.name) else { continue }
                    let base = countersAtPlaces ? memory.traffic.value(at: place) : memory.traffic.entry(c.kind.rawValue, c.name)?.value
                    if let p = c.packets.value, let d = c.drops.value, let base, p > base.packets, d >= base.drops { rising = true }
                }
            }
            guard let place = recorded.index(of: peering.name), let rise = recorded.value(at: place) else {
                if rising { return nil }
                continue
            }
            let bit: UInt64 = 1 << UInt64(place)
            covered |= bit
            found += 1
            if rising {
                guard now.addingTimeInterval(keptFor) > deadline else { return nil }
                rose |= bit
            } else {
                guard rise.addingTimeInterval(keptFor) > deadline else { return nil }
                rose &= ~bit
            }
        }
        // A rise on record for a peering the agent no longer lists: the evaluation drops it.
        guard found == recorded.count else { return nil }
        // Found once each (else a peering named twice left one out: the map built anew drops it).
        guard covered == (recorded.count == 64 ? ~0 : (1 << UInt64(recorded.count)) - 1) else {
            return risesAnew(agent, memory: memory, policy: policy, now: now, deadline: deadline).map { RisesAdvance.replaced($0) }
        }
        return .inPlace(rose: rose)
    }

    /// The rises as a map built from the pairs (the general case, and what the rules did before).
    static func risesAnew(_ agent: GatewayAgentView, memory: HealthMemory, policy: HealthPolicy, now: Date,
                          deadline: Date) -> SmallMap<Date>? {
        let stamp = agent.collectionStamp
        let newCollection = stamp == nil || stamp != memory.trafficStamp
        let keptFor = min(policy.peeringStoppedAfter + 1, policy.peeringActivityWindow)
        var rises: [(String, Date)] = []
        rises.reserveCapacity(memory.peeringRises.count)
        var recorded = 0
        for peering in agent.peerings {
            var rose = false
            if newCollection {
                for c in agent.counters where c.kind == .peering && !rose && peering.isDirection(c.name) {
                    if let p = c.packets.value, let d = c.drops.value, let base = memory.traffic.entry(c.kind.rawValue, c.name)?.value,
                       p > base.packets, d >= base.drops { rose = true }
                }
            }
            guard let rise = memory.peeringRises[peering.name] else {
                if rose { return nil }
                continue
            }
            recorded += 1
            if rose {
                guard now.addingTimeInterval(keptFor) > deadline else { return nil }
                rises.append((peering.name, now))
            } else {
                guard rise.addingTimeInterval(keptFor) > deadline else { return nil }
                rises.append((peering.name, rise))
            }
        }
        // A rise on record for a peering the agent no longer lists: the evaluation drops it.
        guard recorded == memory.peeringRises.count else { return nil }
        return SmallMap(rises)
    }
}
