/// The keys a config file may hold, nested as in the file, read off the settings' own decoders.
///
/// Every settings struct declares its keys where it decodes them: its `init(from:)` asks for
/// each one (`decodeIfPresent` for the optional ones, `decode` for the required ones), and a
/// nested settings struct asks for its own. `SettingKeys.of(_:)` runs those initializers against
/// a decoder that answers "absent" and writes down every key asked for. So a setting is accepted
/// exactly when it is read, optional or not, and a field added to any settings struct
/// (`RemediationPolicy`, `TicketSettings`, ...) is accepted as soon as its decoder reads it, with
/// no second list to keep in step. (The key check used to be the encoded defaults, where unset
/// optionals such as `tickets.webhook` are absent, so documented keys were refused.)
public enum SettingKeys: Sendable, Equatable {
    /// A value, of the kind its decoder reads; its type is checked by decoding.
    case value(ValueKind)
    /// A mapping in the file, and the keys it may hold.
    case section([String: SettingKeys])

    public enum ValueKind: Sendable, Equatable {
        case bool, number, wholeNumber, text, list
        /// Decoded some other way (a single value of a type of its own).
        case other
    }

    /// The keys `T`'s decoder reads.
    public static func of<T: Decodable>(_ type: T.Type) -> SettingKeys {
        KeyProbe.probe(T.self, path: []).recorder.keys
    }

    /// The keys of a section; nil for a value.
    public var children: [String: SettingKeys]? {
        if case .section(let keys) = self { return keys }
        return nil
    }

    /// What is at a dotted key (`tickets.webhook.url`); nil when no decoder reads it.
    public subscript(dotted key: String) -> SettingKeys? {
        key.split(separator: ".").reduce(Optional(self)) { node, part in node?.children?[String(part)] }
    }

    /// Every value's dotted key (`tickets.webhook.url`), sorted.
    public var dottedKeys: [String] {
        guard let children else { return [] }
        return children.keys.sorted().flatMap { key -> [String] in
            guard let inner = children[key], inner.children != nil else { return [key] }
            return inner.dottedKeys.map { "\(key).\($0)" }
        }
    }
}

/// What the probe saw of one type: the keys it asked for, and whether it asked for a mapping.
private final class KeyRecorder {
    var children: [String: KeyRecorder] = [:]
    var isSection = false
    var kind = SettingKeys.ValueKind.other

    func child(_ key: String) -> KeyRecorder {
        if let existing = children[key] { return existing }
        let made = KeyRecorder()
        children[key] = made
        return made
    }

    /// A section that reads no fixed key (a free-form map) is a value: decoding checks it.
    var keys: SettingKeys {
        guard isSection, !children.isEmpty else { return .value(isSection ? .other : kind) }
        return .section(children.mapValues(\.keys))
    }
}

/// Thrown to stop a probe of a type that is a list, not a section, and of a required value the
/// probe cannot make up.
private struct NotASection: Error {}

/// A decoder with nothing in it that records what is asked of it.
private struct KeyProbe: Decoder {
    let recorder: KeyRecorder
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Decodes `T` from an empty probe: the keys it read, and the value when it could be made
    /// (a type whose required fields are all strings, numbers or booleans).
    static func probe<T: Decodable>(_ type: T.Type, path: [any CodingKey]) -> (recorder: KeyRecorder, value: T?) {
        let recorder = KeyRecorder()
        let value = try? T(from: KeyProbe(recorder: recorder, codingPath: path))
        return (recorder, value)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        recorder.isSection = true
        return KeyedDecodingContainer(KeyedProbe<Key>(recorder: recorder, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        recorder.kind = .list
        throw NotASection()
    }

    /// A single value (a `Bool` decoded through a generic helper, say): its kind is what it asks for.
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueProbe(recorder: recorder, codingPath: codingPath)
    }
}

private struct SingleValueProbe: SingleValueDecodingContainer {
    let recorder: KeyRecorder
    let codingPath: [any CodingKey]

    private func note(_ kind: SettingKeys.ValueKind) { recorder.kind = kind }

    func decodeNil() -> Bool { false }
    func decode(_ type: Bool.Type) throws -> Bool { note(.bool); return false }
    func decode(_ type: String.Type) throws -> String { note(.text); return "" }
    func decode(_ type: Double.Type) throws -> Double { note(.number); return 0 }
    func decode(_ type: Float.Type) throws -> Float { note(.number); return 0 }
    func decode(_ type: Int.Type) throws -> Int { note(.wholeNumber); return 0 }
    func decode(_ type: Int8.Type) throws -> Int8 { note(.wholeNumber); return 0 }
    func decode(_ type: Int16.Type) throws -> Int16 { note(.wholeNumber); return 0 }
    func decode(_ type: Int32.Type) throws -> Int32 { note(.wholeNumber); return 0 }
    func decode(_ type: Int64.Type) throws -> Int64 { note(.wholeNumber); return 0 }
    func decode(_ type: UInt.Type) throws -> UInt { note(.wholeNumber); return 0 }
    func decode(_ type: UInt8.Type) throws -> UInt8 { note(.wholeNumber); return 0 }
    func decode(_ type: UInt16.Type) throws -> UInt16 { note(.wholeNumber); return 0 }
    func decode(_ type: UInt32.Type) throws -> UInt32 { note(.wholeNumber); return 0 }
    func decode(_ type: UInt64.Type) throws -> UInt64 { note(.wholeNumber); return 0 }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: KeyProbe(recorder: recorder, codingPath: codingPath)) }
}

private struct KeyedProbe<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: KeyRecorder
    let codingPath: [any CodingKey]
    var allKeys: [Key] { [] }

    /// Records `key` as a value of `kind` (unless it is already known as a section).
    private func value(_ key: Key, _ kind: SettingKeys.ValueKind = .other) { recorder.child(key.stringValue).kind = kind }

    /// Records `key` with what probing `T` found under it.
    private func probe<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        let (found, decoded) = KeyProbe.probe(T.self, path: codingPath + [key])
        let slot = recorder.child(key.stringValue)
        slot.isSection = slot.isSection || found.isSection
        slot.kind = found.kind
        slot.children.merge(found.children) { old, _ in old }
        return decoded
    }

    func contains(_ key: Key) -> Bool { _ = recorder.child(key.stringValue); return false }
    func decodeNil(forKey key: Key) throws -> Bool { _ = recorder.child(key.stringValue); return true }

    // Required values: record the key and make up a value so the rest of the decoder runs on.
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { value(key, .bool); return false }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { value(key, .text); return "" }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { value(key, .number); return 0 }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { value(key, .number); return 0 }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { value(key, .wholeNumber); return 0 }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { value(key, .wholeNumber); return 0 }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { value(key, .wholeNumber); return 0 }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { value(key, .wholeNumber); return 0 }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { value(key, .wholeNumber); return 0 }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { value(key, .wholeNumber); return 0 }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { value(key, .wholeNumber); return 0 }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { value(key, .wholeNumber); return 0 }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { value(key, .wholeNumber); return 0 }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { value(key, .wholeNumber); return 0 }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let made = probe(T.self, key) else { throw NotASection() }
        return made
    }

    // Optional values: record the key, answer "absent".
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { value(key, .bool); return nil }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { value(key, .text); return nil }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { value(key, .number); return nil }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { value(key, .number); return nil }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { value(key, .wholeNumber); return nil }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { value(key, .wholeNumber); return nil }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { value(key, .wholeNumber); return nil }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { value(key, .wholeNumber); return nil }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { value(key, .wholeNumber); return nil }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { value(key, .wholeNumber); return nil }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { value(key, .wholeNumber); return nil }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { value(key, .wholeNumber); return nil }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { value(key, .wholeNumber); return nil }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { value(key, .wholeNumber); return nil }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        _ = probe(T.self, key)
        return nil
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        let slot = recorder.child(key.stringValue)
        slot.isSection = true
        return KeyedDecodingContainer(KeyedProbe<NestedKey>(recorder: slot, codingPath: codingPath + [key]))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        value(key, .list)
        throw NotASection()
    }

    func superDecoder() throws -> any Decoder { KeyProbe(recorder: recorder, codingPath: codingPath) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        KeyProbe(recorder: recorder.child(key.stringValue), codingPath: codingPath + [key])
    }
}
