import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import KubeClient
import TestSupport
import Locking

/// A tiny HTTP/1.1 server for transport edge cases the emulator cannot produce (a cut in the
/// middle of a line, a hang, a pause): one thread per connection, one request per
/// connection, answers written by a script (bytes, pauses, or nothing at all).
final class ScriptedHTTPServer: @unchecked Sendable {
    typealias Request = LoopbackHTTPServer.Request
    enum Step: Sendable {
        case send(String)
        case pause(Duration)
        case hang  // never answer (until the server stops)
    }

    let port: Int
    private let listener: Int32
    private let script: @Sendable (Request, Int) -> [Step]
    let requests = Locked<[Request]>([])
    private let stopped = Locked(false)

    init(script: @escaping @Sendable (Request, Int) -> [Step]) throws {
        self.script = script
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp in
                bind(fd, sp, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, sp, &len) == 0
            }
        }
        guard ok else { throw KubeError.configuration("test server cannot listen") }
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() {
        stopped.withLock { $0 = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 { return }
            Thread { [self] in serve(fd) }.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        guard let request = LoopbackHTTPServer.readRequest(fd) else { return }
        let index = requests.withLock { $0.append(request); return $0.count - 1 }
        for step in script(request, index) {
            switch step {
            case .send(let text):
                let bytes = Array(text.utf8)
                if bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) < 0 { return }
            case .pause(let d):
                Thread.sleep(forTimeInterval: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
            case .hang:
                while !stopped.withLock({ $0 }) {
                    var byte: UInt8 = 0
                    if recv(fd, &byte, 1, 0) <= 0 { return }  // the client hung up
                }
            }
        }
    }
}

extension ScriptedHTTPServer.Step {
    static func json(_ status: Int, _ body: String, headers: [String] = []) -> Self {
        let extra = headers.map { "\($0)\r\n" }.joined()
        return .send("HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\(extra)Connection: close\r\n\r\n\(body)")
    }
    static let chunkedHead = Self.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    static func chunk(_ text: String) -> Self { .send(String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n") }
    static let lastChunk = Self.send("0\r\n\r\n")
}
