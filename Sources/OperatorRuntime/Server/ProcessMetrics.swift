import Foundation

/// The `process_*` family as client_golang's process collector names it (CPU, memory, file
/// descriptors, start time), read from /proc at scrape time. Where /proc cannot be read (not
/// Linux) the family is left out rather than filled with zeros.
enum ProcessMetrics {
    static func render(into out: inout [UInt8]) {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return }
        // Fields after "(comm)": state is field 3; utime 14, stime 15, starttime 22, vsize 23, rss 24.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        var lines: [(String, String, String, Double)] = []
        if let utime = field(14), let stime = field(15), ticks > 0 {
            lines.append(("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", (utime + stime) / ticks))
        }
        if let rss = field(24) {
            lines.append(("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", rss * page))
        }
        if let vsize = field(23) {
            lines.append(("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", vsize))
        }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            lines.append(("process_open_fds", "gauge", "Number of open file descriptors.", Double(fds.count)))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            lines.append(("process_max_fds", "gauge", "Maximum number of open file descriptors.", Double(limit.rlim_cur)))
        }
        if let start = field(22), ticks > 0, let boot = bootTime() {
            lines.append(("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
                          (boot + start / ticks).rounded(.down)))
        }
        for (name, type, help, value) in lines {
            out.append(contentsOf: "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(GatewayHealthGauges.number(value))\n".utf8)
        }
    }

    /// `btime` of /proc/stat: when the machine booted, Unix seconds.
    private static func bootTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
