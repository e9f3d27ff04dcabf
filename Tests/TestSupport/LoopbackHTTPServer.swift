import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KubeEmulator

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

/// A tiny HTTP/1.1 server on 127.0.0.1 playing a webhook receiver in the tests: one thread per connection, one request
/// per connection, answers from a handler. It can be started on a port a stopped one used, to
/// play a receiver that goes down and comes back.
public final class LoopbackHTTPServer: @unchecked Sendable {
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
    public struct Failure: Error {}

    public var port: Int { listener.port }
    private let listener: LoopbackListener
    private let handler: @Sendable (Request) -> Response
    private let lock = NSLock()
    private var received: [Request] = []

    /// - Parameter port: 0 picks a free port below the ephemeral range (`ListenPorts`), so that
    ///   a receiver started again on it later finds it still free.
    public init(port: Int = 0, handler: @escaping @Sendable (Request) -> Response = { _ in .ok }) throws {
        self.handler = handler
        listener = try LoopbackListener(port: port)
        listener.start { [self] fd in serve(fd) }
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    public func stop() { listener.stop() }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        guard let request = Self.readRequest(fd) else { return }
        lock.lock()
        received.append(request)
        lock.unlock()
        let response = handler(request)
        let text = "HTTP/1.1 \(response.status) X\r\nContent-Type: application/json\r\nContent-Length: \(response.body.utf8.count)\r\nConnection: close\r\n\r\n\(response.body)"
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads one HTTP/1.1 request (head and Content-Length body) from a connected socket; nil when
    /// the peer hangs up first or the request line is malformed. Shared with the scripted server
    /// of the client tests.
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

/// Waits for a condition, polling; false when the deadline passes first.
public func loopbackEventually(timeout: Duration = .seconds(10), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

/// A forward proxy on 127.0.0.1 that only tunnels, as a proxy in front of an API server does:
/// HTTP `CONNECT host:port`, or SOCKS5 (no authentication, CONNECT) on the same port; it records
/// the targets it was asked for, and how.
public final class LoopbackConnectProxy: @unchecked Sendable {
    public var port: Int { listener.port }
    private let listener: LoopbackListener
    private let lock = NSLock()
    private var asked: [String] = []

    public init() throws {
        listener = try LoopbackListener(port: 0)
        listener.start { [self] fd in tunnel(fd) }
    }

    public var url: String { "http://127.0.0.1:\(port)" }
    public var socks5URL: String { "socks5://127.0.0.1:\(port)" }

    /// The `host:port` of every tunnel, in order; a SOCKS5 one is prefixed `socks5 `.
    public var connectTargets: [String] {
        lock.lock()
        defer { lock.unlock() }
        return asked
    }

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
        lock.lock()
        asked.append(request.target)
        lock.unlock()
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
        lock.lock()
        asked.append("socks5 \(host):\(port)")
        lock.unlock()
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
