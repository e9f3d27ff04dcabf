import CCurl
import Foundation
import Locking

/// The one thread that owns libcurl's multi handle. Every request and watch stream of a client is
/// a transfer on this handle (multiplexed over HTTP/2 when the server offers it). Other threads
/// never touch a curl handle: they post commands and wake the loop with `curl_multi_wakeup`.
///
/// While only watch streams are attached and one of them holds events its reader is not yet to
/// see (its delivery window, `StreamBuffer.wakeIfDue`), the loop does not poll the sockets: it
/// sleeps until that window closes (or a command arrives) and then reads everything that came
/// meanwhile in one pass. At 10,000 gateways the watches carry ~1,000 events a second, and waking
/// this thread for each was a quarter of the operator's CPU.
final class CurlDriver: @unchecked Sendable {
    enum Command: Sendable {
        case add(Transfer)
        case cancel(Transfer)
        case unpause(Transfer)
        case shutdown
    }

    private struct Inbox {
        var commands: [Command] = []
        var closed = false
        var attachedCount = 0
    }

    /// Read-only after init; freed by the driver thread only after `closed` is set under the
    /// inbox lock, and `curl_multi_wakeup` is only called under that lock while not closed.
    private let multi: UnsafeMutableRawPointer
    private let inbox = Locked(Inbox())
    /// Driver thread only: transfers whose easy handle is in the multi handle.
    private var attached: [ObjectIdentifier: Transfer] = [:]
    /// Driver thread only: attached transfers that are not streams (requests awaiting a response).
    private var requestsInFlight = 0
    /// Driver thread only: the attached streams' transfers and buffers, walked every pass
    /// (`wakeDueStreams`) without going through the dictionary and the sink's enum.
    private var streams: [(transfer: Transfer, buffer: StreamBuffer)] = []
    /// Signalled by every `submit`, so that the loop's batching sleep ends when there is work.
    private let kick = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)

    init(name: String) throws(KubeError) {
        guard CurlGlobal.initialized else { throw .configuration("libcurl global initialisation failed") }
        guard let multi = curl_multi_init() else { throw .configuration("curl_multi_init failed") }
        self.multi = multi
        _ = gm_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Posts a command. Returns false once the driver is shut down (the command is dropped).
    @discardableResult
    func submit(_ command: Command) -> Bool {
        inbox.withLock { box in
            guard !box.closed else { return false }
            box.commands.append(command)
            if case .shutdown = command { box.closed = true }
            curl_multi_wakeup(multi)
            kick.signal()
            return true
        }
    }

    /// Stops the loop: every transfer still in flight ends with `.cancelled`. Idempotent.
    /// `wait` blocks until the thread has released its handles.
    func shutdown(wait: Bool = false) {
        if submit(.shutdown), wait { stopped.wait() }
    }

    /// Transfers attached to the multi handle right now (for leak checks in tests).
    var attachedCount: Int { inbox.withLock { $0.attachedCount } }

    var isShutDown: Bool { inbox.withLock { $0.closed } }

    // MARK: driver thread

    private func run() {
        var running: Int32 = 0
        var batched = false
        loop: while true {
            let commands = inbox.withLock { box -> [Command] in
                defer { box.commands.removeAll(keepingCapacity: true) }
                return box.commands
            }
            for command in commands {
                switch command {
                case .add(let t): attach(t)
                case .cancel(let t): cancel(t)
                case .unpause(let t): if let easy = t.easy, !t.completed { _ = gm_easy_unpause(easy) }
                case .shutdown: break loop
                }
            }
            curl_multi_perform(multi, &running)
            collectFinished()
            let pending = wakeDueStreams(all: batched)
            batched = false
            if let pending, requestsInFlight == 0 {
                // libcurl's own timers (a stream's idle timeout) still run on time.
                var curlDue = -1
                curl_multi_timeout(multi, &curlDue)
                let sleep = curlDue >= 0 ? min(pending, UInt64(curlDue) * 1_000_000) : pending
                batched = sleepUnlessKicked(nanoseconds: sleep) && sleep == pending
            } else {
                let ms = pending.map { Int32(min(($0 + 999_999) / 1_000_000, 1_000)) } ?? 1_000
                curl_multi_poll(multi, nil, 0, ms, nil)
            }
        }
        for transfer in Array(attached.values) {
            detach(transfer)
            transfer.complete(code: nil)
        }
        curl_multi_cleanup(multi)
        stopped.signal()
    }

    /// Wakes the readers of streams whose delivery window has passed (`all`: of every stream
    /// holding events, after a batching sleep: they were read late already); returns the
    /// nanoseconds until the next such wake-up, if one is pending.
    private func wakeDueStreams(all: Bool) -> UInt64? {
        var next: UInt64?
        for (_, buffer) in streams {
            guard let remaining = buffer.wakeIfDue(force: all) else { continue }
            next = min(next ?? remaining, remaining)
        }
        return next
    }

    /// `DISPATCH_TIME_NOW`: a wait that never blocks.
    private static let pollOnly = DispatchTime(uptimeNanoseconds: 0)

    /// Sleeps up to `nanoseconds` unless a command is waiting or arrives meanwhile. Returns
    /// whether it slept the whole time (false: there is work, go round at once).
    private func sleepUnlessKicked(nanoseconds: UInt64) -> Bool {
        // Signals of commands already taken would end the sleep at once: drop them first.
        // `DispatchTime.now()` is a deadline: an empty semaphore then went to the kernel (a
        // futex wait that timed out at once, every window); `pollOnly` is libdispatch's "now",
        // which only tries the count.
        while kick.wait(timeout: Self.pollOnly) == .success {}
        guard inbox.withLock({ $0.commands.isEmpty }) else { return false }
        return kick.wait(timeout: .now() + .nanoseconds(Int(clamping: nanoseconds))) == .timedOut
    }

    private func attach(_ transfer: Transfer) {
        if transfer.cancelledBeforeStart {
            transfer.complete(code: nil)
            return
        }
        // The multi handle holds this retain; `detach` gives it back after remove_handle.
        let userdata = Unmanaged.passRetained(transfer).toOpaque()
        switch EasyHandleBuilder(transfer: transfer, userdata: userdata).make() {
        case .success(let easy):
            let code = curl_multi_add_handle(multi, easy)
            guard code == CURLM_OK else {
                freeHandle(transfer)
                Unmanaged<Transfer>.fromOpaque(userdata).release()
                transfer.completeWith(error: .transport(url: transfer.request.displayURL, message: String(cString: curl_multi_strerror(code))))
                return
            }
            attached[ObjectIdentifier(transfer)] = transfer
            switch transfer.sink {
            case .buffered: requestsInFlight += 1
            case .stream(let buffer): streams.append((transfer, buffer))
            }
            inbox.withLock { $0.attachedCount += 1 }
        case .failure(let error):
            freeHandle(transfer)
            Unmanaged<Transfer>.fromOpaque(userdata).release()
            transfer.completeWith(error: error)
        }
    }

    private func cancel(_ transfer: Transfer) {
        guard attached[ObjectIdentifier(transfer)] != nil else {
            // Not added yet (the cancel overtook the add) or already finished.
            if !transfer.completed { transfer.cancelledBeforeStart = true }
            return
        }
        detach(transfer)
        transfer.complete(code: nil)
    }

    private func collectFinished() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard gm_msg_is_done(message) != 0, let easy = message.pointee.easy_handle else { continue }
            var raw: UnsafeMutableRawPointer?
            _ = gm_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &raw)
            guard let raw else { continue }
            let transfer = Unmanaged<Transfer>.fromOpaque(raw).takeUnretainedValue()
            let code = gm_msg_result(message)
            // Read the response before the handle goes away.
            transfer.complete(code: code)
            detach(transfer)
        }
    }

    /// Removes the easy handle, frees it and its lists, and drops the multi handle's retain.
    private func detach(_ transfer: Transfer) {
        guard attached.removeValue(forKey: ObjectIdentifier(transfer)) != nil, let easy = transfer.easy else { return }
        curl_multi_remove_handle(multi, easy)
        switch transfer.sink {
        case .buffered: requestsInFlight -= 1
        case .stream: streams.removeAll { $0.transfer === transfer }
        }
        freeHandle(transfer)
        Unmanaged.passUnretained(transfer).release()
        inbox.withLock { $0.attachedCount -= 1 }
    }

    private func freeHandle(_ transfer: Transfer) {
        if let easy = transfer.easy { curl_easy_cleanup(easy) }
        transfer.easy = nil
        curl_slist_free_all(transfer.headerList)
        transfer.headerList = nil
        curl_slist_free_all(transfer.connectToList)
        transfer.connectToList = nil
    }
}

/// `curl_global_init` must run once before any other libcurl call; a `static let` is initialised
/// exactly once, thread-safely.
enum CurlGlobal {
    static let initialized: Bool = gm_global_init() == CURLE_OK
}
