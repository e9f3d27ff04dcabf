import Foundation

/// The async face of the curl driver: buffered requests and streamed responses.
final class CurlTransport: Sendable {
    private let driver: CurlDriver

    init(threadName: String = "gateway-medic.curl") throws(KubeError) {
        driver = try CurlDriver(name: threadName)
    }

    /// Performs a request and buffers its body. Cancelling the calling task aborts the transfer.
    func send(_ request: HTTPRequest) async -> Result<HTTPResponse, KubeError> {
        let transfer = Transfer(request: request, sink: .buffered)
        let driver = self.driver
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Result<HTTPResponse, KubeError>, Never>) in
                transfer.continuation = c
                if !driver.submit(.add(transfer)) {
                    transfer.continuation = nil
                    c.resume(returning: .failure(.cancelled))
                }
            }
        } onCancel: {
            driver.submit(.cancel(transfer))
        }
    }

    /// Starts a streamed request and returns once the response head has arrived (or the transfer
    /// failed first). At most `bufferCapacity` bytes wait unread before the transfer is paused.
    func openStream(_ request: HTTPRequest, bufferCapacity: Int = 1 << 20,
                    deliveryWindow: Duration = .zero) async -> Result<ResponseStream, KubeError> {
        let buffer = StreamBuffer(capacity: bufferCapacity, deliveryWindow: deliveryWindow)
        let transfer = Transfer(request: request, sink: .stream(buffer))
        guard driver.submit(.add(transfer)) else { return .failure(.cancelled) }
        let stream = ResponseStream(buffer: buffer, transfer: transfer, driver: driver)
        let driver = self.driver
        let head = await withTaskCancellationHandler {
            await buffer.head()
        } onCancel: {
            driver.submit(.cancel(transfer))
        }
        return head.map { head in
            stream.head = head
            return stream
        }
    }

    func shutdown(wait: Bool = false) { driver.shutdown(wait: wait) }

    var isShutDown: Bool { driver.isShutDown }

    /// Transfers currently attached to the multi handle (tests check this returns to zero).
    var activeTransfers: Int { driver.attachedCount }
}

/// A response being received. Read it from one task at a time. Dropping the last reference
/// cancels the transfer if it is still running.
final class ResponseStream: @unchecked Sendable {
    /// Set once before the stream is handed out; read-only afterwards.
    fileprivate(set) var head = ResponseHead(status: 0, headers: [:])
    private let buffer: StreamBuffer
    private let transfer: Transfer
    private let driver: CurlDriver

    fileprivate init(buffer: StreamBuffer, transfer: Transfer, driver: CurlDriver) {
        self.buffer = buffer
        self.transfer = transfer
        self.driver = driver
    }

    deinit { driver.submit(.cancel(transfer)) }

    /// The next chunk of the body; nil at its clean end. Cancelling the task aborts the transfer.
    func next() async -> Result<[UInt8]?, KubeError> {
        let (buffer, transfer, driver) = (self.buffer, self.transfer, self.driver)
        let (item, unpause) = await withTaskCancellationHandler {
            await buffer.take()
        } onCancel: {
            driver.submit(.cancel(transfer))
        }
        if unpause { driver.submit(.unpause(transfer)) }
        switch item {
        case .chunk(let bytes): return .success(bytes)
        case .end: return .success(nil)
        case .failure(let error): return .failure(error)
        }
    }

    /// Reads the rest of the body, up to `limit` bytes (for error responses).
    func collect(limit: Int) async -> Result<[UInt8], KubeError> {
        var body: [UInt8] = []
        while true {
            switch await next() {
            case .success(let chunk?):
                body.append(contentsOf: chunk.prefix(max(0, limit - body.count)))
                if body.count >= limit { cancel(); return .success(body) }
            case .success(nil): return .success(body)
            case .failure(let error): return .failure(error)
            }
        }
    }

    func cancel() { driver.submit(.cancel(transfer)) }
}
