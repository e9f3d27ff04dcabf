import CZlib

/// A JSON value kept as its compact serialization, deflated, in a buffer of just its size. A
/// status of a few KB as text is several times that as a tree of dictionaries and strings, and
/// about a quarter of it deflated (keys and condition prose repeat); with one kept per gateway,
/// that is most of what the operator holds of 10,000 gateways. Inflated and parsed again on
/// every read, so keep it for values that are read rarely.
public struct CompactJSON: Sendable, Equatable {
    /// The zlib stream of the serialization (or the serialization itself if zlib failed,
    /// which it only does out of memory).
    private let stored: [UInt8]
    /// Length of the serialization; negative when `stored` is not compressed.
    private let length: Int

    public init(_ value: JSONValue) {
        let text = value.serialized()
        var bound = compressBound(uLong(text.count))
        var out = [UInt8](repeating: 0, count: Int(bound))
        let code = out.withUnsafeMutableBufferPointer { dest in
            text.withUnsafeBufferPointer { source in
                compress2(dest.baseAddress, &bound, source.baseAddress, uLong(source.count), Z_BEST_SPEED)
            }
        }
        if code == Z_OK {
            stored = Array(out[..<Int(bound)])  // a buffer of just its size
            length = text.count
        } else {
            stored = Array(text)
            length = -1
        }
    }

    /// The serialization.
    public var bytes: [UInt8] {
        guard length >= 0 else { return stored }
        var size = uLongf(length)
        var out = [UInt8](repeating: 0, count: length)
        let code = out.withUnsafeMutableBufferPointer { dest in
            stored.withUnsafeBufferPointer { source in
                uncompress(dest.baseAddress, &size, source.baseAddress, uLong(source.count))
            }
        }
        // Only our own output is ever inflated, so this holds; an empty value reads as nil.
        return code == Z_OK && Int(size) == length ? out : []
    }

    /// Bytes held (tests and the benchmark's accounting).
    public var storedCount: Int { stored.count }

    /// The value (nil only if the bytes were not written by `init`, which cannot happen).
    public var value: JSONValue? { try? JSONValue.parse(bytes) }
}
