import Foundation

/// How `DemoRunner` plays the story.
public struct DemoOptions: Sendable {
    /// Multiplies the pace: at 1, ten simulated seconds pass per real second (the whole story
    /// takes about half a minute); 2 is twice as fast. Non-positive or non-finite values mean 1.
    public var speed: Double
    /// One line per change (for logs and pipes) instead of a redrawn ANSI table (for a terminal).
    /// The CLI passes `isatty(stdout) == 0`.
    public var plain: Bool
    /// Asks the operator to restart broken pods (`remediation.enabled`). When this build's
    /// operator does not act on it, the demo heals the crash itself and says so.
    public var remediate: Bool
    /// The GatewayHealth CRD manifest to serve. nil: `manifests/base/gatewayhealth-crd.yaml` (or
    /// `manifests/gatewayhealth-crd.yaml`) under the current directory, else the emulator's
    /// built-in registration.
    public var crdPath: String?
    /// Where every line goes (the CLI prints it).
    public var output: @Sendable (String) -> Void

    public init(speed: Double = 1, plain: Bool = false, remediate: Bool = true, crdPath: String? = nil,
                output: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.speed = speed
        self.plain = plain
        self.remediate = remediate
        self.crdPath = crdPath
        self.output = output
    }

    /// Simulated seconds per real second.
    var pace: Double { 10 * (speed > 0 && speed.isFinite ? speed : 1) }
}

/// Why the demo stopped early. Each case says what a user can check.
public enum DemoError: Error, Sendable, CustomStringConvertible {
    /// The emulator, the CRD, the fabric or the client could not be set up.
    case setup(String)
    /// The operator did not list its resources within the real-time bound.
    case operatorNotSynced(seconds: Double)
    /// The operator's run ended (or failed) while the story was still playing.
    case operatorStopped(String)
    /// The simulated fabric refused a scripted change.
    case fabric(String)
    /// A story step's expectation did not hold within its simulated timeout.
    case expectationNotMet(step: Int, title: String, expected: String, observed: String, afterSeconds: Double)

    public var description: String {
        switch self {
        case .setup(let why):
            "demo setup failed: \(why)"
        case .operatorNotSynced(let seconds):
            "the operator did not sync its caches with the embedded API server within \(Int(seconds)) s"
        case .operatorStopped(let why):
            "the operator stopped during the demo: \(why)"
        case .fabric(let why):
            "the simulated fabric failed during the demo: \(why)"
        case .expectationNotMet(let step, let title, let expected, let observed, let after):
            "demo step \(step) (\(title)) failed: expected \(expected) within \(Int(after)) simulated seconds; observed \(observed)"
        }
    }
}
