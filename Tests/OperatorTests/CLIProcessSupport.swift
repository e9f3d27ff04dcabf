import Foundation
import KubeAPI
import Locking
@testable import OperatorRuntime

/// A child process for the CLI tests: its output read on dedicated threads (blocking reads must
/// not occupy the cooperative pool the emulator runs on), every wait bounded.
final class CLIProcess: @unchecked Sendable {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private let process = Process()
    private let stdout = Locked(Data())
    private let stderrLog = Locked<[String]>([])
    private let lines = AsyncStream<String>.makeStream()
    private let exited = AsyncStream<Int32>.makeStream()
    private let outputDone = DispatchGroup()

    private init(_ executable: String, _ arguments: [String], environment: [String: String]) {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
    }

    /// Starts `executable`; its stderr is available line by line.
    static func start(_ executable: String, _ arguments: [String], environment: [String: String] = ["HOME": "/nonexistent"]) throws -> CLIProcess {
        let p = CLIProcess(executable, arguments, environment: environment)
        let out = Pipe(), err = Pipe()
        p.process.standardOutput = out
        p.process.standardError = err
        p.process.standardInput = FileHandle.nullDevice
        let exited = p.exited.continuation
        p.process.terminationHandler = { exited.yield($0.terminationStatus); exited.finish() }
        try p.process.run()
        p.outputDone.enter()
        Thread.detachNewThread { [p] in
            let data = out.fileHandleForReading.readDataToEndOfFile()
            E2EOutputRecord.append(String(decoding: data, as: UTF8.self), to: "cli-output.txt")
            p.stdout.withLock { $0 = data }
            p.outputDone.leave()
        }
        p.outputDone.enter()
        Thread.detachNewThread { [p] in
            var pending = Data()
            while true {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    p.stderrLog.withLock { $0.append(line) }
                    E2EOutputRecord.append(line + "\n", to: "cli-output.txt")
                    p.lines.continuation.yield(line)
                }
            }
            if !pending.isEmpty {
                let line = String(decoding: pending, as: UTF8.self)
                p.stderrLog.withLock { $0.append(line) }
                p.lines.continuation.yield(line)
            }
            p.lines.continuation.finish()
            p.outputDone.leave()
        }
        return p
    }

    /// Runs to completion (at most `timeout`, then it is killed).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                    timeout: Duration = .seconds(20)) async throws -> Result {
        let p = try start(executable, arguments, environment: environment)
        let status = await p.exitStatus(within: timeout) ?? -1
        return Result(status: status, stdout: p.stdoutText(), stderr: p.stderrLines().joined(separator: "\n"))
    }

    /// The first stderr line, parsed as JSON, for which `pick` gives a value (within 20 s).
    func firstLog<T: Sendable>(_ pick: @escaping @Sendable (JSONValue) -> T?) async -> T? {
        let lines = self.lines.stream
        return await Self.withTimeout(.seconds(20)) {
            for await line in lines {
                if let value = (try? JSONValue.parse(line)).flatMap(pick) { return value }
            }
            return nil
        }
    }

    /// The exit status, or nil (and the process killed) when it does not exit in time.
    func exitStatus(within limit: Duration) async -> Int32? {
        let exited = self.exited.stream
        let status = await Self.withTimeout(limit) {
            var iterator = exited.makeAsyncIterator()
            return await iterator.next()
        }
        if status == nil { terminateIfRunning() }
        // Let the readers collect the last output.
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in outputDone.notify(queue: .global()) { c.resume() } }
        return status
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    func terminateIfRunning() { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    func stdoutText() -> String { String(decoding: stdout.current, as: UTF8.self) }

    func stderrLines() -> [String] { stderrLog.current }

    /// `body`'s value, or nil when `limit` passes first (a bound, not a synchronisation).
    static func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async -> T?) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await body() }
            group.addTask { try? await Task.sleep(for: limit); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
