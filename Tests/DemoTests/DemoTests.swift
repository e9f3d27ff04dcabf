@testable import Demo
import Foundation
import HealthModel
import Locking
import Testing

/// Collects the demo's output lines across tasks.
private final class Lines: Sendable {
    private let lines = Locked<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.current }
}

/// The demo runs the real operator against the embedded API server, so its tests run one after
/// another (the machine has two cores).
@Suite(.serialized, .timeLimit(.minutes(1))) struct DemoTests {
    @Test func theWholeStoryPlaysInPlainMode() async throws {
        let lines = Lines()
        let summary = try await DemoRunner(options: DemoOptions(speed: 300, plain: true, output: { lines.append($0) })).run()

        // DEMO_SHOW=1 prints the demo as it played (for a person reading the test log).
        if ProcessInfo.processInfo.environment["DEMO_SHOW"] != nil { print(lines.all.joined(separator: "\n")) }
        #expect(summary.steps.map(\.title) == DemoStory.standard.map(\.title))
        for step in summary.steps where !step.expectation.isOptional {
            #expect(step.met, "step \(step.index) \(step.title)")
        }
        for step in summary.steps where !step.met { #expect(step.note != nil, "an unmet optional step says why") }

        func states(_ gateway: String) -> [GatewayState] { summary.transitions[gateway]?.map(\.state) ?? [] }
        #expect(states("gateway-1") == [.waiting, .up])
        #expect(states("gateway-2") == [.waiting, .up, .keepaliveFail, .up])
        #expect(states("gateway-3") == [.waiting, .up, .configFail, .up])
        let four = states("gateway-4")
        #expect(four.prefix(2) == [.waiting, .up] && four.last == .up && four.contains(.down), "\(four)")
        #expect(!four.contains(.keepaliveFail) && !four.contains(.configFail))

        // Transitions are in time order, and each raised at least one Event.
        for (gateway, list) in summary.transitions {
            #expect(list.map(\.at) == list.map(\.at).sorted(), "\(gateway)")
        }
        let transitionCount = summary.transitions.values.map(\.count).reduce(0, +)
        #expect(summary.eventOccurrences >= transitionCount, "\(lines.all.joined(separator: "\n"))")
        #expect(summary.eventOccurrences >= summary.eventObjects && summary.eventObjects > 0)
        #expect(summary.apiWrites >= summary.eventObjects + summary.statusWrites)
        #expect(summary.statusWrites >= transitionCount - 4, "the first state of each gateway may come with its create")
        #expect(summary.steps.last.map { $0.at <= summary.simulatedSeconds } == true)
        #expect(summary.podRestarts <= 1)

        // The leaf maintenance (issue 19): gateway-3 and gateway-4 stay UP (their states above show
        // no change) but stop forwarding; gateway-medic holds its hands, then both forward again.
        let leafSteps = summary.steps.suffix(3)
        #expect(leafSteps.map(\.expectation) == [
            .condition(gateways: ["gateway-3", "gateway-4"], type: "Forwarding", status: "False"),
            .restartHeld(gateway: "gateway-3", reason: "FabricFault"),
            .condition(gateways: ["gateway-3", "gateway-4"], type: "Forwarding", status: "True"),
        ])
        #expect(leafSteps.allSatisfy { $0.met }, "\(leafSteps.map { "\($0.title): \($0.note ?? "met")" })")

        // Plain mode: no ANSI, one line per state change, and the summary at the end.
        let output = lines.all.joined(separator: "\n")
        #expect(!output.contains("\u{1B}["))
        #expect(output.contains("gateway-2  UP → KEEPALIVE_FAIL"), "\(output)")
        #expect(output.contains("gateway-3  UP → CONFIG_FAIL"))
        #expect(output.contains("KeepaliveFail"), "the Events are shown")
        for gateway in ["gateway-3", "gateway-4"] {
            #expect(output.contains("\(gateway)  Forwarding True → False"), "the story shows Forwarding False")
            #expect(output.contains("\(gateway)  Forwarding False → True"))
        }
        #expect(!output.contains("gateway-1  Forwarding"), "leaf-01 stays up and gateway-1 is never touched")
        let held = lines.all.filter { $0.contains("RemediationSkipped") && $0.contains("gateway-3: FabricFault: ") }
        #expect(!held.isEmpty, "the FabricFault hold is shown")
        let sinceLeafDown = lines.all.drop { !($0.contains("▶") && $0.contains("leaf-02 goes down")) }
        #expect(!sinceLeafDown.isEmpty)
        #expect(!sinceLeafDown.contains { $0.contains("PodRestarted") }, "nothing is restarted for the leaf")
        #expect(lines.all.last?.contains("Summary") == true)
    }

    @Test func aMissedExpectationFailsWithTheStepAndWhatWasSeen() async throws {
        let lines = Lines()
        let story = [
            StoryStep(title: "boot", expectation: .everyGateway(.waiting), timeout: 4),
            StoryStep(title: "gateway-1 should go down by itself", expectation: .gateway("gateway-1", .down), timeout: 3),
        ]
        let runner = DemoRunner(options: DemoOptions(speed: 300, plain: false, output: { lines.append($0) }), story: story)
        do {
            _ = try await runner.run()
            Issue.record("the demo should fail")
        } catch let error as DemoError {
            guard case .expectationNotMet(let step, let title, let expected, let observed, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(step == 2 && title == "gateway-1 should go down by itself")
            #expect(expected == "gateway-1 DOWN")
            #expect(observed.contains("gateway-1="), "\(observed)")
            #expect(error.description.contains("within 3 simulated seconds"))
        }
        // Terminal mode redraws the table in place with ANSI sequences.
        #expect(lines.all.contains { $0.contains("\u{1B}[") && $0.contains("GATEWAY") })
    }

    @Test func formatting() {
        #expect(DemoFormat.clock(125.7) == "t+2m05s")
        #expect(DemoFormat.duration(45) == "45s" && DemoFormat.duration(130) == "2m10s")
        let rows = [GatewayRow(name: "gateway-1", group: "gw-group-1", state: "UP", reason: "Healthy", since: 10)]
        let plain = DemoFormat.table(rows, now: 70, color: false)
        #expect(plain.count == 2 && plain[1].contains("UP") && plain[1].hasSuffix("1m00s"))
        #expect(!plain.joined().contains("\u{1B}"))
        #expect(DemoFormat.table(rows, now: 70, color: true)[1].contains("\u{1B}[32m"))
        var notForwarding = rows[0]
        notForwarding.forwarding = "False"
        #expect(DemoFormat.table([notForwarding], now: 70, color: false)[1].contains("UP              False"))
        #expect(DemoFormat.table([notForwarding], now: 70, color: true)[1].contains("\u{1B}[31;1mFalse"))
        #expect(plain[0].contains("FORWARDING") && plain[1].contains("UP              -"))
        #expect(DemoFormat.truncate("abcdef", 4) == "abc…")
        #expect(DemoFormat.rewind(lines: 0).isEmpty && DemoFormat.rewind(lines: 3).hasPrefix("\u{1B}[3A"))
    }
}
