import Foundation
import HealthModel

/// What the demo showed, for the closing summary and for tests.
public struct DemoSummary: Sendable, Equatable {
    /// A GatewayHealth state as it was written, in order.
    public struct Transition: Sendable, Equatable {
        /// Simulated seconds since the demo started.
        public var at: TimeInterval
        public var state: GatewayState
        public var reason: String
    }

    /// How a story step ended.
    public struct StepOutcome: Sendable, Equatable {
        public var index: Int
        public var title: String
        public var expectation: StoryExpectation
        /// False only for an optional expectation this build could not show (see `note`).
        public var met: Bool
        /// Simulated seconds since the demo started, when the step ended.
        public var at: TimeInterval
        public var note: String?
    }

    /// Every gateway's states in the order they were written (the first is its initial state).
    public var transitions: [String: [Transition]]
    public var steps: [StepOutcome]
    /// Event objects gateway-medic created, and occurrences including aggregated repeats.
    public var eventObjects: Int
    public var eventOccurrences: Int
    /// HTTP writes the operator made to the embedded API server (creates, patches, Events).
    public var apiWrites: Int
    /// GatewayHealth status writes, as the operator counted them.
    public var statusWrites: Int
    /// Titles of the ticket drafts that appeared (empty when this build writes none).
    public var ticketTitles: [String]
    /// Gateway pods the operator restarted (remediation).
    public var podRestarts: Int
    public var simulatedSeconds: TimeInterval
    public var realSeconds: TimeInterval
    /// Where the GatewayHealth CRD came from: a manifest path, or "built-in".
    public var crdSource: String

    /// The closing text.
    public var lines: [String] {
        var out = ["", "Summary (\(Int(simulatedSeconds)) simulated seconds in \(String(format: "%.1f", realSeconds)) s, CRD from \(crdSource))"]
        for name in transitions.keys.sorted() {
            let path = (transitions[name] ?? []).map { "\($0.state.rawValue)@\(DemoFormat.clock($0.at))" }
            out.append("  \(DemoFormat.pad(name, 11)) \(path.joined(separator: " → "))")
        }
        out.append("  Events: \(eventObjects) objects, \(eventOccurrences) occurrences; API writes: \(apiWrites) "
            + "(\(statusWrites) status writes); ticket drafts: \(ticketTitles.count); pod restarts by gateway-medic: \(podRestarts)")
        for title in ticketTitles { out.append("  ticket: \(title)") }
        let met = steps.filter(\.met).count
        out.append("  Story: \(met)/\(steps.count) steps shown" + (met == steps.count ? "" : " (the rest noted: not in this build)"))
        for step in steps where !step.met { out.append("    step \(step.index): \(step.note ?? "not shown")") }
        return out
    }
}
