import FabricSimulator
import Foundation
import HealthModel
import KubeAPI
import Locking
@testable import OperatorRuntime
import OperatorTestSupport
import Remediation
import TestSupport
import Testing

extension E2ETests {
    /// The webhook receiver is down when a draft opens: the drafts are kept, delivered once it is
    /// back, none lost and none sent twice; the ConfigMaps are written meanwhile.
    @Test func webhookDownKeepsDraftsAndDeliversEachOnceWhenBack() async throws {
        let up = Locked(false)
        // Keys of the requests answered 200: each draft version must appear once.
        let accepted = Locked<[String]>([])
        // The header secret comes from a file, as a mounted Secret would; the receiver checks it.
        let secret = "webhook-s3cr3t-\(UUID().uuidString)"
        E2EOutputRecord.secret(secret)
        let receiver = try LoopbackHTTPServer { request in
            E2EOutputRecord.append(request.body + "\n", to: "webhook-bodies.txt")
            guard request.headers.first(where: { $0.key.lowercased() == "x-medic-secret" })?.value == secret else {
                return .init(status: 401, body: "wrong secret")
            }
            guard up.current else { return .init(status: 503, body: "down") }
            let key = request.headers.first { $0.key.lowercased() == "idempotency-key" }?.value ?? "?"
            accepted.withLock { $0.append(key) }
            return .ok
        }
        defer { receiver.stop() }
        try await E2EWorld.with(gateways: 2) { world in
            let secretFile = world.pki.directory.appendingPathComponent("webhook-secret").path
            try (secret + "\n").write(toFile: secretFile, atomically: true, encoding: .utf8)
            var config = remediationConfig()
            config.tickets.webhook = WebhookSettings(url: receiver.url + "/tickets", headerName: "X-Medic-Secret", secretFile: secretFile)
            let running = try RunningOperator.start(
                world, config: config, identity: "medic-a",
                webhookRetry: WebhookRetryPolicy(initialDelay: .milliseconds(20), maxDelay: .milliseconds(100)))
            let instance = running.instance
            let settle = Self.settler(world, running, ["gateway-1", "gateway-2"])
            try await world.advance(to: 10, settle: settle)
            try await world.simulator.stopHeartbeats(gateway: "gateway-1")
            try await world.advance(to: 400, step: 5, settle: settle)
            let stored = world.ticketDrafts(of: "gateway-1")
            #expect(stored.count == 1 && stored.first?.status == .open, "the ConfigMap does not wait for the webhook")
            let webhook = try #require(instance.ticketSink(named: "webhook")?.deliveryQueue)
            #expect(await webhook.pendingCount == 1, "kept while the receiver is down")
            #expect(receiver.requests.count >= 1, "it was tried")
            #expect(await webhook.deliveredCount == 0)

            up.withLock { $0 = true }
            #expect(await eventually { await webhook.pendingCount == 0 })
            try await world.simulator.resumeHeartbeats(gateway: "gateway-1")
            try await world.advance(to: 460, step: 5, settle: settle)
            #expect(await eventually { let pending = await webhook.pendingCount; let done = await webhook.deliveredCount; return pending == 0 && done >= 2 })

            let delivered = accepted.current
            let keys = Set(delivered)
            #expect(delivered.count == keys.count, "no version sent twice: \(delivered)")
            #expect(await webhook.deliveredCount == keys.count)
            let ids = Set(keys.map { String($0.split(separator: "@").first ?? "") })
            #expect(ids == Set(world.ticketDrafts().map(\.id)), "none lost")
            let last = receiver.requests.last.flatMap { try? JSONValue.parse($0.body) }
            #expect(last?[path: "ticket", "status"]?.stringValue == "resolved")
        }
    }
}
