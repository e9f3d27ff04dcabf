import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KubeEmulator
import Locking

/// A listening socket on 127.0.0.1 whose accept loop hands each connection to a thread of its
/// own: the one socket loop of the loopback test servers in this file.
struct LoopbackListener: Sendable {
    let fd: Int32
    let port: Int

    /// Binds `port`, or with 0 a free port below the ephemeral range (`ListenPorts`), so that a
    /// server started again on it later finds it still free.
    init(port: Int) throws {
        var listening: (fd: Int32, port: Int)?
        for candidate in port == 0 ? ListenPorts.candidates() : [port] {
            listening = Self.openSocket(on: candidate)
            if listening != nil { break }
        }
        guard let listening else { throw LoopbackHTTPServer.Failure() }
        fd = listening.fd
        self.port = listening.port
    }

    /// A listening socket on 127.0.0.1:`port` and the port it got, or nil when it is taken.
    private static func openSocket(on port: Int) -> (fd: Int32, port: Int)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp in
                bind(fd, sp, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, sp, &len) == 0
            }
        }
        guard ok else { close(fd); return nil }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// Accepts until `stop()`; `serve` owns (and closes) each connection.
    func start(_ serve: @escaping @Sendable (Int32) -> Void) {
        let listener = fd
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                Thread { serve(connection) }.start()
            }
        }.start()
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}

/// A loopback TCP port that was free a moment ago, below the ephemeral range (`ListenPorts`: an
/// outgoing connection of another test cannot take it before the process under test binds it).
/// Needed where port 0 means "off" rather than "any".
public func freePort() throws -> Int {
    let listener = try LoopbackListener(port: 0)
    listener.stop()
    return listener.port
}

/// A tiny HTTP/1.1 server on 127.0.0.1, the one raw HTTP server of the tests: one thread per
/// connection, one request per connection. It plays a webhook receiver (answers from a handler;
/// it can be started on a port a stopped one used, to play a receiver that goes down and comes
/// back) and the transport edge cases the emulator cannot produce (answers written by a script:
/// bytes, pauses, a cut in the middle of a line, or nothing at all).
public final class LoopbackHTTPServer: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var target: String
        public var headers: [String: String]
        public var body: String
    }
    public struct Response: Sendable {
        public var status: Int
        public var body: String
        public static let ok = Response(status: 200, body: "{}")
        public init(status: Int, body: String) {
            self.status = status
            self.body = body
        }
    }
    /// One step of a scripted answer.
    public enum Step: Sendable {
        case send(String)
        case pause(Duration)
        case hang  // never answer (until the server stops or the client hangs up)
    }
    public struct Failure: Error {}

    public var port: Int { listener.port }
    private let listener: LoopbackListener
    private let script: @Sendable (Request, Int) -> [Step]
    private let received = Locked<[Request]>([])
    private let stopped = Locked(false)

    /// Answers each request with the steps `script` gives for it and its index (0 for the first).
    /// - Parameter port: 0 picks a free port below the ephemeral range (`ListenPorts`), so that
    ///   a receiver started again on it later finds it still free.
    public init(port: Int = 0, script: @escaping @Sendable (Request, Int) -> [Step]) throws {
        self.script = script
        listener = try LoopbackListener(port: port)
        listener.start { [self] fd in serve(fd) }
    }

    /// Answers each request with `handler`'s JSON response.
    public convenience init(port: Int = 0, handler: @escaping @Sendable (Request) -> Response = { _ in .ok }) throws {
        try self.init(port: port, script: { request, _ in
            let response = handler(request)
            return [.json(response.status, response.body)]
        })
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Every request so far, in order.
    public var requests: [Request] { received.current }

    public func stop() {
        stopped.withLock { $0 = true }
        listener.stop()
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        guard let request = Self.readRequest(fd) else { return }
        let index = received.withLock { $0.append(request); return $0.count - 1 }
        for step in script(request, index) {
            switch step {
            case .send(let text):
                let bytes = Array(text.utf8)
                if bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) < 0 { return }
            case .pause(let d):
                Thread.sleep(forTimeInterval: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
            case .hang:
                while !stopped.current {
                    var byte: UInt8 = 0
                    if recv(fd, &byte, 1, 0) <= 0 { return }  // the client hung up
                }
            }
        }
    }

    /// Reads one HTTP/1.1 request (head and Content-Length body) from a connected socket; nil when
    /// the peer hangs up first or the request line is malformed.
    public static func readRequest(_ fd: Int32) -> Request? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            if let end = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                let parts = head[0].split(separator: " ")
                guard parts.count >= 2 else { return nil }
                var headers: [String: String] = [:]
                for line in head.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                while data.count - end.upperBound < length {
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n <= 0 { return nil }
                    data += buffer[0..<n]
                }
                let body = String(decoding: data[end.upperBound..<(end.upperBound + length)], as: UTF8.self)
                return Request(method: String(parts[0]), target: String(parts[1]), headers: headers, body: body)
            }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return nil }
            data += buffer[0..<n]
        }
    }
}

extension LoopbackHTTPServer.Step {
    /// A whole JSON answer, `Connection: close`.
    public static func json(_ status: Int, _ body: String, headers: [String] = []) -> Self {
        let extra = headers.map { "\($0)\r\n" }.joined()
        return .send("HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\(extra)Connection: close\r\n\r\n\(body)")
    }
    public static let chunkedHead = Self.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    public static func chunk(_ text: String) -> Self { .send(String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n") }
    public static let lastChunk = Self.send("0\r\n\r\n")
}

/// A forward proxy on 127.0.0.1 that only tunnels, as a proxy in front of an API server does:
/// HTTP `CONNECT host:port`, or SOCKS5 (no authentication, CONNECT) on the same port; it records
/// the targets it was asked for, and how.
public final class LoopbackConnectProxy: Sendable {
    public var port: Int { listener.port }
    private let listener: LoopbackListener
    private let asked = Locked<[String]>([])

    public init() throws {
        listener = try LoopbackListener(port: 0)
        listener.start { [self] fd in tunnel(fd) }
    }

    public var url: String { "http://127.0.0.1:\(port)" }
    public var socks5URL: String { "socks5://127.0.0.1:\(port)" }

    /// The `host:port` of every tunnel, in order; a SOCKS5 one is prefixed `socks5 `.
    public var connectTargets: [String] { asked.current }

    public func stop() { listener.stop() }

    private func tunnel(_ client: Int32) {
        var first: UInt8 = 0
        guard recv(client, &first, 1, Int32(MSG_PEEK)) == 1 else { close(client); return }
        if first == 5 {
            socks5(client)
            return
        }
        guard let request = LoopbackHTTPServer.readRequest(client), request.method == "CONNECT",
              let colon = request.target.lastIndex(of: ":"), let port = UInt16(request.target[request.target.index(after: colon)...]) else {
            close(client)
            return
        }
        asked.withLock { $0.append(request.target) }
        guard let upstream = Self.connectLoopback(port) else {
            Self.reply(client, Array("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".utf8))
            close(client)
            return
        }
        Self.reply(client, Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8))
        splice(client, upstream)
    }

    /// RFC 1928 with "no authentication" and CONNECT only.
    private func socks5(_ client: Int32) {
        func read(_ count: Int) -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            var got = 0
            while got < count {
                let n = bytes.withUnsafeMutableBytes { recv(client, $0.baseAddress! + got, count - got, 0) }
                if n <= 0 { return nil }
                got += n
            }
            return bytes
        }
        guard let greeting = read(2), let _ = read(Int(greeting[1])) else { close(client); return }
        Self.reply(client, [5, 0])
        guard let head = read(4), head[1] == 1 else { close(client); return }
        let host: String
        switch head[3] {
        case 1: guard let a = read(4) else { close(client); return }; host = a.map(String.init).joined(separator: ".")
        case 3: guard let n = read(1), let name = read(Int(n[0])) else { close(client); return }; host = String(decoding: name, as: UTF8.self)
        case 4: guard read(16) != nil else { close(client); return }; host = "[ipv6]"
        default: close(client); return
        }
        guard let p = read(2) else { close(client); return }
        let port = UInt16(p[0]) << 8 | UInt16(p[1])
        asked.withLock { $0.append("socks5 \(host):\(port)") }
        guard let upstream = Self.connectLoopback(port) else {
            Self.reply(client, [5, 5, 0, 1, 0, 0, 0, 0, 0, 0])
            close(client)
            return
        }
        Self.reply(client, [5, 0, 0, 1, 127, 0, 0, 1, 0, 0])
        splice(client, upstream)
    }

    private static func reply(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// A loopback test proxy: every target is local.
    private static func connectLoopback(_ port: UInt16) -> Int32? {
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if connected { return upstream }
        close(upstream)
        return nil
    }

    /// Both directions until both ends are done, then both sockets are closed.
    private func splice(_ client: Int32, _ upstream: Int32) {
        let done = DispatchSemaphore(value: 0)
        Thread { Self.pump(from: upstream, to: client); done.signal() }.start()
        Self.pump(from: client, to: upstream)
        done.wait()
        close(client)
        close(upstream)
    }

    /// Copies until either side closes, then closes both directions.
    private static func pump(from source: Int32, to target: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = recv(source, &buffer, buffer.count, 0)
            if n <= 0 { break }
            let sent = buffer.withUnsafeBytes { send(target, $0.baseAddress, n, Int32(MSG_NOSIGNAL)) }
            if sent != n { break }
        }
        shutdown(target, Int32(SHUT_WR))
        shutdown(source, Int32(SHUT_RD))
    }
}

/// Where `swift build --build-tests` put a product of this package: next to the test bundle.
public enum BuiltProduct {
    /// The paths tried, the first executable one first.
    public static func candidates(_ name: String, filePath: String = #filePath) -> [String] {
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            var url = URL(fileURLWithPath: first)
            while url.path != "/" && !url.lastPathComponent.hasSuffix(".xctest") && url.pathComponents.count > 1 {
                url.deleteLastPathComponent()
            }
            candidates.append(url.deletingLastPathComponent().appendingPathComponent(name))
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent(name))
        }
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/\(name)"))
        return candidates.map(\.path)
    }

    /// The built product, or nil when it is not there.
    public static func path(_ name: String) -> String? {
        candidates(name).first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
