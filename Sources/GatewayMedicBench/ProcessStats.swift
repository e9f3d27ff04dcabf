import Foundation

/// CPU time and memory of this process (getrusage) and of a child (/proc, Linux).
enum ProcessStats {
    /// User + system CPU seconds this process used so far.
    static func selfCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Peak resident set of this process, in MB (ru_maxrss is in KB on Linux).
    static func selfPeakRSSMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// CPU seconds of the calling thread (for single-core measurements).
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// utime + stime of another process from /proc/<pid>/stat; nil when it is gone.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name; utime and stime are fields 14 and 15 (1-based) overall.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / (ticks > 0 ? ticks : 100)
    }

    /// A /proc/<pid>/status memory field (VmHWM = peak RSS, VmRSS = current) in MB.
    static func memoryMB(pid: Int32, field: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.dropFirst(field.count + 1).filter(\.isNumber)
            return Double(digits).map { $0 / 1024 }
        }
        return nil
    }

    private static func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
}

/// Percentiles of a sample, in the sample's unit.
struct Percentiles: Sendable {
    var count: Int
    var p50: Double
    var p99: Double
    var max: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        count = sorted.count
        // Nearest rank: the smallest value with at least q of the sample at or below it.
        func at(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            let rank = Int((q * Double(sorted.count)).rounded(.up))
            return sorted[Swift.min(sorted.count - 1, Swift.max(0, rank - 1))]
        }
        p50 = at(0.5)
        p99 = at(0.99)
        max = sorted.last ?? .nan
    }
}
