import Foundation
import Testing
@testable import KubeClient

/// Request retries (the watch's reconnect backoff is the informer's: InformerTests).
@Suite struct BackoffTests {
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
