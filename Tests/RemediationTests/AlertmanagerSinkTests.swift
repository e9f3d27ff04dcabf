import Foundation
import HealthModel
import KubeAPI
import KubeClient
import TestSupport
import Testing
@testable import Remediation

/// The Alertmanager sink against a loopback receiver (the real Alertmanager is in
/// E2ETicketAlertmanagerTests): what it posts, with which credentials, and when.
@Suite struct AlertmanagerSinkTests {
    static let now = Date(timeIntervalSince1970: 1_900_000_000)

    static func sink(_ receiver: LoopbackHTTPServer, path: String = "", resend: Duration = .seconds(60),
                     authorization: @escaping @Sendable () throws -> SecretString? = { nil },
                     sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) throws -> AlertmanagerTicketSink {
        AlertmanagerTicketSink(url: receiver.url + path, authorization: authorization, poster: try WebhookPoster(),
                               resendInterval: resend, retry: WebhookRetryPolicy(initialDelay: .milliseconds(10), maxDelay: .milliseconds(50)),
                               runbookURL: "https://docs.example/runbook.md", now: { Self.now }, sleep: sleep)
    }

    static func posted(_ request: LoopbackHTTPServer.Request) throws -> [JSONValue] {
        try #require(try JSONValue.parse(request.body).arrayValue)
    }

    @Test func aDraftBecomesAnAlertWithItsLabelsAnnotationsAndTimes() async throws {
        let receiver = try LoopbackHTTPServer()
        defer { receiver.stop() }
        let sink = try Self.sink(receiver, path: "/")
        var draft = try #require(sampleDraft("gw-1"))
        try await sink.open(draft)
        #expect(await eventually { receiver.requests.count == 1 })
        let request = try #require(receiver.requests.first)
        #expect(request.method == "POST" && request.target == "/api/v2/alerts")
        let alert = try #require(try Self.posted(request).first)
        #expect(alert["labels"] == [
            "alertname": "GatewayMedicTicket", "gateway_namespace": .string(draft.namespace), "gateway": "gw-1",
            "state": "CONFIG_FAIL", "severity": "warning",
        ])
        #expect(alert["annotations"]?["summary"]?.stringValue == draft.title)
        #expect(alert["annotations"]?["description"]?.stringValue == TicketRenderer.markdown(draft))
        #expect(alert["annotations"]?["runbook_url"] == "https://docs.example/runbook.md#gatewayconfigfail")
        #expect(alert["startsAt"]?.stringValue == KubeTime.format(draft.openedAt))
        #expect(alert["endsAt"]?.stringValue == KubeTime.format(Self.now.addingTimeInterval(240)), "four resend intervals ahead")

        // Resolved (the draft now says UP): the alert posted is resolved, ending now.
        draft.status = .resolved
        draft.state = .up
        draft.resolvedAt = draft.updatedAt.addingTimeInterval(30)
        draft.updatedAt = draft.resolvedAt!
        try await sink.resolve(draft)
        #expect(await eventually { receiver.requests.count == 2 })
        let resolved = try Self.posted(receiver.requests[1])
        #expect(resolved.count == 1 && resolved.first?["labels"]?["state"] == "CONFIG_FAIL")
        #expect(resolved.first?["endsAt"]?.stringValue == KubeTime.format(Self.now))
        await sink.stop()
    }

    /// A sink that never posted the draft's alert (after a restart) resolves every failing state's.
    @Test func aResolutionWithoutTheOpenAlertResolvesEveryFailingState() throws {
        var draft = try #require(sampleDraft("gw-1"))
        draft.status = .resolved
        draft.state = .up
        let alerts = AlertmanagerTicketSink.alerts(draft, previousState: nil, now: Self.now, resendSeconds: 60, runbookURL: "r")
        let states = Set((alerts.arrayValue ?? []).compactMap { $0["labels"]?["state"]?.stringValue })
        #expect(states == ["DOWN", "KEEPALIVE_FAIL", "CONFIG_FAIL", "WAITING"])
        #expect((alerts.arrayValue ?? []).allSatisfy { $0["endsAt"]?.stringValue == KubeTime.format(Self.now) })
    }

    @Test(arguments: [(GatewayState.down, "critical", "gatewaydown"), (.keepaliveFail, "critical", "gatewaykeepalivefail"),
                      (.configFail, "warning", "gatewayconfigfail"), (.waiting, "warning", "when-a-gateway-alert-fires")])
    func severityAndRunbookFollowTheState(state: GatewayState, severity: String, anchor: String) {
        #expect(AlertmanagerTicketSink.severity(state) == severity)
        #expect(AlertmanagerTicketSink.runbookAnchor(state) == anchor)
    }

    /// A draft whose state moves on (CONFIG_FAIL → DOWN) has other labels: the same post resolves
    /// the alert of the old state.
    @Test func aStateChangeResolvesTheOldStatesAlert() async throws {
        let receiver = try LoopbackHTTPServer()
        defer { receiver.stop() }
        let sink = try Self.sink(receiver)
        var draft = try #require(sampleDraft("gw-1"))
        try await sink.open(draft)
        #expect(await eventually { receiver.requests.count == 1 })
        draft.state = .down
        draft.updatedAt = draft.updatedAt.addingTimeInterval(60)
        try await sink.update(draft)
        #expect(await eventually { receiver.requests.count == 2 })
        let alerts = try Self.posted(receiver.requests[1])
        #expect(alerts.count == 2)
        #expect(alerts.first?["labels"]?["state"] == "CONFIG_FAIL" && alerts.first?["endsAt"]?.stringValue == KubeTime.format(Self.now))
        #expect(alerts.last?["labels"]?["state"] == "DOWN" && alerts.last?["labels"]?["severity"] == "critical")
        await sink.stop()
    }

    /// While a draft is open its alert is posted again every resend interval (Alertmanager would
    /// otherwise resolve it at endsAt); once resolved it is not.
    @Test func openAlertsAreResentResolvedOnesAreNot() async throws {
        let receiver = try LoopbackHTTPServer()
        defer { receiver.stop() }
        let gate = TickGate()
        // The resend timer waits for the test's tick instead of the time.
        let sink = try Self.sink(receiver, resend: .seconds(3600), sleep: { duration in
            if duration == .seconds(3600) { try await gate.wait() } else { try await Task.sleep(for: duration) }
        })
        var draft = try #require(sampleDraft("gw-1"))
        try await sink.open(draft)
        #expect(await eventually { await sink.deliveryQueue?.deliveredCount == 1 })
        await gate.tick()
        #expect(await eventually { receiver.requests.count == 2 }, "resent while open")
        #expect(await eventually { await sink.deliveryQueue?.resentCount == 1 })
        draft.status = .resolved
        draft.updatedAt = draft.updatedAt.addingTimeInterval(60)
        try await sink.resolve(draft)
        #expect(await eventually { await sink.deliveryQueue?.deliveredCount == 2 })
        await gate.tick()
        await gate.tick()
        #expect(await eventually { await sink.deliveryQueue?.pendingCount == 0 })
        #expect(receiver.requests.count == 3, "a resolved alert is not resent")
        await sink.stop()
        await gate.tick()  // lets the stopped timer end
    }

    @Test func credentialsComeFromAFileOrTheEnvironmentAndNeverFromTheConfig() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "tok3n\n".write(toFile: folder + "/token", atomically: true, encoding: .utf8)
        let bearer = AlertmanagerSettings(url: "https://am.example:9093", bearerTokenFile: folder + "/token")
        #expect(try bearer.authorization(environment: [:])?.value == "Bearer tok3n")
        let basic = AlertmanagerSettings(url: "https://am.example:9093", username: "medic", passwordEnv: "AM_PASSWORD")
        #expect(try basic.authorization(environment: ["AM_PASSWORD": "pa55"])?.value == "Basic " + Data("medic:pa55".utf8).base64EncodedString())
        #expect(throws: TicketSinkError.self) { try basic.authorization(environment: [:]) }
        #expect(bearer.problem == nil && basic.problem == nil)

        let both = AlertmanagerSettings(url: "https://am.example", bearerTokenEnv: "T", username: "u", passwordEnv: "P")
        #expect(try both.authorization(environment: ["T": "t", "P": "p"])?.value == "Bearer t", "the token wins")
        #expect(AlertmanagerSettings(url: "https://am.example", username: "u").problem?.key == "passwordFile")
        let inURL = AlertmanagerSettings(url: "https://user:pa55word@am.example/?token=abc")
        #expect(inURL.problem?.key == "url")
        #expect(!(inURL.problem?.detail ?? "").contains("pa55word") && !(inURL.problem?.detail ?? "").contains("token=abc"))
        #expect(AlertmanagerSettings(url: "am.example").problem?.key == "url")
    }

    @Test func theAuthorizationHeaderReachesAlertmanager() async throws {
        let receiver = try LoopbackHTTPServer { request in
            request.headers["authorization"] == "Bearer s3cret" ? .ok : .init(status: 401, body: "no")
        }
        defer { receiver.stop() }
        let sink = try Self.sink(receiver, authorization: { SecretString("Bearer s3cret") })
        try await sink.open(try #require(sampleDraft("gw-1")))
        #expect(await eventually { await sink.deliveryQueue?.deliveredCount == 1 })
        await sink.stop()
    }
}

/// Lets a waiting resend timer go, once per `tick`.
actor TickGate {
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var ticks = 0

    func wait() async throws {
        if ticks > 0 { ticks -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
        try Task.checkCancellation()
    }

    func tick() {
        if waiting.isEmpty { ticks += 1 } else { waiting.removeFirst().resume() }
    }
}
