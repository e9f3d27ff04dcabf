import Foundation

/// Splits a byte stream into newline-terminated lines, whatever the chunk boundaries. A line
/// longer than `maxLineLength` is never buffered whole: `append` fails on it, and `split` skips
/// it, keeping only its first and last bytes (enough to tell which object it carried), so
/// memory stays bounded by the limit whatever the server sends.
public struct LineSplitter: Sendable {
    public struct LineTooLong: Error, Sendable, Equatable {
        public var limit: Int
    }

    /// A line over the limit, skipped: its length, its first `headLimit` bytes and last
    /// `tailLimit` bytes (without the newline).
    public struct OversizedLine: Sendable, Equatable {
        public var length: Int
        public var head: [UInt8]
        public var tail: [UInt8]
    }

    /// One item of `split`'s output.
    public enum Line: Sendable, Equatable {
        case complete(ArraySlice<UInt8>)
        case oversized(OversizedLine)
    }

    public let maxLineLength: Int
    public let headLimit: Int
    public let tailLimit: Int
    /// Bytes of a line whose newline has not arrived yet.
    private var partial: [UInt8] = []
    /// Set while the rest of an oversized line is being skipped.
    private var skipping: OversizedLine?

    public init(maxLineLength: Int = 16 << 20, headLimit: Int = 64 << 10, tailLimit: Int = 256) {
        self.maxLineLength = max(1, maxLineLength)
        self.headLimit = min(max(0, headLimit), self.maxLineLength)
        self.tailLimit = max(0, tailLimit)
    }

    /// Bytes held for an unfinished line.
    public var pendingByteCount: Int { partial.count + (skipping.map { $0.head.count + $0.tail.count } ?? 0) }

    /// Drops an unfinished line (a stream that ended mid-line is not resumed mid-line).
    public mutating func reset() {
        partial.removeAll()
        skipping = nil
    }

    /// Feeds one chunk; returns the lines it completes, without "\n" or a trailing "\r".
    /// Empty lines are skipped. Throws as soon as a line is known to exceed the limit.
    public mutating func append(_ chunk: [UInt8]) throws(LineTooLong) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        for line in split(chunk) {
            guard case .complete(let bytes) = line else { throw LineTooLong(limit: maxLineLength) }
            lines.append(bytes)
        }
        if skipping != nil { throw LineTooLong(limit: maxLineLength) }
        return lines
    }

    /// Feeds one chunk; returns the lines it completes, in order, an oversized line as
    /// `.oversized` once its newline arrives. Never holds more than `maxLineLength` bytes.
    public mutating func split(_ chunk: [UInt8]) -> [Line] {
        var lines: [Line] = []
        var start = 0
        let count = chunk.count
        while start < count {
            guard let newline = Self.indexOfNewline(in: chunk, from: start) else { break }
            take(chunk[start..<newline], ending: true, into: &lines)
            start = newline + 1
        }
        if start < count { take(chunk[start...], ending: false, into: &lines) }
        return lines
    }

    /// Adds `piece` to the current line; `ending` when a newline follows it.
    private mutating func take(_ whole: ArraySlice<UInt8>, ending: Bool, into lines: inout [Line]) {
        // The "\r" of a "\r\n" is not part of the line.
        let piece = ending && whole.last == UInt8(ascii: "\r") ? whole.dropLast() : whole
        if var skipped = skipping {
            skipped.length += piece.count
            skipped.tail = Self.lastBytes(skipped.tail, piece, tailLimit)
            if ending {
                lines.append(.oversized(skipped))
                skipping = nil
            } else {
                skipping = skipped
            }
            return
        }
        if partial.count + piece.count > maxLineLength {
            // Over the limit: keep the head and the tail, drop the rest from here on.
            var head = Array(partial.prefix(headLimit))
            head.append(contentsOf: piece.prefix(headLimit - head.count))
            let skipped = OversizedLine(length: partial.count + piece.count, head: head,
                                        tail: Self.lastBytes(partial, piece, tailLimit))
            partial = []
            if ending {
                lines.append(.oversized(skipped))
            } else {
                skipping = skipped
            }
            return
        }
        guard ending else {
            partial.append(contentsOf: piece)
            return
        }
        let line: ArraySlice<UInt8>
        if partial.isEmpty {
            line = trimmed(piece)
        } else {
            partial.append(contentsOf: piece)
            line = trimmed(partial[...])
            partial = []
        }
        if !line.isEmpty { lines.append(.complete(line)) }
    }

    /// The last `limit` bytes of `first` followed by `second`, without joining them whole.
    private static func lastBytes(_ first: [UInt8], _ second: ArraySlice<UInt8>, _ limit: Int) -> [UInt8] {
        if second.count >= limit { return Array(second.suffix(limit)) }
        return Array(first.suffix(limit - second.count)) + second
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
