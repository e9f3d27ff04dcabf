import ArgumentParser
import Foundation
import Logging
import OperatorRuntime

/// `gateway-medic check`: evaluate every gateway once and print the verdicts. Reads only.
/// Exit 0 when every gateway is UP, 1 when one is not, 2 when the check could not be made.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Evaluate every gateway once and print its state (writes nothing).",
        discussion: "Exit status: 0 when every gateway is UP, 1 when at least one is not, 2 on error.")

    @OptionGroup var cluster: ClusterOptions
    @Option(name: [.customShort("o"), .long], help: "Output format: table, json or yaml.")
    var output: CheckOutputFormat = .table
    @OptionGroup var settings: ConfigFlags

    func run() async throws {
        let runner = CheckCommandRunner(kubeconfig: cluster.kubeconfig, context: cluster.context, configFile: cluster.configFile,
                                        overrides: settings.overrides, format: output)
        var logger = Logger(label: "gateway-medic.check")
        logger.logLevel = .error
        let code = await runner.execute(
            now: Date(), logger: logger,
            stdout: { FileHandle.standardOutput.write(Data($0.utf8)) },
            stderr: { FileHandle.standardError.write(Data($0.utf8)) })
        if code != 0 { throw ExitCode(code) }
    }
}
