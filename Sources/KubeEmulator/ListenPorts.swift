import Foundation
import NIOCore

/// Which ports the emulator tries when it is asked for "any free port".
///
/// Not the kernel's choice (port 0): that comes from the ephemeral range, the same range every
/// outgoing connection on the machine draws its local port from. While the emulator is stopped
/// (`stop()`, `restart()`, an outage in a fault test), any connection made by another test can
/// take the port, and listening on it again fails with "address already in use". A port below
/// the ephemeral range is never handed to an outgoing connection. Public for the tests' own
/// loopback servers.
public enum ListenPorts {
    /// Random ports below the ephemeral range, then 0 (the kernel's choice) as the last resort.
    public static func candidates(count: Int = 32) -> [Int] {
        let low = ephemeralRangeStart()
        let range = max(1024, low - 12_000)..<low
        guard range.count > 1_000 else { return [0] }
        return (0..<count).map { _ in Int.random(in: range) } + [0]
    }

    /// The first port of the kernel's ephemeral range (Linux: `ip_local_port_range`; elsewhere
    /// the lower of the Linux and IANA defaults).
    public static func ephemeralRangeStart() -> Int {
        if let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
           let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first,
           let port = Int(first) {
            return port
        }
        return 32_768
    }

    /// The TCP sockets on `port` (local side) as /proc/net/tcp lists them, e.g. "LISTEN (inode
    /// 123), ESTABLISHED (inode 456)", for an error that must say what holds a port.
    static func socketStates(port: Int) -> String {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return "unknown" }
        let names = ["01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
                     "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"]
        let hexPort = String(format: ":%04X", port)
        let found = table.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[1].hasSuffix(hexPort) else { return nil }
            return "\(names[String(fields[3])] ?? String(fields[3])) (inode \(fields[9]))"
        }
        return found.isEmpty ? "none" : found.joined(separator: ", ")
    }

    /// Whether `error` says the port is taken.
    static func isAddressInUse(_ error: any Error) -> Bool {
        if let io = error as? IOError { return io.errnoCode == EADDRINUSE }
        return "\(error)".contains("Address already in use")
    }
}
