import KubeAPI
import Testing
@testable import OperatorRuntime

/// A source that can only list page by page: a whole-list `list()` is a failure here.
private struct LivenessPagesOnlySource: ListWatchSource {
    let pages: [[JSONValue]]

    func list() async throws -> (items: [JSONValue], resourceVersion: String) {
        Issue.record("whole-list list() called: the pages were bypassed")
        return (pages.flatMap { $0 }, "9")
    }

    func list(pages page: @Sendable ([JSONValue], Bool) async throws -> Void) async throws -> String {
        for (index, items) in pages.enumerated() { try await page(items, index == 0) }
        return "9"
    }

    func watch(from resourceVersion: String) -> AsyncThrowingStream<WatchEvent, any Error> {
        AsyncThrowingStream { $0.finish() }
    }
}

private actor LivenessPageLog {
    var sizes: [Int] = []
    var starts: [Bool] = []
    func note(_ count: Int, _ startsList: Bool) { sizes.append(count); starts.append(startsList) }
}

@Suite struct LivenessTrackingPagesTests {
    @Test func liveSourceListsPageByPage() async throws {
        let item: JSONValue = ["metadata": ["name": "a", "namespace": "ns"]]
        let source = LivenessTrackingSource(base: LivenessPagesOnlySource(pages: [[item, item], [item]]), name: "gatewayagents",
                                            liveness: CacheLiveness(), clock: ManualClock())
        let log = LivenessPageLog()
        let version = try await source.list(pages: { items, startsList in await log.note(items.count, startsList) })
        #expect(version == "9")
        #expect(await log.sizes == [2, 1])
        #expect(await log.starts == [true, false])
    }
}
