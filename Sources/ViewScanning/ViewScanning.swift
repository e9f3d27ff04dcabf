import Foundation
import HealthModel
import KubeAPI

/// Reading the views straight from an object's bytes (`JSONScanner`), the fast path of the watch.
/// A module of its own, apart from `HealthModel` (whose views read the parsed tree with
/// `FieldReader`): only what turns watch bytes into views imports it (the informers, the
/// benchmark, the fuzzer and the tests that compare the two readers).
///
/// These readers answer only for an object the `init(json:)` readers would read without a
/// single problem; on anything else (a wrong type, a duplicate key, an unknown enum value, an
/// unreadable-object marker…) they miss and the caller parses the object and reads it as
/// always, problems and all. So the two paths never disagree: a view read from bytes equals the
/// view read from the tree (checked over the corpus, mutated, by `ViewScanningTests` and the
/// watch fuzzer). A null field reads as absent, as `FieldReader` has it.
typealias Miss = JSONScanner.Miss

/// Members of one object already read: a repeated key misses (the tree keeps the last one).
struct SeenKeys {
    private var bits: UInt64 = 0

    mutating func first(_ slot: Int) throws(Miss) {
        let bit: UInt64 = 1 << UInt64(slot)
        guard bits & bit == 0 else { throw Miss() }
        bits |= bit
    }

    /// Whether `first(slot)` was called.
    func contains(_ slot: Int) -> Bool { bits & (1 << UInt64(slot)) != 0 }
}

extension JSONScanner {
    /// True at an object (entered), false at a null (consumed); anything else misses.
    mutating func enterObjectUnlessNull() throws(Miss) -> Bool {
        if try skipNull() { return false }
        try beginObject()
        return true
    }

    mutating func enterArrayUnlessNull() throws(Miss) -> Bool {
        if try skipNull() { return false }
        try beginArray()
        return true
    }

    mutating func optionalString() throws(Miss) -> String? {
        try skipNull() ? nil : try string()
    }

    /// `optionalString()`, taking `known` where the bytes are its own (no new string).
    mutating func optionalString(reusing known: String?) throws(Miss) -> String? {
        if try skipNull() { return nil }
        let bytes = try stringBytes()
        if let known, JSONScanner.same(bytes, known) { return known }
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func optionalBool() throws(Miss) -> Bool? {
        try skipNull() ? nil : try bool()
    }

    mutating func optionalInt(nonNegative: Bool = false) throws(Miss) -> Reading<Int64> {
        if try skipNull() { return .absent }
        let value = try int()
        if nonNegative && value < 0 { throw Miss() }
        return .value(value)
    }

    /// An RFC 3339 time, whole seconds (`FieldReader.time`).
    mutating func optionalTime() throws(Miss) -> Reading<Date> {
        if try skipNull() { return .absent }
        guard let date = KubeTime.parse(bytes: try stringBytes()) else { throw Miss() }
        return .value(date.wholeSeconds)
    }

    /// A map's entries by key, sorted (as the readers iterate `keys.sorted()`); `read` reads one
    /// value. A repeated key misses.
    mutating func sortedEntries<T>(_ read: (inout JSONScanner) throws(Miss) -> T) throws(Miss) -> [(key: String, value: T)] {
        var entries: [(key: String, value: T)] = []
        while let key = try nextKey() { entries.append((key.string, try read(&self))) }
        entries.sort { $0.key < $1.key }
        for i in entries.indices.dropFirst() where entries[i].key == entries[i - 1].key { throw Miss() }
        return entries
    }
}

/// `MetadataFields`, from bytes (without `ownerDaemonSet`: only pods need it).
struct ScannedMetadata: ObjectMetadata {
    var name = ""
    var namespace = ""
    var resourceVersion: String?
    /// `metadata.uid`, read from its bytes (`StoredUID(utf8:)`): the switch Agent's view does
    /// not keep it, and the GatewayAgent's keeps the parsed form; neither needs its string.
    var storedUID: StoredUID?
    var uid: String? { storedUID?.text }
    var generation: Reading<Int64> = .absent
    var creationTime: Date?
    var specChangeTime: Date?
    /// The identity as the watch decoder's own scan reads it (`WatchEvent.Unparsed.scan`): nil
    /// when a null name, namespace or resourceVersion would make that scan miss.
    var watchIdentity: WatchObjectReader.Identity?

    /// At the `metadata` member's value. `keepingUID` false: the uid is read (a string or null,
    /// as always) but not parsed, and `storedUID` stays nil, for a view that does not keep it
    /// (the switch Agent's: 333 events a second at 10,000 gateways).
    init(_ s: inout JSONScanner, keepingUID: Bool = true) throws(Miss) {
        var seen = SeenKeys()
        var namespaceRead: String?
        var sawNull = false
        try s.beginObject()
        while let key = try s.nextKey() {
            if key.isEqual(to: "name") {
                try seen.first(0)
                let read = try s.optionalString()
                sawNull = sawNull || read == nil
                name = read ?? ""
            } else if key.isEqual(to: "namespace") {
                try seen.first(1)
                namespaceRead = try s.optionalString()
                sawNull = sawNull || namespaceRead == nil
                namespace = namespaceRead ?? ""
            } else if key.isEqual(to: "resourceVersion") {
                try seen.first(2)
                resourceVersion = try s.optionalString()
                sawNull = sawNull || resourceVersion == nil
            } else if key.isEqual(to: "uid") {
                try seen.first(3)
                if try !s.skipNull() {
                    let bytes = try s.stringBytes()
                    if keepingUID { storedUID = StoredUID(utf8: bytes) }
                }
            } else if key.isEqual(to: "generation") {
                try seen.first(4); generation = try s.optionalInt(nonNegative: true)
            } else if key.isEqual(to: "creationTimestamp") {
                try seen.first(5); creationTime = try s.optionalTime().value
            } else if key.isEqual(to: "deletionTimestamp") {
                try seen.first(6); _ = try s.optionalTime()  // read (an unreadable one is a problem), not kept
            } else if key.isEqual(to: "managedFields") {
                try seen.first(7); specChangeTime = try Self.lastSpecChange(&s)
            } else if key.isEqual(to: "annotations") {
                try seen.first(8); try Self.refuseMarkers(&s)
            } else if key.isEqual(to: "ownerReferences") {
                try seen.first(9)
                if try s.enterArrayUnlessNull() { while try s.nextElement() { try s.skipValue() } }
            } else {
                try s.skipValue()
            }
        }
        if name.isEmpty { throw Miss() }  // a problem ("missing name")
        if !sawNull { watchIdentity = WatchObjectReader.Identity(name: name, namespace: namespaceRead, resourceVersion: resourceVersion) }
    }

    /// The client's unreadable / partially-read markers: the tree reader turns them into problems.
    private static func refuseMarkers(_ s: inout JSONScanner) throws(Miss) {
        guard try s.enterObjectUnlessNull() else { return }
        while let key = try s.nextKey() {
            if key.isEqual(to: "gatewaymedic.io/unreadable") || key.isEqual(to: "gatewaymedic.io/partially-read") { throw Miss() }
            try s.skipValue()
        }
    }

    /// `MetadataFields.lastSpecChange`: the latest time of an entry without a subresource whose
    /// fieldsV1 owns `f:spec`.
    private static func lastSpecChange(_ s: inout JSONScanner) throws(Miss) -> Date? {
        guard try s.enterArrayUnlessNull() else { return nil }
        var latest: Date?
        while try s.nextElement() {
            var seen = SeenKeys()
            // Whether `subresource` is a non-empty string: all the reader asks of it, so no
            // string is made of it (every status entry names one).
            var hasSubresource = false
            var ownsSpec = false
            var time: UnsafeBufferPointer<UInt8>?
            try s.beginObject()
            while let key = try s.nextKey() {
                if key.isEqual(to: "subresource") {
                    try seen.first(0); hasSubresource = try s.skipNull() ? false : !(try s.stringBytes()).isEmpty
                } else if key.isEqual(to: "fieldsV1") {
                    try seen.first(1)
                    if try s.enterObjectUnlessNull() {
                        while let field = try s.nextKey() {
                            if field.isEqual(to: "f:spec") { ownsSpec = true }
                            try s.skipValue()
                        }
                    }
                } else if key.isEqual(to: "time") {
                    try seen.first(2)
                    time = try s.skipNull() ? nil : try s.stringBytes()
                } else {
                    try s.skipValue()
                }
            }
            if hasSubresource { continue }
            guard ownsSpec, let time else { continue }
            guard let date = KubeTime.parse(bytes: time)?.wholeSeconds else { throw Miss() }  // a problem
            if latest.map({ date > $0 }) ?? true { latest = date }
        }
        return latest
    }
}

/// `readExpectedNeighbors`, at the array's value.
func scanExpectedNeighbors(_ s: inout JSONScanner) throws(Miss) -> [ExpectedNeighbor] {
    guard try s.enterArrayUnlessNull() else { return [] }
    var out: [ExpectedNeighbor] = []
    while try s.nextElement() {
        var seen = SeenKeys()
        var ip: String?
        var asn: Int64?
        var source: String?
        try s.beginObject()
        while let key = try s.nextKey() {
            if key.isEqual(to: "ip") {
                try seen.first(0); ip = try s.optionalString()
            } else if key.isEqual(to: "asn") {
                try seen.first(1); asn = try s.optionalInt().value
            } else if key.isEqual(to: "source") {
                try seen.first(2); source = try s.optionalString()
            } else {
                try s.skipValue()
            }
        }
        guard let ip, !ip.isEmpty else { throw Miss() }  // a problem ("neighbour without an ip")
        out.append(ExpectedNeighbor(ip: bareAddress(ip), asn: asn, source: source))
    }
    return out
}

/// A view with a byte reader (`init(scanning:)`, which throws `Miss` on anything but a plain object).
public protocol ReadableFromBytes {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Miss)
}

extension ReadableFromBytes {
    /// The view read straight from the object's bytes; nil when the object is anything but plain
    /// (then `init(json:)` reads it).
    public init?(bytes: ArraySlice<UInt8>) {
        guard let view = bytes.scanned({ (s: inout JSONScanner) throws(Miss) in try Self(scanning: &s) }) else { return nil }
        self = view
    }
}

extension WatchObjectReader {
    /// A watch's one-pass reader made from a view's scan that also reads the object's metadata:
    /// the view with the identity, a miss where the metadata has none.
    static func reading<View: Sendable>(
        _ scan: @escaping @Sendable (inout JSONScanner) throws(Miss) -> (view: View, meta: ScannedMetadata)
    ) -> WatchObjectReader {
        WatchObjectReader { (s: inout JSONScanner) throws(Miss) in
            let (view, meta) = try scan(&s)
            guard let identity = meta.watchIdentity else { throw Miss() }
            return (identity, view)
        }
    }
}

extension ArraySlice<UInt8> {
    /// Runs a whole-document scan over these bytes; nil on a miss.
    func scanned<T>(_ read: (inout JSONScanner) throws(Miss) -> T) -> T? {
        withUnsafeBufferPointer { buffer -> T? in
            var scanner = JSONScanner(buffer)
            do throws(Miss) {
                let value = try read(&scanner)
                try scanner.end()
                return value
            } catch {
                return nil
            }
        }
    }
}
