import FabricSimulator
import Foundation
import KubeEmulator
import OperatorRuntime

/// `gateway-medic-demo`: the real operator, in-process, against the embedded API server on
/// loopback and a simulated fabric of four gateways in two groups, playing a scripted story
/// (boot → UP, KEEPALIVE_FAIL with its ticket draft, CONFIG_FAIL, an frr crash → DOWN → restart
/// → UP, a leaf maintenance: Forwarding False, the restart held as `FabricFault`, recovery)
/// while a table shows every GatewayHealth state, its Forwarding condition and the Events as
/// they are written.
/// Throws `DemoError` when a step's expectation is not met in time.
public struct DemoRunner: Sendable {
    public let options: DemoOptions
    public let story: [StoryStep]

    public init(options: DemoOptions = DemoOptions(), story: [StoryStep] = DemoStory.standard) {
        self.options = options
        self.story = story
    }

    /// Plays the story and returns (and prints) its summary.
    public func run() async throws -> DemoSummary {
        let started = ContinuousClock.now
        let world = try await DemoWorld(remediate: options.remediate, crdPath: options.crdPath, output: options.output)
        let sim = world.simulator
        let display = DemoDisplay(plain: options.plain, output: options.output,
                                  gateways: sim.gatewayNames.map { ($0, sim.group(gateway: $0) ?? "") },
                                  elapsed: { world.elapsed })
        await display.setHeader("gateway-medic-demo · \(sim.gatewayNames.count) simulated gateways in \(sim.groupNames.count) groups · "
            + "operator in-process against \(world.server.baseURL) · \(String(format: "%g", options.pace))× time")

        let watchers: DemoWatchers
        let relay: Task<Void, Never>
        do {
            watchers = try DemoWatchers.start(store: world.server.store, namespace: DemoWorld.namespace, display: display)
            relay = try EmulatorFabricStore(store: world.server.store).relayPodDeletions(to: sim)
        } catch {
            await world.stop()
            throw error as? DemoError ?? DemoError.setup("\(error)")
        }
        let outcome = OperatorOutcome()
        let medic = world.medic
        let operatorTask = Task {
            do {
                try await medic.run()
                outcome.record("its run ended")
            } catch {
                outcome.record("\(error)")
            }
        }
        func shutDown() async {
            operatorTask.cancel()
            await operatorTask.value
            relay.cancel()
            await watchers.stop()
            await world.stop()
        }

        do {
            try await world.bootstrap()
            var driver = StoryDriver(world: world, display: display, options: options, operatorOutcome: outcome)
            guard await driver.waitReal(15, { medic.hasSynced || outcome.failure != nil }), medic.hasSynced else {
                if let failure = outcome.failure { throw DemoError.operatorStopped(failure) }
                throw DemoError.operatorNotSynced(seconds: 15)
            }
            _ = await driver.waitReal(3) { await world.caughtUp() }
            let steps = try await driver.play(story)
            await Self.drain(world, display, driver)
            await display.finish()
            let counts = await medic.writeCounts()
            let events = await display.eventTotals()
            let summary = DemoSummary(
                transitions: await display.allTransitions(), steps: steps, eventObjects: events.objects,
                eventOccurrences: events.occurrences, apiWrites: world.server.writeCount, statusWrites: counts.statusWrites,
                ticketTitles: await display.ticketTitles(), podRestarts: driver.podRestarts, simulatedSeconds: world.elapsed,
                realSeconds: (ContinuousClock.now - started).timeInterval, crdSource: world.crdSource)
            await shutDown()
            options.output(summary.lines.joined(separator: "\n"))
            return summary
        } catch {
            await display.finish()
            await shutDown()
            if error is CancellationError { throw error }
            throw error as? DemoError ?? DemoError.fabric("\(error)")
        }
    }

    /// With time stopped, the operator finishes what it started (the Event after a status write)
    /// and the watches deliver it: waits (at most 3 s) until the store stops changing and the
    /// display shows what the store holds, so the summary counts every write.
    private static func drain(_ world: DemoWorld, _ display: DemoDisplay, _ driver: StoryDriver) async {
        var last = world.server.store.resourceVersion
        var quietSince = ContinuousClock.now
        _ = await driver.waitReal(3) {
            let now = world.server.store.resourceVersion
            if now != last {
                last = now
                quietSince = ContinuousClock.now
                return false
            }
            guard ContinuousClock.now - quietSince >= .milliseconds(60) else { return false }
            let shown = await display.currentStates()
            let shownEvents = await display.eventTotals().occurrences
            return world.simulator.gatewayNames.allSatisfy { shown[$0] == world.healthState($0) }
                && world.eventOccurrences() == shownEvents
        }
    }
}
