import Foundation

/// Splits a byte stream into newline-terminated lines, whatever the chunk boundaries. A line
/// longer than `maxLineLength` is an error rather than an unbounded buffer.
public struct LineSplitter: Sendable {
    public struct LineTooLong: Error, Sendable, Equatable {
        public var limit: Int
    }

    public let maxLineLength: Int
    /// Bytes of a line whose newline has not arrived yet.
    private var partial: [UInt8] = []

    public init(maxLineLength: Int = 64 << 20) {
        self.maxLineLength = maxLineLength
    }

    /// Bytes held for an unfinished line.
    public var pendingByteCount: Int { partial.count }

    /// Drops an unfinished line (a stream that ended mid-line is not resumed mid-line).
    public mutating func reset() { partial.removeAll() }

    /// Feeds one chunk; returns the lines it completes, without "\n" or a trailing "\r".
    /// Empty lines are skipped.
    public mutating func append(_ chunk: [UInt8]) throws(LineTooLong) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        let count = chunk.count
        while start < count {
            guard let newline = Self.indexOfNewline(in: chunk, from: start) else { break }
            if partial.isEmpty {
                try check(newline - start)
                append(trimmed(chunk[start..<newline]), to: &lines)
            } else {
                try check(partial.count + newline - start)
                partial.append(contentsOf: chunk[start..<newline])
                append(trimmed(partial[...]), to: &lines)
                partial = []
            }
            start = newline + 1
        }
        if start < count {
            try check(partial.count + count - start)
            partial.append(contentsOf: chunk[start...])
        }
        return lines
    }

    private func check(_ length: Int) throws(LineTooLong) {
        if length > maxLineLength { throw LineTooLong(limit: maxLineLength) }
    }

    private func append(_ line: ArraySlice<UInt8>, to lines: inout [ArraySlice<UInt8>]) {
        if !line.isEmpty { lines.append(line) }
    }

    private func trimmed(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        line.last == UInt8(ascii: "\r") ? line.dropLast() : line
    }

    /// memchr: fast even in debug builds.
    private static func indexOfNewline(in chunk: [UInt8], from start: Int) -> Int? {
        chunk.withUnsafeBytes { raw -> Int? in
            guard let base = raw.baseAddress else { return nil }
            guard let hit = memchr(base + start, Int32(UInt8(ascii: "\n")), raw.count - start) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
    }
}
