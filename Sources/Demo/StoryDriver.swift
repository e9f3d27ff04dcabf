import ControllerKit
import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
import Locking
import OperatorRuntime
import Remediation

/// Plays story steps against the world: performs each step's action, then moves simulated time
/// in one-second ticks (each followed by a bounded wait for the operator to catch up and a real
/// pause that sets the pace) until the expectation holds or the step's timeout passes.
struct StoryDriver {
    let world: DemoWorld
    let display: DemoDisplay
    let options: DemoOptions
    let operatorOutcome: OperatorOutcome

    /// Real seconds one simulated second takes.
    private var tickReal: Double { 1 / options.pace }

    /// Pod names just before a crash, so a later restart (a new pod) can be recognised.
    private(set) var podsBeforeCrash: [String: String] = [:]
    /// Restarts by gateway-medic the story saw.
    private(set) var podRestarts = 0

    mutating func play(_ story: [StoryStep]) async throws -> [DemoSummary.StepOutcome] {
        var outcomes: [DemoSummary.StepOutcome] = []
        for (offset, step) in story.enumerated() {
            let index = offset + 1
            await display.stepStarted(index, of: story.count, step)
            try await perform(step.action)
            let (met, note) = try await awaitExpectation(step, index: index)
            let followUp = try await finish(step, met: met)
            let finalNote = [note, followUp].compactMap { $0 }.joined(separator: "; ")
            await display.stepEnded(index, met: met, note: finalNote.isEmpty ? nil : finalNote)
            outcomes.append(DemoSummary.StepOutcome(index: index, title: step.title, expectation: step.expectation, met: met,
                                                    at: world.elapsed, note: finalNote.isEmpty ? nil : finalNote))
        }
        return outcomes
    }

    // MARK: Actions

    private mutating func perform(_ action: StoryAction) async throws {
        let sim = world.simulator
        switch action {
        case .none:
            break
        case .stopHeartbeats(let gateway):
            try await sim.stopHeartbeats(gateway: gateway)
        case .resumeHeartbeats(let gateway):
            try await sim.resumeHeartbeats(gateway: gateway)
        case .rejectConfig(let gateway):
            try await sim.rejectConfig(gateway: gateway)
            let generation = try await sim.bumpGeneration(gateway: gateway)
            await display.note("\(gateway): GatewayAgent generation is now \(generation); the dataplane keeps the old one")
            // The apply timeout counts from when the operator first sees the generation.
            let key = ObjectKey(namespace: DemoWorld.namespace, name: gateway)
            _ = await waitReal(2) { await world.medic.assessments()[key]?.agentGeneration == generation }
        case .acceptConfig(let gateway):
            try await sim.acceptConfig(gateway: gateway)
        case .crashLoop(let gateway, let container):
            podsBeforeCrash[gateway] = await sim.podName(gateway: gateway, pod: container)
            try await sim.crashLoop(gateway: gateway, container: container)
        case .leafMaintenance(let leaves):
            try await sim.startLeafMaintenance(leaves: leaves)
        case .leavesBack(let leaves):
            try await sim.endLeafMaintenance(leaves: leaves)
        }
    }

    /// After a pod-restart step the crash is healed: a restart cured it, or (without
    /// remediation) the demo plays the part of the person who fixed it.
    private mutating func finish(_ step: StoryStep, met: Bool) async throws -> String? {
        guard case .podRestarted(let gateway, let container) = step.expectation else { return nil }
        try await world.simulator.heal(gateway: gateway)
        if met {
            podRestarts += 1
            return "the restarted \(container.rawValue) comes up healthy"
        }
        return "healing \(gateway)'s \(container.rawValue) by hand"
    }

    // MARK: Expectations

    private func awaitExpectation(_ step: StoryStep, index: Int) async throws -> (met: Bool, note: String?) {
        let deadline = world.elapsed + step.timeout
        switch step.expectation {
        case .podRestarted, .restartHeld:
            if !options.remediate { return (false, "remediation is off for this run") }
        default:
            break
        }
        while true {
            if try await holds(step.expectation) { return (true, nil) }
            if world.elapsed >= deadline {
                switch step.expectation {
                case .ticketDraft:
                    return (false, "ticket drafts not available in this build")
                case .podRestarted:
                    return (false, "remediation not available in this build")
                case .restartHeld(_, let reason):
                    return (false, "no \(reason) hold raised by this build")
                case .condition(let gateways, let type, _) where gateways.allSatisfy({ world.conditionStatus($0, type) == nil }):
                    return (false, "the \(type) condition is not reported by this build")
                case .everyGateway, .gateway, .condition:
                    throw DemoError.expectationNotMet(step: index, title: step.title, expected: step.expectation.description,
                                                      observed: observed(step.expectation), afterSeconds: step.timeout)
                }
            }
            try await tick()
        }
    }

    private func holds(_ expectation: StoryExpectation) async throws -> Bool {
        switch expectation {
        case .everyGateway(let state):
            return world.simulator.gatewayNames.allSatisfy { world.healthState($0) == state.rawValue }
        case .gateway(let gateway, let state):
            return world.healthState(gateway) == state.rawValue
        case .ticketDraft(let gateway):
            return ticketExists(for: gateway)
        case .podRestarted(let gateway, let container):
            let now = await world.simulator.podName(gateway: gateway, pod: container)
            return now != podsBeforeCrash[gateway]
        case .condition(let gateways, let type, let status):
            return gateways.allSatisfy { world.conditionStatus($0, type) == status }
        case .restartHeld(let gateway, let reason):
            return world.skipMessages(gateway).contains { $0.hasPrefix(reason + ":") }
        }
    }

    private func ticketExists(for gateway: String) -> Bool {
        let maps = (try? world.server.store.list(.configMaps, labelSelector: ConfigMapTicketSink.ticketLabel).items) ?? []
        return maps.contains { map in
            guard let json = map[path: "data", "ticket.json"]?.stringValue, let draft = TicketRenderer.draft(fromJSON: json) else {
                return map[path: "metadata", "labels", ConfigMapTicketSink.gatewayLabel]?.stringValue?.hasSuffix(gateway) ?? false
            }
            return draft.gateway == gateway || draft.gateway.hasSuffix("/" + gateway)
        }
    }

    private func observed(_ expectation: StoryExpectation) -> String {
        if case .condition(let gateways, let type, _) = expectation {
            return gateways.map { "\($0) \(type)=\(world.conditionStatus($0, type) ?? "none")" }.joined(separator: ", ")
        }
        return world.simulator.gatewayNames.map { "\($0)=\(world.healthState($0) ?? "none")" }.joined(separator: ", ")
    }

    // MARK: Time

    /// One simulated second: the fabric moves, the operator catches up (bounded), the display
    /// redraws, and a real pause keeps the pace.
    private func tick() async throws {
        if let failure = operatorOutcome.failure { throw DemoError.operatorStopped(failure) }
        let start = ContinuousClock.now
        try await world.advance(by: 1)
        // The pace is a minimum: on a loaded machine the operator gets the time it needs, or the
        // story would outrun it and show states it never saw the fabric in.
        _ = await waitReal(max(5, tickReal)) { await world.caughtUp() }
        await display.tick()
        let spent = (ContinuousClock.now - start).timeInterval
        try await Task.sleep(for: .seconds(max(0.0005, tickReal - spent)))
    }

    /// Polls `condition` for at most `seconds` of real time (a deadline, not a synchronisation sleep).
    func waitReal(_ seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let limit = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < limit {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return await condition()
    }
}

/// How the operator's `run()` ended, readable from the driver without awaiting.
final class OperatorOutcome: Sendable {
    private let ended = Locked<String?>(nil)

    var failure: String? { ended.current }

    func record(_ why: String) { ended.withLock { $0 = $0 ?? why } }
}
