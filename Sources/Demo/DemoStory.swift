import FabricSimulator
import Foundation
import HealthModel

/// What the demo does to the simulated fabric at the start of a step.
public enum StoryAction: Sendable, Equatable {
    case none
    case stopHeartbeats(gateway: String)
    case resumeHeartbeats(gateway: String)
    /// The dataplane refuses new generations, then the fabric controller bumps the generation.
    case rejectConfig(gateway: String)
    case acceptConfig(gateway: String)
    case crashLoop(gateway: String, container: GatewayContainer)
}

/// What must be seen before a step's timeout.
public enum StoryExpectation: Sendable, Equatable {
    /// Every gateway's GatewayHealth shows this state at the same time.
    case everyGateway(GatewayState)
    /// The gateway's GatewayHealth shows this state.
    case gateway(String, GatewayState)
    /// A ticket draft about the gateway appears. Optional: without tickets in this build the
    /// step is noted, not failed.
    case ticketDraft(gateway: String)
    /// The operator restarts the container's pod (remediation). Optional: without remediation
    /// the demo heals the container itself and notes it. Either way the crash is healed after.
    case podRestarted(gateway: String, container: GatewayContainer)

    /// Optional expectations degrade to a note instead of failing the demo.
    public var isOptional: Bool {
        switch self {
        case .ticketDraft, .podRestarted: true
        case .everyGateway, .gateway: false
        }
    }

    public var description: String {
        switch self {
        case .everyGateway(let state): "every gateway \(state.rawValue)"
        case .gateway(let name, let state): "\(name) \(state.rawValue)"
        case .ticketDraft(let name): "a ticket draft for \(name)"
        case .podRestarted(let name, let container): "\(name)'s \(container.rawValue) pod restarted by gateway-medic"
        }
    }
}

/// One scripted step: an action, then an expectation that must hold within `timeout`
/// simulated seconds.
public struct StoryStep: Sendable, Equatable {
    public var title: String
    public var action: StoryAction
    public var expectation: StoryExpectation
    public var timeout: TimeInterval

    public init(title: String, action: StoryAction = .none, expectation: StoryExpectation, timeout: TimeInterval) {
        self.title = title
        self.action = action
        self.expectation = expectation
        self.timeout = timeout
    }
}

/// The scripted story over four gateways in two groups.
public enum DemoStory {
    /// Ticket drafts open this long into a KEEPALIVE_FAIL (the product default is 2 min; the
    /// demo shortens it so the draft shows up while the failure lasts).
    public static let ticketAfter: TimeInterval = 20

    public static let standard: [StoryStep] = [
        StoryStep(title: "The fabric boots: no dataplane has reported yet",
                  expectation: .everyGateway(.waiting), timeout: 4),
        StoryStep(title: "Dataplanes start and write heartbeats",
                  expectation: .everyGateway(.up), timeout: 60),
        StoryStep(title: "gateway-2's dataplane stops writing its status (it still forwards: BGP stays up)",
                  action: .stopHeartbeats(gateway: "gateway-2"), expectation: .gateway("gateway-2", .keepaliveFail), timeout: 120),
        StoryStep(title: "gateway-medic drafts a ticket for gateway-2",
                  expectation: .ticketDraft(gateway: "gateway-2"), timeout: ticketAfter + 25),
        StoryStep(title: "gateway-2's heartbeats resume",
                  action: .resumeHeartbeats(gateway: "gateway-2"), expectation: .gateway("gateway-2", .up), timeout: 60),
        StoryStep(title: "gateway-3 gets a new generation its dataplane rejects",
                  action: .rejectConfig(gateway: "gateway-3"), expectation: .gateway("gateway-3", .configFail), timeout: 200),
        StoryStep(title: "The configuration is fixed and gateway-3 applies it",
                  action: .acceptConfig(gateway: "gateway-3"), expectation: .gateway("gateway-3", .up), timeout: 60),
        StoryStep(title: "gateway-4's frr container crash-loops",
                  action: .crashLoop(gateway: "gateway-4", container: .frr), expectation: .gateway("gateway-4", .down), timeout: 30),
        StoryStep(title: "gateway-4's frr pod is restarted",
                  expectation: .podRestarted(gateway: "gateway-4", container: .frr), timeout: 30),
        StoryStep(title: "gateway-4 recovers",
                  expectation: .gateway("gateway-4", .up), timeout: 60),
    ]
}
