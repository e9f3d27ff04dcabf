import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KubeAPI
import Locking

/// The one process runner of the tests (curl, kubectl, openssl, promtool, Prometheus, the built
/// `gateway-medic`): its output is read on dedicated threads, since blocking reads must never
/// occupy the few threads of Swift's cooperative pool that the emulator under test runs on; every
/// wait is bounded. Output arrives whole (`stdoutText`, `stderrLines`) and line by line
/// (`nextLine`, `firstLog`); `record` sees all of it, as it comes.
public final class ChildProcess: @unchecked Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// Both streams, stdout first.
        public var output: String { stdout + stderr }
    }

    private let process = Process()
    private let stdout = Locked(Data())
    private let stderrLog = Locked<[String]>([])
    private let stdoutStream = AsyncStream<String>.makeStream()
    private let stderrStream = AsyncStream<String>.makeStream()
    private let exited = AsyncStream<Int32>.makeStream()
    private let outputDone = DispatchGroup()
    /// Only `nextLine` touches it, one call at a time.
    private var stdoutLines: AsyncStream<String>.AsyncIterator

    private init() { stdoutLines = stdoutStream.stream.makeAsyncIterator() }

    /// The tool in /usr/bin, /usr/local/bin or /bin, or nil.
    public static func which(_ tool: String) -> String? {
        ["/usr/bin", "/usr/local/bin", "/bin"].map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts `executable` (environment nil: this process's), writing `stdin` to it (none: an
    /// empty input).
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                             stdin: String? = nil, record: (@Sendable (String) -> Void)? = nil) throws -> ChildProcess {
        let p = ChildProcess()
        p.process.executableURL = URL(fileURLWithPath: executable)
        p.process.arguments = arguments
        if let environment { p.process.environment = environment }
        let out = Pipe(), err = Pipe()
        p.process.standardOutput = out
        p.process.standardError = err
        let input = stdin.map { _ in Pipe() }
        p.process.standardInput = input ?? FileHandle.nullDevice
        let exited = p.exited.continuation
        p.process.terminationHandler = { exited.yield($0.terminationStatus); exited.finish() }
        try p.process.run()
        if let input, let stdin {
            Thread.detachNewThread {
                input.fileHandleForWriting.write(Data(stdin.utf8))
                try? input.fileHandleForWriting.close()
            }
        }
        p.outputDone.enter()
        Thread.detachNewThread { [p] in
            readLines(out, record: record, chunk: { data in p.stdout.withLock { $0.append(data) } },
                      line: { p.stdoutStream.continuation.yield($0) })
            p.stdoutStream.continuation.finish()
            p.outputDone.leave()
        }
        p.outputDone.enter()
        Thread.detachNewThread { [p] in
            readLines(err, record: record, chunk: { _ in }, line: { line in
                p.stderrLog.withLock { $0.append(line) }
                p.stderrStream.continuation.yield(line)
            })
            p.stderrStream.continuation.finish()
            p.outputDone.leave()
        }
        return p
    }

    /// Runs to completion (at most `timeout`, then it is killed and the status is -1).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           stdin: String? = nil, timeout: Duration = .seconds(20),
                           record: (@Sendable (String) -> Void)? = nil) async throws -> Result {
        let p = try start(executable, arguments, environment: environment, stdin: stdin, record: record)
        let status = await p.exitStatus(within: timeout) ?? -1
        return Result(status: status, stdout: p.stdoutText(), stderr: p.stderrLines().joined(separator: "\n"))
    }

    /// Reads `pipe` to its end: every chunk, then every line (the last one also without a newline).
    private static func readLines(_ pipe: Pipe, record: (@Sendable (String) -> Void)?,
                                  chunk: (Data) -> Void, line: (String) -> Void) {
        var pending = Data()
        while true {
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { break }
            chunk(data)
            pending.append(data)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let text = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                record?(text + "\n")
                line(text)
            }
        }
        if !pending.isEmpty {
            let text = String(decoding: pending, as: UTF8.self)
            record?(text)
            line(text)
        }
    }

    /// The next stdout line; nil at its end, or after `timeout` (then the process is stopped).
    public func nextLine(within timeout: Duration = .seconds(10)) async -> String? {
        let deadline = Task.detached { [process] in
            try await Task.sleep(for: timeout)
            if process.isRunning { process.terminate() }
        }
        defer { deadline.cancel() }
        return await stdoutLines.next()
    }

    /// The first stderr line, parsed as JSON, for which `pick` gives a value (within 20 s).
    public func firstLog<T: Sendable>(_ pick: @escaping @Sendable (JSONValue) -> T?) async -> T? {
        let lines = stderrStream.stream
        return await withTimeout(.seconds(20)) {
            for await line in lines {
                if let value = (try? JSONValue.parse(line)).flatMap(pick) { return value }
            }
            return nil
        }
    }

    /// The exit status, or nil (and the process killed) when it does not exit in time.
    public func exitStatus(within limit: Duration = .seconds(60)) async -> Int32? {
        let exited = self.exited.stream
        let status = await withTimeout(limit) {
            var iterator = exited.makeAsyncIterator()
            return await iterator.next()
        }
        if status == nil { terminateIfRunning() }
        // Let the readers collect the last output.
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in outputDone.notify(queue: .global()) { c.resume() } }
        return status
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// The process id (e.g. to read its credentials from /proc/<pid>/status).
    public var processIdentifier: Int32 { process.processIdentifier }

    public func terminateIfRunning() { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    public func stdoutText() -> String { String(decoding: stdout.current, as: UTF8.self) }

    public func stderrLines() -> [String] { stderrLog.current }

    deinit { terminateIfRunning() }
}

/// `body`'s value, or nil when `limit` passes first (a bound, not a synchronisation).
public func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async -> T?) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        group.addTask { try? await Task.sleep(for: limit); return nil }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
