import Foundation
import Testing
@testable import KubeClient

@Suite struct BackoffTests {
    let t0 = ContinuousClock.now

    @Test func growsDoublesAndCaps() {
        var backoff = Backoff(policy: BackoffPolicy(jitter: 0))
        let delays = (0..<8).map { i in backoff.nextDelay(now: t0 + .seconds(i), random: 0.5) }
        #expect(delays == [.milliseconds(800), .milliseconds(1600), .milliseconds(3200), .milliseconds(6400),
                           .milliseconds(12800), .milliseconds(25600), .seconds(30), .seconds(30)])
    }

    @Test func jitterStaysInBounds() {
        let policy = BackoffPolicy(jitter: 0.2)
        for random in stride(from: 0.0, through: 1.0, by: 0.1) {
            var backoff = Backoff(policy: policy)
            let first = backoff.nextDelay(now: t0, random: random)
            #expect(first >= .microseconds(639_999) && first <= .microseconds(960_001))
        }
        var low = Backoff(policy: policy), high = Backoff(policy: policy)
        #expect(low.nextDelay(now: t0, random: 0) < high.nextDelay(now: t0, random: 1))
        var capped = Backoff(policy: policy)
        for i in 0..<20 { #expect(capped.nextDelay(now: t0 + .seconds(i), random: 1) <= .seconds(30)) }
    }

    @Test func resetsAfterAQuietPeriodAndNeverGivesUp() {
        var backoff = Backoff(policy: BackoffPolicy(jitter: 0))
        for i in 0..<1000 { _ = backoff.nextDelay(now: t0 + .milliseconds(i), random: 0.5) }
        #expect(backoff.nextDelay(now: t0 + .seconds(2), random: 0.5) == .seconds(30))
        // 119 s later: still backing off; 120 s after the last failure: from the start again.
        #expect(backoff.nextDelay(now: t0 + .seconds(121), random: 0.5) == .seconds(30))
        #expect(backoff.nextDelay(now: t0 + .seconds(241), random: 0.5) == .milliseconds(800))
        #expect(backoff.nextDelay(now: t0 + .seconds(242), random: 0.5) == .milliseconds(1600))
    }

    @Test func retryPolicyHonoursRetryAfterAndCaps() {
        let policy = RetryPolicy()
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(3), jitter: 0) == .seconds(3))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(3600), jitter: 0) == .seconds(30))
        #expect(policy.delay(beforeRetry: 1, retryAfter: nil, jitter: 1) == .milliseconds(200))
        #expect(policy.delay(beforeRetry: 1, retryAfter: nil, jitter: 0) == .milliseconds(100))
        #expect(policy.delay(beforeRetry: 3, retryAfter: nil, jitter: 1) == .milliseconds(800))
        #expect(policy.delay(beforeRetry: 30, retryAfter: nil, jitter: 1) == .seconds(30))
        let ignoring = RetryPolicy(honorRetryAfter: false)
        #expect(ignoring.delay(beforeRetry: 1, retryAfter: .seconds(3), jitter: 1) == .milliseconds(200))
    }

    @Test func retryAfterParsing() {
        #expect(RetryAfter.parse("5") == .seconds(5))
        #expect(RetryAfter.parse(" 0 ") == .seconds(0))
        #expect(RetryAfter.parse(nil) == nil)
        #expect(RetryAfter.parse("") == nil)
        #expect(RetryAfter.parse("soon") == nil)
        #expect(RetryAfter.parse("-3") == nil)
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:10 GMT", now: now) == .seconds(10))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:27:00 GMT", now: now) == .zero)
    }
}
