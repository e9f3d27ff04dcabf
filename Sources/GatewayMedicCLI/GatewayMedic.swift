import ArgumentParser
import KubeClient
import Logging
import OperatorRuntime

@main
struct GatewayMedic: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-medic",
        abstract: "Health of Hedgehog fabric gateways, as a Kubernetes operator and a one-shot check.",
        version: GatewayMedicVersion.current,
        subcommands: [RunCommand.self, CheckCommand.self, VersionCommand.self])
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("gateway-medic \(GatewayMedicVersion.current)")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
extension CheckOutputFormat: ExpressibleByArgument {}
