import FabricSimulator
import Foundation
import HedgehogResources
import KubeAPI
import KubeEmulator
import OperatorTestSupport
import Testing
import TestSupport

/// Two `gateway-medic run` processes against one emulator: one leads and writes, and when it is
/// killed (SIGKILL: no lease release) the other takes over within the lease time.
@Suite(.serialized) struct CLILeaderElectionTests {
    static let leaseSeconds = 4.0

    @Test func twoRunProcessesElectOneWriterAndHandOverWhenTheLeaderDies() async throws {
        // The fabric is judged on the wall clock: every gateway has just reported.
        let t0 = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 30)
        try await CheckFixture.with(gateways: 2, t0: t0) { fixture in
            try await fixture.simulator.step(now: Date())
            let binary = try CLIProcessTests.binary()
            func start() throws -> ChildProcess {
                try ChildProcess.start(binary, [
                    "run", "--kubeconfig", fixture.kubeconfig, "--server-host", "127.0.0.1", "--server-port", String(try freePort()),
                    "--operator-namespace", "default", "--lease-duration", String(Self.leaseSeconds), "--renew-deadline", "3",
                    "--retry-period", "0.5", "--log-format", "json",
                ], environment: ["HOME": "/nonexistent"], record: E2EOutputRecord.cliOutput)
            }
            let a = try start()
            defer { a.terminateIfRunning() }
            let b = try start()
            defer { b.terminateIfRunning() }
            let synced: @Sendable (JSONValue) -> String? = { $0["msg"]?.stringValue == "caches synced" ? $0["identity"]?.stringValue : nil }
            let idA = try #require(await a.firstLog(synced))
            let idB = try #require(await b.firstLog(synced))
            #expect(idA != idB)

            let store = fixture.server.store
            func holder() -> String? {
                (try? store.get(.leases, namespace: "default", name: "gateway-medic"))?[path: "spec", "holderIdentity"]?.stringValue
            }
            func states() -> [String] {
                ((try? store.list(.gatewayHealths, namespace: "default"))?.items ?? []).compactMap { $0[path: "status", "state"]?.stringValue }
            }
            #expect(await eventually(15) { [idA, idB].contains(holder() ?? "") }, "a leader is elected")
            #expect(await eventually(15) { states() == ["UP", "UP"] }, "the leader writes both GatewayHealths: \(states())")
            let leaderID = try #require(holder())
            let (leader, follower, followerID) = leaderID == idA ? (a, b, idB) : (b, a, idA)

            // Every write so far (Lease aside) came from the leader.
            let writes = fixture.server.requestLog.filter { $0.isWrite && $0.resource != "leases" }
            #expect(!writes.isEmpty)
            #expect(writes.allSatisfy { $0.info.userAgent.contains("(\(leaderID))") },
                    "writes by a follower: \(writes.filter { !$0.info.userAgent.contains("(\(leaderID))") }.map(\.path))")

            // A crash: the lease is not released; the follower takes over once it expires.
            leader.signal(SIGKILL)
            let killed = Date()
            #expect(await eventually(20) { holder() == followerID }, "the follower takes the lease")
            let handover = Date().timeIntervalSince(killed)
            #expect(handover < Self.leaseSeconds * 2 + 2, "handover took \(handover) s for a \(Self.leaseSeconds) s lease")

            // The new leader writes: a deleted GatewayHealth comes back, written by it. Its log line
            // for the status write comes after the write's Events, so once it is there every Event
            // the recreation raises is in the store.
            _ = try store.delete(.gatewayHealths, namespace: "default", name: "gateway-1")
            let rewritten: @Sendable () -> Bool = {
                follower.stderrLines().contains { line in
                    guard let log = try? JSONValue.parse(line) else { return false }
                    return log["msg"]?.stringValue == "GatewayHealth status written"
                        && log["gateway"]?.stringValue?.hasSuffix("gateway-1") == true
                        && log["change"]?.stringValue?.hasPrefix("new status") == true
                }
            }
            #expect(await eventually(15) { rewritten() && states() == ["UP", "UP"] }, "the new leader recreates the GatewayHealth: \(states())")
            let recreated = fixture.server.requestLog.filter { $0.verb == "create" && $0.resource == "gatewayhealths" }
            #expect(recreated.last?.info.userAgent.contains("(\(followerID))") == true)

            // Nothing was written twice: no Event reason occurs twice for a gateway that changed
            // state at most once (the recreated GatewayHealth continues the deleted one's story),
            // and each GatewayHealth was created once per life.
            let events = (try store.list(.events, namespace: "default")).items
            var occurrences: [String: Int64] = [:]
            for event in events {
                let key = "\(event[path: "involvedObject", "name"]?.stringValue ?? "")/\(event["reason"]?.stringValue ?? "")"
                occurrences[key, default: 0] += event["count"]?.intValue ?? 1
            }
            #expect(occurrences.values.allSatisfy { $0 == 1 }, "events written twice: \(occurrences)")
            #expect(recreated.count == 3, "two creates by the first leader, one after the delete: \(recreated.map(\.path))")
        }
    }
}
