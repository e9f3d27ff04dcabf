import KubeAPI
import Testing
@testable import KubeClient

@Suite struct WatchEventDecoderTests {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func decodesEventsAndTracksResourceVersion() throws {
        var decoder = WatchEventDecoder(path: "/api/v1/pods", resourceVersion: "10")
        let added = try decoder.decode(bytes(#"{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"11"}}}"#))
        #expect(added.type == .added)
        #expect(added.object[path: "metadata", "name"] == "a")
        #expect(decoder.lastResourceVersion == "11")
        let bookmark = try decoder.decode(bytes(#"{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"42"}}}"#))
        #expect(bookmark.type == .bookmark)
        #expect(decoder.lastResourceVersion == "42")
        let deleted = try decoder.decode(bytes(#"{"type":"DELETED","object":{"metadata":{"name":"a"}}}"#))
        #expect(deleted.type == .deleted)
        #expect(decoder.lastResourceVersion == "42")
    }

    @Test func errorEventWith410IsGone() {
        var decoder = WatchEventDecoder(path: "/p", resourceVersion: "7")
        let line = bytes(#"{"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version: 7 (90)","reason":"Expired","code":410}}"#)
        #expect {
            try decoder.decode(line)
        } throws: { error in
            guard case .gone(let rv) = error as? KubeError else { return false }
            return rv == "7"
        }
    }

    @Test func otherErrorEventsAreAPIErrors() {
        var decoder = WatchEventDecoder(path: "/p")
        let line = bytes(#"{"type":"ERROR","object":{"kind":"Status","message":"internal","reason":"InternalError","code":500}}"#)
        #expect {
            try decoder.decode(line)
        } throws: { error in
            guard case .api(let status, let verb, let path) = error as? KubeError else { return false }
            return status.code == 500 && status.message == "internal" && verb == "watch" && path == "/p"
        }
    }

    @Test(arguments: [
        "{not json", #"{"object":{}}"#, #"{"type":"SOMETHING","object":{}}"#, #"{"type":"ADDED"}"#,
        #"{"type":"ADDED","object":"text"}"#, "[]",
    ])
    func malformedLinesAreDecodingErrors(line: String) {
        var decoder = WatchEventDecoder(path: "/p")
        #expect {
            try decoder.decode(Array(line.utf8))
        } throws: { error in
            if case .decoding(let path, _) = error as? KubeError { return path == "/p" }
            return false
        }
    }
}
