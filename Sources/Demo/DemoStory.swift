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
    /// The leaves go down for maintenance (silent; every session with a gateway idle).
    case leafMaintenance(leaves: [String])
    case leavesBack(leaves: [String])
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
    /// Each gateway's GatewayHealth shows the condition with this status ("True", "False").
    /// When this build's operator writes no such condition at all, the step is noted, not failed.
    case condition(gateways: [String], type: String, status: String)
    /// gateway-medic holds a restart of the gateway for this reason: a `RemediationSkipped` Event
    /// whose message starts with `<reason>:`. Optional: without remediation no plan is raised.
    case restartHeld(gateway: String, reason: String)

    /// Optional expectations degrade to a note instead of failing the demo.
    public var isOptional: Bool {
        switch self {
        case .ticketDraft, .podRestarted, .restartHeld: true
        case .everyGateway, .gateway, .condition: false
        }
    }

    public var description: String {
        switch self {
        case .everyGateway(let state): "every gateway \(state.rawValue)"
        case .gateway(let name, let state): "\(name) \(state.rawValue)"
        case .ticketDraft(let name): "a ticket draft for \(name)"
        case .podRestarted(let name, let container): "\(name)'s \(container.rawValue) pod restarted by gateway-medic"
        case .condition(let names, let type, let status): "\(names.joined(separator: ", ")) \(type) \(status)"
        case .restartHeld(let name, let reason): "gateway-medic holding \(name)'s restart (\(reason))"
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

/// The scripted story over four gateways in two groups; each group's gateways hang off one leaf
/// (gateway-1 and gateway-2 off leaf-01, gateway-3 and gateway-4 off leaf-02).
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
        StoryStep(title: "leaf-02 goes down for maintenance: gateway-3 and gateway-4 lose every BGP session, their heartbeats go on",
                  action: .leafMaintenance(leaves: ["leaf-02"]),
                  expectation: .condition(gateways: ["gateway-3", "gateway-4"], type: "Forwarding", status: "False"), timeout: 60),
        StoryStep(title: "gateway-medic restarts nothing: the fault is the fabric's",
                  expectation: .restartHeld(gateway: "gateway-3", reason: "FabricFault"), timeout: 200),
        StoryStep(title: "leaf-02 is back: the sessions come up and both gateways forward again",
                  action: .leavesBack(leaves: ["leaf-02"]),
                  expectation: .condition(gateways: ["gateway-3", "gateway-4"], type: "Forwarding", status: "True"), timeout: 60),
    ]
}
