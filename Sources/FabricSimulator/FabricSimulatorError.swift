/// What the simulator refuses, and why, in words a test author can act on.
public enum FabricSimulatorError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidSpec(field: String, reason: String)
    case unknownGateway(String)
    case unknownLeaf(String)
    case unknownPeering(String)
    case notBootstrapped
    case alreadyBootstrapped
    case invalidArgument(String)
    /// An object in the store does not have the shape the simulator wrote.
    case unexpectedObject(resource: String, name: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSpec(let field, let reason): "invalid fabric spec: \(field) \(reason)"
        case .unknownGateway(let name): "no gateway named '\(name)' in the simulated fabric"
        case .unknownLeaf(let name): "no leaf named '\(name)' in the simulated fabric"
        case .unknownPeering(let name): "no peering named '\(name)' in the simulated fabric"
        case .notBootstrapped: "the simulated fabric has not been bootstrapped: call bootstrap(now:) first"
        case .alreadyBootstrapped: "the simulated fabric is already bootstrapped"
        case .invalidArgument(let message): message
        case .unexpectedObject(let resource, let name, let reason): "\(resource) \(name): \(reason)"
        }
    }
}
