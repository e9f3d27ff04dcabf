/// A JSON value kept as its compact serialization in a buffer of just its size. A status of a
/// few KB as text is several times that as a tree of dictionaries and strings, and a serialized
/// array grown by appending holds up to twice its length; with one kept per gateway, both add up.
/// Parsed again on every read, so keep it for values that are read rarely.
public struct CompactJSON: Sendable, Equatable {
    public let bytes: [UInt8]

    public init(_ value: JSONValue) {
        let grown = value.serialized()
        bytes = [UInt8](unsafeUninitializedCapacity: grown.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: grown)
        }
    }

    /// The value (nil only if the bytes were not written by `init`, which cannot happen).
    public var value: JSONValue? { try? JSONValue.parse(bytes) }
}
