import Foundation
import KubeAPI
import Locking
import Logging
@testable import OperatorRuntime
import Testing

@Suite struct ServerJSONLogTests {
    final class Lines: @unchecked Sendable {
        let lines = Locked<[String]>([])
        var write: @Sendable (String) -> Void { { [lines] line in lines.withLock { $0.append(line) } } }
    }

    @Test func eachEventIsOneJSONObjectPerLine() throws {
        let sink = Lines()
        var logger = Logger(label: "gateway-medic.test") { label in JSONLogHandler(label: label, level: .info, write: sink.write) }
        logger[metadataKey: "replica"] = "a"
        logger.debug("hidden")
        logger.info("reconciled", metadata: ["gateway": "gateway-1", "attempt": "2"])
        logger.error("failed")
        let lines = sink.lines.current
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasSuffix("\n") && $0.filter { $0 == "\n" }.count == 1 })
        let first = try JSONValue.parse(lines[0])
        #expect(first["level"] == "info")
        #expect(first["msg"] == "reconciled")
        #expect(first["logger"] == "gateway-medic.test")
        #expect(first["gateway"] == "gateway-1")
        #expect(first["replica"] == "a")
        #expect(first["time"]?.stringValue.flatMap(KubeTime.parse) != nil)
        #expect(try JSONValue.parse(lines[1])["source"] != nil)
    }

    @Test func credentialLikeMetadataIsRedacted() throws {
        let sink = Lines()
        let logger = Logger(label: "t") { JSONLogHandler(label: $0, write: sink.write) }
        logger.warning("connecting", metadata: [
            "bearerToken": "abc.def.ghi", "client-key-data": "LS0t", "server": "https://10.0.0.1:6443",
            "auth": ["Authorization": "Bearer xyz"],
        ])
        let line = try #require(sink.lines.current.first)
        #expect(!line.contains("abc.def.ghi") && !line.contains("LS0t") && !line.contains("Bearer xyz"))
        let value = try JSONValue.parse(line)
        #expect(value["bearerToken"] == "[redacted]")
        #expect(value["server"] == "https://10.0.0.1:6443")
    }
}
