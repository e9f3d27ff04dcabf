import Foundation

/// Runs every size, then the decoding benchmark, and prints the table and the JSON line.
enum BenchReport {
    static func runAll(_ options: BenchOptions) async throws -> Int32 {
        func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        say("gateway-medic bench: sizes \(options.sizes.map(String.init).joined(separator: ", ")), time ×\(fmt(options.timeFactor, 1)), "
            + "steady \(fmt(options.steadySeconds, 0)) s, changes \(fmt(options.faultSeconds, 0)) s per size, "
            + "streaming lists \(options.streamingLists ? "on" : "off")")
        say("decoding \(options.decodeEvents) GatewayAgent watch events on one core…")
        let decode = try await DecodeBenchmark.run(events: options.decodeEvents, path: .bytes)
        let tree = try await DecodeBenchmark.run(events: options.decodeEvents, path: .tree)
        let heartbeat = try await DecodeBenchmark.run(events: options.decodeEvents, path: .heartbeat)
        var results: [FleetResult] = []
        for n in options.sizes {
            say("fleet of \(n) gateways…")
            results.append(try await FleetRun.run(gateways: n, options: options, say: say))
        }
        say("")
        say(table(results))
        for r in results {
            if let e = r.steadyEvaluations {
                say("\(r.gateways) gateways: in the steady window \(e.full) reconciles evaluated in full, \(e.advanced) advanced on a quiet heartbeat")
            }
            say("\(r.gateways) gateways: synced with \(r.syncStreamingLists) streaming lists + \(r.syncListPages) LIST pages"
                + (r.scrape.map { s in
                    "; /metrics \(s.bytes) B, \(s.series) series, \(fmt(s.secondsPerScrape.p50 * 1000, 1)) ms per scrape "
                        + "(max \(fmt(s.secondsPerScrape.max * 1000, 1))), operator CPU \(fmt(s.operatorCPUSecondsPerScrape * 1000, 1)) ms per scrape, "
                        + "peak RSS with scrapes \(r.operatorPeakRSSWithScrapesMB.map { fmt($0, 0) } ?? "?") MB"
                } ?? ""))
        }
        say("watch decoding (one core): \(fmt(decode.eventsPerSecond, 0)) events/s, \(fmt(decode.megabytesPerSecond, 1)) MB/s, "
            + "\(fmt(decode.averageEventBytes, 0)) B per event, \(decode.fromBytes) of \(decode.events) read from bytes "
            + "(through the tree: \(fmt(tree.eventsPerSecond, 0)) events/s, \(fmt(tree.megabytesPerSecond, 1)) MB/s)")
        say("watch decoding of the next heartbeat beside the cached view (one core): \(fmt(heartbeat.eventsPerSecond, 0)) events/s, "
            + "\(fmt(heartbeat.megabytesPerSecond, 1)) MB/s, \(heartbeat.fromBytes) of \(heartbeat.events) read from bytes")
        say("bench parent (emulator + simulator) peak RSS: \(fmt(ProcessStats.selfPeakRSSMB(), 0)) MB")
        say(json(results, decode, tree: tree, heartbeat: heartbeat, options: options))
        return 0
    }

    static func table(_ results: [FleetResult]) -> String {
        let header = ["gateways", "leaves", "time ×", "sync s", "gw hb/s", "leaf hb/s", "op CPU %", "op CPU s/1k hb",
                      "emu+sim %", "emu+sim alone %", "writes/hb", "relists", "lat p50 ms", "lat p99 ms", "lat max ms",
                      "samples", "op RSS MB (sync/peak)"]
        var rows = [header]
        for r in results {
            rows.append([
                "\(r.gateways)", "\(r.leaves)", fmt(r.factor, 1), r.syncSeconds.map { fmt($0) } ?? "FAILED",
                fmt(r.gatewayHeartbeatsPerSecond, 1), fmt(r.leafHeartbeatsPerSecond, 1), fmt(r.operatorCorePercent, 1),
                fmt(r.operatorCPUPer1000, 3), fmt(r.parentCorePercent, 1), r.baselineCorePercent.map { fmt($0, 1) } ?? "-",
                fmt(r.writesPerHeartbeat, 4), "\(r.relists)", fmt(r.latency.p50, 1), fmt(r.latency.p99, 1), fmt(r.latency.max, 1),
                "\(r.latency.count)" + (r.unanswered > 0 ? " (\(r.unanswered) lost)" : ""),
                "\(r.operatorRSSAfterSyncMB.map { fmt($0, 0) } ?? "?")/\(r.operatorPeakRSSMB.map { fmt($0, 0) } ?? "?")",
            ])
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            "| " + row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
        }.joined(separator: "\n")
    }

    static func json(_ results: [FleetResult], _ decode: DecodeResult, tree: DecodeResult, heartbeat: DecodeResult, options: BenchOptions) -> String {
        func num(_ x: Double?) -> Any { x.flatMap { $0.isFinite ? ($0 * 1000).rounded() / 1000 : nil } ?? NSNull() }
        let sizes: [[String: Any]] = results.map { r in
            [
                "gateways": r.gateways, "leaves": r.leaves, "timeFactor": num(r.factor), "syncSeconds": num(r.syncSeconds),
                "gatewayHeartbeatsPerSecond": num(r.gatewayHeartbeatsPerSecond), "leafHeartbeatsPerSecond": num(r.leafHeartbeatsPerSecond),
                "operatorCorePercent": num(r.operatorCorePercent), "operatorCPUSecondsPer1000Heartbeats": num(r.operatorCPUPer1000),
                "emulatorSimulatorCorePercent": num(r.parentCorePercent), "emulatorSimulatorAloneCorePercent": num(r.baselineCorePercent),
                "writesPerUnchangedHeartbeat": num(r.writesPerHeartbeat), "steadyWrites": r.steadyWrites, "relists": r.relists,
                "steadyFullEvaluations": r.steadyEvaluations.map { $0.full as Any } ?? NSNull(),
                "steadyAdvances": r.steadyEvaluations.map { $0.advanced as Any } ?? NSNull(),
                "latencyMs": ["p50": num(r.latency.p50), "p99": num(r.latency.p99), "max": num(r.latency.max),
                              "samples": r.latency.count, "unanswered": r.unanswered] as [String: Any],
                "operatorPeakRSSMB": num(r.operatorPeakRSSMB), "operatorRSSAfterSyncMB": num(r.operatorRSSAfterSyncMB),
                "simulatorErrors": r.simulatorErrors,
                "syncStreamingLists": r.syncStreamingLists, "syncListPages": r.syncListPages,
                "scrape": r.scrape.map { s in
                    ["scrapes": s.scrapes, "bytes": s.bytes, "series": s.series, "msP50": num(s.secondsPerScrape.p50 * 1000),
                     "msMax": num(s.secondsPerScrape.max * 1000), "operatorCPUMsPerScrape": num(s.operatorCPUSecondsPerScrape * 1000),
                     "operatorPeakRSSWithScrapesMB": num(r.operatorPeakRSSWithScrapesMB)] as [String: Any]
                } ?? NSNull(),
            ]
        }
        let object: [String: Any] = [
            "sizes": sizes,
            "watchDecoding": ["eventsPerSecond": num(decode.eventsPerSecond), "megabytesPerSecond": num(decode.megabytesPerSecond),
                              "averageEventBytes": num(decode.averageEventBytes), "events": decode.events,
                              "eventsReadFromBytes": decode.fromBytes, "treeEventsPerSecond": num(tree.eventsPerSecond),
                              "treeMegabytesPerSecond": num(tree.megabytesPerSecond),
                              "heartbeatEventsPerSecond": num(heartbeat.eventsPerSecond),
                              "heartbeatEventsReadFromBytes": heartbeat.fromBytes] as [String: Any],
            "benchParentPeakRSSMB": num(ProcessStats.selfPeakRSSMB()),
            "transport": "plain HTTP/1.1 on loopback",
            "streamingLists": options.streamingLists,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
