import Foundation

/// Command-line settings of `GatewayMedicBench`.
struct BenchOptions: Sendable {
    /// Fleet sizes to run, one isolated operator process each.
    var sizes: [Int] = [10, 1_000, 10_000]
    /// Simulated seconds per wall second (1 = the real 15 s heartbeat in real time).
    var timeFactor: Double = 1
    /// Wall seconds of unchanged steady state measured per size.
    var steadySeconds: Double = 20
    /// Wall seconds of injected config changes (latency samples) per size.
    var faultSeconds: Double = 10
    /// GatewayAgent watch events decoded by the decoding benchmark.
    var decodeEvents: Int = 30_000
    /// Also run each size without the operator (the emulator + simulator alone) as a CPU baseline.
    var baseline: Bool = true
    /// The operator records its metrics into a Prometheus registry, as `run` does. `--no-metrics`
    /// leaves the no-op backend, to separate the registry's cost from the operator's own.
    var metrics: Bool = true
    /// The operator syncs and relists with streaming lists (`informers.streamingLists`, on by
    /// default); `--no-streaming-lists` makes it LIST, to compare sync time and peak RSS.
    var streamingLists: Bool = true
    /// `/metrics` scrapes timed per size once the fleet is synced (`--scrapes 0`: none).
    var scrapes: Int = 10

    /// `--child <url> <simOrigin> <wallOrigin> <factor>`: the operator process.
    var child: ChildArguments?

    struct ChildArguments: Sendable {
        var url: String
        var simOrigin: Double
        var wallOrigin: Double
        var factor: Double
        /// Where the child serves `/metrics` (nil: not served).
        var metricsPort: Int?
    }

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    static let usage = """
        usage: GatewayMedicBench [--sizes 10,1000,10000] [--quick] [--factor F] [--steady S] [--faults S]
                                 [--decode-events N] [--decode-only] [--no-baseline] [--no-metrics] [--no-streaming-lists] [--scrapes N]
        """

    static func parse(_ arguments: [String]) throws(UsageError) -> BenchOptions {
        var options = BenchOptions()
        var rest = arguments[...]
        func value(_ flag: String) throws(UsageError) -> String {
            guard let v = rest.popFirst() else { throw UsageError(description: "\(flag) needs a value\n\(usage)") }
            return v
        }
        func number(_ flag: String) throws(UsageError) -> Double {
            let text = try value(flag)
            guard let n = Double(text), n > 0, n.isFinite else { throw UsageError(description: "\(flag): '\(text)' is not a positive number") }
            return n
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--sizes":
                let text = try value(flag)
                let sizes = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !sizes.isEmpty, sizes.allSatisfy({ (1...20_000).contains($0) }) else {
                    throw UsageError(description: "--sizes: '\(text)' must be a comma-separated list of 1…20000")
                }
                options.sizes = sizes
            case "--quick":
                options.sizes = [10, 200]
                options.steadySeconds = 5
                options.faultSeconds = 4
                options.decodeEvents = 5_000
            case "--factor": options.timeFactor = try number(flag)
            case "--steady": options.steadySeconds = try number(flag)
            case "--faults": options.faultSeconds = try number(flag)
            case "--decode-events": options.decodeEvents = Int(try number(flag))
            case "--no-baseline": options.baseline = false
            case "--decode-only": options.sizes = []  // the one-core decoding figures alone
            case "--no-metrics": options.metrics = false
            case "--no-streaming-lists": options.streamingLists = false
            case "--scrapes":
                // 0 is allowed: no scrapes (the usage and `scrapes` say so; `number` wants > 0).
                let text = try value(flag)
                guard let n = Int(text), n >= 0 else { throw UsageError(description: "--scrapes: '\(text)' is not a whole number ≥ 0") }
                options.scrapes = n
            case "--metrics-port":
                let port = Int(try number(flag))
                options.child?.metricsPort = port
            case "--child":
                let url = try value(flag)
                let sim = try number(flag), wall = try number(flag), factor = try number(flag)
                options.child = ChildArguments(url: url, simOrigin: sim, wallOrigin: wall, factor: factor)
            case "-h", "--help": throw UsageError(description: usage)
            default: throw UsageError(description: "unknown argument '\(flag)'\n\(usage)")
            }
        }
        return options
    }
}
