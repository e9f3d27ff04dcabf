#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HealthModel

/// Everything the audience sees, and the record the summary is built from. In a terminal it
/// redraws one frame (the state table, the current step, the latest log lines) in place; in
/// plain mode it prints one line per state change, Event, step and note.
actor DemoDisplay {
    private let plain: Bool
    private let output: @Sendable (String) -> Void
    private let elapsed: @Sendable () -> TimeInterval
    private var rows: [GatewayRow]
    private var transitions: [String: [DemoSummary.Transition]] = [:]
    private var eventCounts: [String: Int] = [:]  // Event name → count
    private var tickets: [String: String] = [:]  // draft id → title
    private var header = ""
    private var stepLine = ""
    private var log: [String] = []
    private var frameHeight = 0
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private static let logLines = 9

    init(plain: Bool, output: @escaping @Sendable (String) -> Void, gateways: [(name: String, group: String)],
         elapsed: @escaping @Sendable () -> TimeInterval) {
        self.plain = plain
        self.output = output
        self.elapsed = elapsed
        rows = gateways.map { GatewayRow(name: $0.name, group: $0.group) }
    }

    // MARK: Observations

    /// A GatewayHealth's status as written; records a transition when the state changed.
    func stateObserved(gateway: String, state: String, reason: String) {
        guard let i = rows.firstIndex(where: { $0.name == gateway }) else { return }
        let now = elapsed()
        let previous = rows[i].state
        if previous == state {
            rows[i].reason = reason
            return
        }
        rows[i].state = state
        rows[i].reason = reason
        rows[i].since = now
        if let parsed = GatewayState(rawValue: state) {
            transitions[gateway, default: []].append(DemoSummary.Transition(at: now, state: parsed, reason: reason))
        }
        append("\(DemoFormat.pad(gateway, 10)) \(previous ?? "(new)") → \(state)  (\(reason))", kind: "state")
    }

    /// The condition the table shows next to the state: whether the gateway carries traffic.
    static let forwarding = "Forwarding"

    /// The GatewayHealth's Forwarding condition as written; a line when it turns False or stops
    /// being False (Unknown while a gateway starts or its heartbeat is stale is left to the table).
    func forwardingObserved(gateway: String, status: String, reason: String) {
        guard let i = rows.firstIndex(where: { $0.name == gateway }), rows[i].forwarding != status else { return }
        let previous = rows[i].forwarding
        rows[i].forwarding = status
        guard previous == "False" || status == "False" else { return }
        append("\(DemoFormat.pad(gateway, 10)) \(Self.forwarding) \(previous ?? "(new)") → \(status)  (\(reason))", kind: "condition")
    }

    /// An Event was created (or its count went up).
    func eventObserved(name: String, type: String, reason: String, gateway: String, message: String, count: Int) {
        let before = eventCounts[name]
        guard before != count else { return }
        eventCounts[name] = count
        let repeatText = count > 1 ? " (×\(count))" : ""
        append("\(DemoFormat.pad(type, 7)) \(DemoFormat.pad(reason, 16)) \(gateway): \(DemoFormat.truncate(message, 90))\(repeatText)",
               kind: "event")
    }

    func ticketObserved(id: String, title: String) {
        guard tickets[id] == nil else { return }
        tickets[id] = title
        append("ticket draft: \(title)", kind: "ticket")
    }

    func stepStarted(_ index: Int, of total: Int, _ step: StoryStep) {
        stepLine = "Step \(index)/\(total): \(step.title) — expecting \(step.expectation.description)"
        append("▶ \(stepLine)", kind: "step")
    }

    func stepEnded(_ index: Int, met: Bool, note: String?) {
        let text = met ? "✓ step \(index) done" + (note.map { " (\($0))" } ?? "") : "• step \(index): \(note ?? "not shown")"
        append(text, kind: "step")
    }

    func note(_ text: String) { append(text, kind: "note") }

    /// Redraws the live table (throttled) as time moves.
    func tick() {
        guard !plain else { return }
        let now = ContinuousClock.now
        guard now - lastDraw >= .milliseconds(80) else { return }
        draw()
    }

    /// The last frame, drawn whatever the throttle says.
    func finish() {
        if !plain { draw() }
    }

    // MARK: Records

    func allTransitions() -> [String: [DemoSummary.Transition]] { transitions }
    func currentStates() -> [String: String] {
        Dictionary(uniqueKeysWithValues: rows.compactMap { row in row.state.map { (row.name, $0) } })
    }
    func eventTotals() -> (objects: Int, occurrences: Int) { (eventCounts.count, eventCounts.values.reduce(0, +)) }
    func ticketTitles() -> [String] { tickets.sorted { $0.key < $1.key }.map(\.value) }

    func setHeader(_ text: String) {
        header = text
        if plain { output(text) }
    }

    // MARK: Output

    private func append(_ text: String, kind: String) {
        let line = "[\(DemoFormat.clock(elapsed()))] \(text)"
        if plain {
            output(line)
            return
        }
        log.append(line)
        if log.count > Self.logLines { log.removeFirst(log.count - Self.logLines) }
        draw()
    }

    /// The terminal's columns (TIOCGWINSZ on stdout, else $COLUMNS, else 100).
    private static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) } ?? 100
    }

    private func draw() {
        lastDraw = ContinuousClock.now
        let now = elapsed()
        // A line wider than the terminal would wrap and break the rewind: cut the text lines.
        let width = max(40, Self.terminalWidth() - 1)
        var frame = [DemoFormat.truncate("\(DemoFormat.clock(now))  \(header)", width), ""]
        frame += DemoFormat.table(rows, now: now, color: true)
        frame += ["", DemoFormat.truncate(stepLine, width), ""]
        frame += log.map { DemoFormat.truncate($0, width) } + Array(repeating: "", count: Self.logLines - log.count)
        output(DemoFormat.rewind(lines: frameHeight) + frame.joined(separator: "\n"))
        frameHeight = frame.count
    }
}
