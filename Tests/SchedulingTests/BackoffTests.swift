import Foundation
import Testing
import Scheduling

/// The one exponential backoff (its users' own numbers are tested next to them: RetryPolicy in
/// KubeClientTests, the work queue's limiter in OperatorTests, the webhook's in RemediationTests).
@Suite struct BackoffTests {
    private func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    /// The informer's reconnect backoff (client-go / kube-rs numbers).
    @Test func backoffGrowsCapsAndResets() {
        var backoff = Backoff(random: { 0 })
        let start = Date(timeIntervalSince1970: 0)
        let delays = (0..<8).map { seconds(backoff.nextDelay(now: start.addingTimeInterval(Double($0)))) }
        #expect(delays == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30])
        #expect(seconds(backoff.nextDelay(now: start.addingTimeInterval(500))) == 0.8)  // quiet for > 2 min
        var jittered = Backoff(random: { 0.999 })
        #expect(seconds(jittered.nextDelay(now: start)) < 1.2 + 1e-9)
        backoff.reset()
        #expect(seconds(backoff.nextDelay(now: start.addingTimeInterval(501))) == 0.8)
    }

    @Test func delayAfterFailuresIsExponentialAndCapped() {
        let backoff = Backoff(initial: .milliseconds(100), factor: 3, cap: .seconds(5))
        #expect(backoff.delay(afterFailures: 0) == .milliseconds(100))
        #expect(backoff.delay(afterFailures: 1) == .milliseconds(100))
        #expect(abs(seconds(backoff.delay(afterFailures: 3)) - 0.9) < 1e-9)
        #expect(backoff.delay(afterFailures: 5) == .seconds(5))  // 8.1 s, capped
        #expect(backoff.delay(afterFailures: Int.max) == .seconds(5))
        // A factor below 1 does not shrink the wait.
        #expect(Backoff(initial: .seconds(1), factor: 0.5, cap: .seconds(9)).delay(afterFailures: 4) == .seconds(1))
    }
}
