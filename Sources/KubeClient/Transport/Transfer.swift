import CCurl
import Foundation

/// One request or stream in flight: the box whose unretained pointer libcurl carries as
/// WRITEDATA, HEADERDATA and PRIVATE. The driver retains it when it attaches the easy handle and
/// releases it right after `curl_multi_remove_handle`.
///
/// Thread rule: every `var` below is touched only on the driver thread, except `continuation`,
/// which the submitting task writes once before posting the `.add` command (the command queue's
/// lock orders that write before the driver's read).
final class Transfer: @unchecked Sendable {
    enum Sink {
        case buffered
        case stream(StreamBuffer)
    }

    /// Largest buffered (non-stream) response body accepted.
    static let maxBufferedBody = 256 << 20

    let request: HTTPRequest
    let sink: Sink
    var continuation: CheckedContinuation<Result<HTTPResponse, KubeError>, Never>?

    // Driver thread only.
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var connectToList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer: UnsafeMutablePointer<CChar>
    var headers = HeaderCollector()
    var body: [UInt8] = []
    var headPublished = false
    var cancelledBeforeStart = false
    var completed = false
    var overflowed = false

    init(request: HTTPRequest, sink: Sink) {
        self.request = request
        self.sink = sink
        let size = Int(gm_error_size())
        errorBuffer = .allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
    }

    deinit {
        errorBuffer.deallocate()
    }

    // MARK: callbacks (driver thread, inside curl_multi_perform or curl_easy_pause)

    func receiveHeader(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self)
        headers.consume(line: line)
        // The blank line ends a header block. A stream publishes the final (non-1xx) head now,
        // not at its first body byte: a watch of a quiet collection may send no body for minutes.
        if case .stream(let buffer) = sink, line == "\r\n" || line == "\n", responseCode() >= 200 {
            publishHeadIfNeeded(buffer)
        }
    }

    /// Returns the number of bytes taken, `CURL_WRITEFUNC_PAUSE`, or 0 to abort.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        switch sink {
        case .buffered:
            if body.count + bytes.count > Self.maxBufferedBody {
                overflowed = true
                return 0
            }
            body.append(contentsOf: bytes)
            return bytes.count
        case .stream(let buffer):
            publishHeadIfNeeded(buffer)
            return buffer.offer(bytes) ? bytes.count : Int(gm_writefunc_pause())
        }
    }

    func responseCode() -> Int {
        guard let easy else { return 0 }
        var code = 0
        _ = gm_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    private func publishHeadIfNeeded(_ buffer: StreamBuffer) {
        guard !headPublished else { return }
        headPublished = true
        buffer.publishHead(ResponseHead(status: responseCode(), headers: headers.headers))
    }

    // MARK: completion (driver thread)

    /// Delivers the outcome exactly once. `code` is libcurl's result, or nil when cancelled.
    func complete(code: CURLcode?) {
        guard let code else { return completeWith(error: .cancelled) }
        completeWith(error: code == CURLE_OK ? nil : transportError(code))
    }

    /// Delivers the outcome exactly once: the response, or `error`.
    func completeWith(error: KubeError?) {
        guard !completed else { return }
        completed = true
        switch sink {
        case .buffered:
            let result: Result<HTTPResponse, KubeError>
            if let error {
                result = .failure(error)
            } else {
                result = .success(HTTPResponse(head: ResponseHead(status: responseCode(), headers: headers.headers), body: body))
            }
            body = []
            continuation?.resume(returning: result)
            continuation = nil
        case .stream(let buffer):
            if error == nil { publishHeadIfNeeded(buffer) }
            buffer.finish(error)
        }
    }

    private func transportError(_ code: CURLcode) -> KubeError {
        if overflowed {
            return .transport(url: request.displayURL, message: "response larger than \(Self.maxBufferedBody) bytes")
        }
        var message = String(cString: errorBuffer)
        if message.isEmpty { message = String(cString: curl_easy_strerror(code)) }
        return .transport(url: request.displayURL, message: "\(message) (curl error \(code.rawValue))")
    }
}
