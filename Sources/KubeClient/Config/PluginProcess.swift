import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished plugin process left behind.
struct PluginProcessOutput: Sendable {
    var status: Int32
    /// True when the process ended by a signal rather than by exiting.
    var signaled: Bool
    var timedOut: Bool
    var stdout: [UInt8]
    var stderr: [UInt8]
}

/// Runs a short-lived helper process (an exec credential plugin) with the given environment and
/// a deadline. The waiting happens on a dedicated thread (poll on the output pipes and a wake
/// pipe written by the termination handler), never on the cooperative thread pool.
enum PluginProcess {
    struct LaunchFailure: Error { var detail: String }

    /// - Parameter passTerminal: the plugin reads this process's standard input (a terminal, for
    ///   an interactive login) and writes to its standard error; otherwise it reads nothing.
    static func run(executable: String, arguments: [String], environment: [String: String], timeout: TimeInterval,
                    passTerminal: Bool = false,
                    stdoutLimit: Int = 4 << 20, stderrLimit: Int = 64 << 10) async throws(LaunchFailure) -> PluginProcessOutput {
        let state = RunState()
        let process = state.process
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = state.stdout
        // Interactive: the plugin's prompts (a login URL, a device code) must reach the user at
        // once, as client-go passes them through; its stderr is then not in an error message.
        process.standardError = passTerminal ? FileHandle.standardError : state.stderr
        process.standardInput = passTerminal ? FileHandle.standardInput : FileHandle.nullDevice
        let wakeFD = state.wake.fileHandleForWriting.fileDescriptor
        process.terminationHandler = { _ in
            var byte: UInt8 = 1
            _ = withExtendedLifetime(state) { write(wakeFD, &byte, 1) }
        }
        try await launch(process)
        let pid = process.processIdentifier
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<PluginProcessOutput, Never>) in
                let thread = Thread {
                    continuation.resume(returning: state.collect(pid: pid, timeout: timeout, stdoutLimit: stdoutLimit, stderrLimit: stderrLimit))
                }
                thread.name = "exec-plugin-wait"
                thread.start()
            }
        } onCancel: {
            _ = kill(pid, SIGKILL)
        }
    }
}

extension PluginProcess {
    /// How long a launch refused with "text file busy" is retried. The kernel refuses to exec a
    /// file while any process holds it open for writing, which includes, for a moment, every
    /// child forked while the plugin was being written (an update in progress, or a script written
    /// just before by a program that starts other processes). The refusal ends by itself.
    static let busyRetryDelays: [Duration] = [.milliseconds(10), .milliseconds(50), .milliseconds(100),
                                              .milliseconds(250), .milliseconds(500), .seconds(1)]

    fileprivate static func launch(_ process: Process) async throws(LaunchFailure) {
        var delays = busyRetryDelays[...]
        var attempts = 0
        while true {
            attempts += 1
            do {
                try process.run()
                return
            } catch {
                let errno = posixCode(of: error)
                if errno == ETXTBSY, let delay = delays.popFirst() {
                    try? await Task.sleep(for: delay)
                    continue
                }
                var detail = "could not start: \(describe(error, errno: errno))"
                if attempts > 1 { detail += " (tried \(attempts) times)" }
                throw LaunchFailure(detail: detail)
            }
        }
    }

    /// Foundation reports a failed spawn as a Cocoa file error with the errno underneath; the
    /// errno is the part a user can act on.
    private static func posixCode(of error: any Error) -> Int32? {
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return Int32(nsError.code) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return Int32(underlying.code)
        }
        return nil
    }

    private static func describe(_ error: any Error, errno: Int32?) -> String {
        guard let errno else { return (error as NSError).localizedDescription }
        return String(cString: strerror(errno)) + (errno == ETXTBSY ? " (the file is still open for writing)" : "")
    }
}

/// The process and its pipes, kept alive together until the waiting thread is done. Touched by
/// one thread at a time (the caller before launch, then the waiting thread).
private final class RunState: @unchecked Sendable {
    let process = Process()
    let stdout = Pipe()
    let stderr = Pipe()
    let wake = Pipe()

    func collect(pid: Int32, timeout: TimeInterval, stdoutLimit: Int, stderrLimit: Int) -> PluginProcessOutput {
        var outBytes: [UInt8] = []
        var errBytes: [UInt8] = []
        var fds = [
            pollfd(fd: stdout.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stderr.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wake.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        var exited = false
        var buffer = [UInt8](repeating: 0, count: 65536)

        func drain(_ index: Int, blocking: Bool) {
            guard fds[index].fd >= 0 else { return }
            if !blocking { _ = fcntl(fds[index].fd, F_SETFL, fcntl(fds[index].fd, F_GETFL) | O_NONBLOCK) }
            repeat {
                let n = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if n <= 0 {
                    if n == 0 || (errno != EAGAIN && errno != EINTR) { fds[index].fd = -1 }
                    return
                }
                if index == 0 {
                    outBytes.append(contentsOf: buffer[0..<min(n, max(0, stdoutLimit - outBytes.count))])
                } else {
                    errBytes.append(contentsOf: buffer[0..<min(n, max(0, stderrLimit - errBytes.count))])
                }
            } while !blocking
        }

        while !exited {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 && !timedOut {
                timedOut = true
                _ = kill(pid, SIGKILL)
            }
            // After the kill, wait only briefly for the exit notice: Foundation reports the exit
            // only once every descendant holding its monitoring descriptor is gone (a `sleep`
            // left behind by a killed shell script), and a timed-out run is a failure anyway.
            let waitMs = timedOut ? 200 : Int32(min(max(remaining * 1000, 1), 60_000))
            for i in fds.indices { fds[i].revents = 0 }
            let ready = poll(&fds, nfds_t(fds.count), waitMs)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 && timedOut { break }
            for i in 0..<2 where fds[i].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                drain(i, blocking: true)
            }
            if fds[2].revents != 0 { exited = true }
        }
        // The process is gone: take what it wrote without waiting for children that hold the pipes.
        drain(0, blocking: false)
        drain(1, blocking: false)
        let finished = exited && !process.isRunning
        return PluginProcessOutput(
            status: finished ? process.terminationStatus : -1,
            signaled: finished && process.terminationReason == .uncaughtSignal,
            timedOut: timedOut, stdout: outBytes, stderr: errBytes)
    }
}
