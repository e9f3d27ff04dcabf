import Testing
@testable import KubeClient

@Suite struct LineSplitterTests {
    let text = Array("{\"a\":1}\n{\"b\":22}\r\n\n{\"c\":333}\n".utf8)

    func split(_ bytes: [UInt8], at cuts: [Int], max: Int = 1 << 20) throws -> [String] {
        var splitter = LineSplitter(maxLineLength: max)
        var lines: [String] = []
        var start = 0
        for cut in cuts.sorted() + [bytes.count] where cut >= start {
            lines += try splitter.append(Array(bytes[start..<cut])).map { String(decoding: $0, as: UTF8.self) }
            start = cut
        }
        return lines
    }

    @Test func wholeChunk() throws {
        #expect(try split(text, at: []) == ["{\"a\":1}", "{\"b\":22}", "{\"c\":333}"])
    }

    @Test func everyTwoWayCutGivesTheSameLines() throws {
        for i in 0...text.count {
            for j in i...text.count {
                #expect(try split(text, at: [i, j]) == ["{\"a\":1}", "{\"b\":22}", "{\"c\":333}"], "cuts \(i), \(j)")
            }
        }
    }

    @Test func byteByByte() throws {
        #expect(try split(text, at: Array(0...text.count)) == ["{\"a\":1}", "{\"b\":22}", "{\"c\":333}"])
    }

    @Test func unfinishedLineIsHeldNotEmitted() throws {
        var splitter = LineSplitter()
        #expect(try splitter.append(Array("{\"partial\":".utf8)).isEmpty)
        #expect(splitter.pendingByteCount == 11)
        splitter.reset()
        #expect(try splitter.append(Array("{}\n".utf8)).map(Array.init) == [Array("{}".utf8)])
    }

    @Test func lineLongerThanOneMebibyteAcrossManyChunks() throws {
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 3 << 20)
        var splitter = LineSplitter()
        var lines: [ArraySlice<UInt8>] = []
        for start in stride(from: 0, to: long.count, by: 16_384) {
            lines += try splitter.append(Array(long[start..<min(start + 16_384, long.count)]))
        }
        #expect(lines.isEmpty)
        lines += try splitter.append([UInt8(ascii: "\n")])
        #expect(lines.count == 1)
        #expect(lines.first?.count == 3 << 20)
    }

    @Test func lineOverTheCapFails() throws {
        var splitter = LineSplitter(maxLineLength: 10)
        #expect(try splitter.append(Array("0123456789\n".utf8)).count == 1)
        _ = try splitter.append(Array("012345".utf8))
        #expect(throws: LineSplitter.LineTooLong(limit: 10)) { try splitter.append(Array("67890".utf8)) }
        var other = LineSplitter(maxLineLength: 4)
        #expect(throws: LineSplitter.LineTooLong(limit: 4)) { try other.append(Array("12345\n".utf8)) }
    }
}
