import Foundation

// `make bench`: the operator against the in-process emulator (plain HTTP on loopback) and the
// simulated fabric, at each fleet size; then watch decoding on one core. Prints a table and one
// JSON line. `--child …` is the operator process the parent starts for each size.
let arguments = Array(CommandLine.arguments.dropFirst())
let options: BenchOptions
do {
    options = try BenchOptions.parse(arguments)
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}
if let child = options.child {
    exit(await OperatorChild.run(child, metrics: options.metrics, streamingLists: options.streamingLists))
}
do {
    exit(try await BenchReport.runAll(options))
} catch {
    FileHandle.standardError.write(Data("bench failed: \(error)\n".utf8))
    exit(1)
}
