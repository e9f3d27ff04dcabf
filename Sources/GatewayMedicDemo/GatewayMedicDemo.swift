import ArgumentParser
import Demo
import Foundation
import OperatorRuntime

/// `gateway-medic-demo`: the operator against an embedded API server and a simulated fabric of 4
/// gateways in 2 groups, playing a scripted story. Exits non-zero when a step is not reached.
/// A program of its own so that the `gateway-medic` binary (and its image) holds no API server.
@main
struct GatewayMedicDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-medic-demo",
        abstract: "Run the operator against an embedded API server and a scripted simulated fabric.",
        version: GatewayMedicVersion.current)

    @Option(help: "Scales time: 2 plays the story twice as fast. (default: 1)")
    var speed: Double = 1

    @Flag(help: "Plain line output even on a terminal (the default when stdout is not a terminal).")
    var plain = false

    @Flag(name: .customLong("no-remediate"), help: "Leave pod restarts off (the demo turns them on by default).")
    var noRemediate = false

    func run() async throws {
        let options = DemoOptions(speed: speed, plain: plain || isatty(STDOUT_FILENO) == 0, remediate: !noRemediate,
                                  output: { line in print(line) })
        do {
            _ = try await DemoRunner(options: options).run()
        } catch {
            FileHandle.standardError.write(Data("demo failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
