import CZlib

/// A JSON value kept as its compact serialization, deflated, in a buffer of just its size. A
/// status of a few KB as text is several times that as a tree of dictionaries and strings, and
/// a fraction of it deflated against a `dictionary` of what such documents usually say; with
/// one kept per gateway, that is most of what the operator holds of 10,000 gateways. Inflated
/// and parsed again on every read, so keep it for values that are read rarely.
///
/// Two values are equal when their serializations are, provided both were made with the same
/// dictionary (as every value of one kind is).
public struct CompactJSON: Sendable, Equatable {
    /// Text deflate may refer back to: a typical document of the kind compressed.
    public struct Dictionary: Sendable {
        let bytes: [UInt8]
        public init(_ text: String) { bytes = Array(text.utf8.suffix(Self.maxLength)) }
        /// Half of the window: the other half is for the document's own back-references.
        static let maxLength = (1 << CompactJSON.windowBits) / 2
    }

    /// The zlib stream of the serialization, or the serialization itself if zlib failed (out
    /// of memory: it allocates about 64 KB of state per call).
    private let stored: [UInt8]
    /// Length of the serialization; negative when `stored` is not compressed.
    private let length: Int
    private let dictionary: Dictionary?

    /// An 8 KB window and small hash tables: documents are a few KB, and deflate's state is
    /// allocated on each call (about 64 KB with these, 268 KB with zlib's defaults).
    /// zlib's default level, not the fastest: on a status of about 4 KB against its dictionary
    /// the output is about 30 % smaller (232 → 165 bytes) for the same time per call, which is
    /// spent setting up the state and the dictionary, not matching.
    static let level: Int32 = Z_DEFAULT_COMPRESSION
    static let windowBits: Int32 = 13
    static let memLevel: Int32 = 6

    public init(_ value: JSONValue, dictionary: Dictionary? = nil) {
        let text = value.serialized()
        self.dictionary = dictionary
        if let deflated = Self.deflate(text, dictionary: dictionary) {
            stored = deflated
            length = text.count
        } else {
            stored = Array(text)
            length = -1
        }
    }

    public static func == (a: CompactJSON, b: CompactJSON) -> Bool {
        a.length == b.length && a.stored == b.stored
    }

    /// The serialization.
    public var bytes: [UInt8] {
        guard length >= 0 else { return stored }
        // Only our own output is ever inflated, so this holds; were it not, the value reads as nil.
        return Self.inflate(stored, length: length, dictionary: dictionary) ?? []
    }

    /// Bytes held (tests and the benchmark's accounting).
    public var storedCount: Int { stored.count }

    /// The value (nil only if the bytes were not written by `init`, which cannot happen).
    public var value: JSONValue? { try? JSONValue.parse(bytes) }

    /// `text` deflated against `dictionary`, in a buffer of just its size (nil: zlib failed).
    /// Also for other small texts kept deflated (the ticket coordinator's recent Events).
    package static func deflate(_ text: [UInt8], dictionary: Dictionary?) -> [UInt8]? {
        var stream = z_stream()
        guard gm_deflate_init(&stream, level, windowBits, memLevel) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        if let dictionary {
            let code = dictionary.bytes.withUnsafeBufferPointer { deflateSetDictionary(&stream, $0.baseAddress, uInt($0.count)) }
            guard code == Z_OK else { return nil }
        }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(text.count))))
        let code = streaming(&stream, from: text, into: &out) { CZlib.deflate(&$0, Z_FINISH) }
        guard code == Z_STREAM_END else { return nil }
        return Array(out[..<Int(stream.total_out)])  // a buffer of just its size
    }

    /// The `length` bytes `deflate` made `deflated` of, against the same `dictionary` (nil: not such).
    package static func inflate(_ deflated: [UInt8], length: Int, dictionary: Dictionary?) -> [UInt8]? {
        var stream = z_stream()
        guard gm_inflate_init(&stream, windowBits) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: length)
        let code = streaming(&stream, from: deflated, into: &out) { stream in
            var code = CZlib.inflate(&stream, Z_FINISH)
            if code == Z_NEED_DICT, let dictionary {
                code = dictionary.bytes.withUnsafeBufferPointer { inflateSetDictionary(&stream, $0.baseAddress, uInt($0.count)) }
                if code == Z_OK { code = CZlib.inflate(&stream, Z_FINISH) }
            }
            return code
        }
        return code == Z_STREAM_END && Int(stream.total_out) == length ? out : nil
    }

    /// Runs `step` with `stream` reading all of `input` and writing into `output`.
    private static func streaming(_ stream: inout z_stream, from input: [UInt8], into output: inout [UInt8],
                                  _ step: (inout z_stream) -> Int32) -> Int32 {
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { dest in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = dest.baseAddress
                stream.avail_out = uInt(dest.count)
                return step(&stream)
            }
        }
    }
}
