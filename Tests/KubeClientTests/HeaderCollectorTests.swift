import Testing
@testable import KubeClient

@Suite struct HeaderCollectorTests {
    @Test func namesAreLowercasedAndValuesTrimmed() {
        var collector = HeaderCollector()
        for line in ["HTTP/1.1 200 OK\r\n", "Content-Type:  application/json \r\n", "Retry-After:3\r\n",
                     "Date: Thu, 03 Dec 2026 08:00:00 GMT\r\n", "not a header\r\n", "\r\n"] {
            collector.consume(line: line)
        }
        #expect(collector.headers == ["content-type": "application/json", "retry-after": "3",
                                      "date": "Thu, 03 Dec 2026 08:00:00 GMT"])
    }

    /// A 100 Continue (or a redirect) is followed by the final answer's own block.
    @Test func aNewStatusLineStartsOver() {
        var collector = HeaderCollector()
        for line in ["HTTP/1.1 100 Continue\r\n", "X-Old: 1\r\n", "\r\n", "HTTP/2 201\r\n", "X-New: 2\r\n", "\r\n"] {
            collector.consume(line: line)
        }
        #expect(collector.headers == ["x-new": "2"])
    }
}
