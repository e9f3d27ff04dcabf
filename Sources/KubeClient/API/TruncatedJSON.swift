import KubeAPI

/// Reads as much as possible of a JSON document cut short (the head of an oversized watch
/// event): the prefix up to the last complete value is closed with the brackets still open
/// and parsed. A value cut in the middle is dropped, never guessed.
enum TruncatedJSON {
    static func parsePrefix(_ bytes: [UInt8]) -> JSONValue? {
        var open: [UInt8] = []          // "{" or "[" per level
        var expectingKey: [Bool] = []   // per level: the next string in an object is a key
        var cut = -1
        var closers: [UInt8] = []
        var inString = false, escaped = false, stringIsKey = false

        func markCut(_ position: Int) {
            cut = position
            closers = open.reversed().map { $0 == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]") }
        }

        for (i, b) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") {
                    inString = false
                    if !stringIsKey { markCut(i + 1) }
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                stringIsKey = open.last == UInt8(ascii: "{") && expectingKey.last == true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard open.count < JSONValue.maximumDepth - 1 else { return finish(bytes, cut, closers) }
                open.append(b)
                expectingKey.append(b == UInt8(ascii: "{"))
                markCut(i + 1)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard !open.isEmpty else { return finish(bytes, cut, closers) }
                open.removeLast()
                expectingKey.removeLast()
                markCut(i + 1)
            case UInt8(ascii: ":"):
                if !expectingKey.isEmpty { expectingKey[expectingKey.count - 1] = false }
            case UInt8(ascii: ","):
                // Everything before the comma is complete.
                markCut(i)
                if open.last == UInt8(ascii: "{") { expectingKey[expectingKey.count - 1] = true }
            default:
                break
            }
        }
        return finish(bytes, cut, closers)
    }

    private static func finish(_ bytes: [UInt8], _ cut: Int, _ closers: [UInt8]) -> JSONValue? {
        guard cut > 0 else { return nil }
        return try? JSONValue.parse(bytes[..<cut] + closers)
    }
}
