import Foundation

/// Runs a command-line tool with a hard time limit; the test side of every HTTP exchange.
struct ProcessResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum ProcessRunner {
    static func which(_ tool: String) -> String? {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
            return "\(dir)/\(tool)"
        }
        return nil
    }

    /// Reads a pipe to its end on a dedicated thread: blocking reads must never occupy the
    /// few threads of Swift's cooperative pool (the emulator under test runs there).
    private static func drain(_ pipe: Pipe) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }
        }
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    stdin: String? = nil, timeout: Double = 15) async throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { p in
            exited.continuation.yield(p.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        let stdinText = stdin ?? ""
        Thread.detachNewThread {
            input.fileHandleForWriting.write(Data(stdinText.utf8))
            try? input.fileHandleForWriting.close()
        }
        async let stdoutData = drain(out)
        async let stderrData = drain(err)
        let killer = Task.detached {
            try await Task.sleep(for: .seconds(timeout))
            if process.isRunning { process.terminate() }
        }
        let o = await stdoutData, e = await stderrData
        var iterator = exited.stream.makeAsyncIterator()
        let status = await iterator.next() ?? -1
        killer.cancel()
        return ProcessResult(status: status, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

/// A long-running curl (a watch) whose output arrives line by line.
final class LineStream: @unchecked Sendable {
    let process = Process()
    let lines: AsyncStream<String>
    private let exit = AsyncStream<Int32>.makeStream()
    private let continuation: AsyncStream<String>.Continuation
    private var iterator: AsyncStream<String>.AsyncIterator

    init(_ executable: String, _ arguments: [String]) throws {
        (lines, continuation) = AsyncStream<String>.makeStream()
        iterator = lines.makeAsyncIterator()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let exit = self.exit
        process.terminationHandler = { p in
            exit.continuation.yield(p.terminationStatus)
            exit.continuation.finish()
        }
        try process.run()
        let continuation = self.continuation
        Thread.detachNewThread {
            var buffer = Data()
            while true {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 10) {
                    continuation.yield(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    buffer = Data(buffer[(newline + 1)...])
                }
            }
            if !buffer.isEmpty { continuation.yield(String(decoding: buffer, as: UTF8.self)) }
            continuation.finish()
        }
    }

    /// The next line, or nil at end of stream or after `timeout` seconds.
    func next(timeout: Double = 10) async -> String? {
        let deadline = Task.detached { [process] in
            try await Task.sleep(for: .seconds(timeout))
            if process.isRunning { process.terminate() }
        }
        defer { deadline.cancel() }
        return await iterator.next()
    }

    /// Waits for curl to exit and returns its status (without blocking a pool thread).
    func exitStatus() async -> Int32 {
        var iterator = exit.stream.makeAsyncIterator()
        return await iterator.next() ?? process.terminationStatus
    }

    func stop() {
        if process.isRunning { process.terminate() }
    }

    deinit { stop() }
}
