import Foundation
import Testing
import KubeAPI

@Test func timestampsRoundTrip() {
    let text = "2026-04-17T16:29:04Z"
    let date = KubeTime.parse(text)
    #expect(date != nil)
    #expect(KubeTime.format(date!) == text)
    #expect(KubeTime.parse("2026-04-17T16:29:04.5+01:00")!.timeIntervalSince1970 == date!.timeIntervalSince1970 - 3600 + 0.5)
    #expect(KubeTime.parse("yesterday") == nil)
}
