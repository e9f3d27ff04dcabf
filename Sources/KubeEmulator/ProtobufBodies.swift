import Foundation
import KubeAPI

/// Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), which
/// kube-apiserver accepts for built-in kinds and client-go's typed clients send (Helm's release
/// records, Secrets, come this way). The emulator stores JSON, so a body is decoded into the JSON
/// the same object has. Only the kinds in `kinds` are understood, each field by field; a field
/// the emulator does not know is a 415 naming it (never silently dropped), as is any other kind —
/// for custom resources that is also what kube-apiserver answers.
enum ProtobufBodies {
    static let mediaType = "application/vnd.kubernetes.protobuf"
    /// Every protobuf body starts with these bytes, then a `runtime.Unknown` message.
    static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]

    /// The kinds (core group) whose message the emulator decodes.
    static let kinds: Set<String> = ["Secret", "ConfigMap"]

    /// The JSON object a protobuf body carries, for resource `r`.
    static func decode(_ body: [UInt8], for r: RegisteredResource) throws(Status) -> JSONValue {
        guard r.type.group.isEmpty, kinds.contains(r.type.kind) else { throw unsupported(StatusErrors.qualified(r)) }
        let (apiVersion, kind, message) = try envelope(body)
        var reader = message
        var object = r.type.kind == "Secret" ? try secret(&reader) : try configMap(&reader)
        if !apiVersion.isEmpty { object["apiVersion"] = .string(apiVersion) }
        if !kind.isEmpty { object["kind"] = .string(kind) }
        return object
    }

    /// The apiVersion, kind and a reader of the message inside a body's `runtime.Unknown`.
    static func envelope(_ body: [UInt8]) throws(Status) -> (String, String, Reader) {
        guard body.count >= magic.count, Array(body.prefix(magic.count)) == magic else {
            throw StatusErrors.badRequest("the protobuf body does not start with the Kubernetes magic number")
        }
        // runtime.Unknown: 1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType.
        var envelope = Reader(rest: body[magic.count...])
        var apiVersion = "", kind = "", raw: ArraySlice<UInt8> = []
        while let (field, wire) = try envelope.nextField() {
            switch field {
            case 1:
                var typeMeta = try envelope.message(wire)
                while let (f, w) = try typeMeta.nextField() {
                    switch f {
                    case 1: apiVersion = try typeMeta.string(w)
                    case 2: kind = try typeMeta.string(w)
                    default: try typeMeta.skip(w)
                    }
                }
            case 2: raw = try envelope.lengthDelimited(wire)
            case 3:
                let encoding = try envelope.string(wire)
                guard encoding.isEmpty else { throw unsupported("content encoding \(encoding)") }
            default: try envelope.skip(wire)
            }
        }
        return (apiVersion, kind, Reader(rest: raw))
    }

    /// DeleteOptions (meta.k8s.io/v1), the body of a typed client's DELETE, as its JSON.
    static func deleteOptions(_ body: [UInt8]) throws(Status) -> JSONValue {
        var (_, _, raw) = try envelope(body)
        var o: [String: JSONValue] = [:]
        var dryRun: [JSONValue] = []
        while let (field, wire) = try raw.nextField() {
            switch field {
            case 1: o["gracePeriodSeconds"] = .int(Int64(bitPattern: try raw.varint(wire)))
            case 2:
                var p = try raw.message(wire)
                var preconditions: [String: JSONValue] = [:]
                while let (f, w) = try p.nextField() {
                    switch f {
                    case 1: preconditions["uid"] = .string(try p.string(w))
                    case 2: preconditions["resourceVersion"] = .string(try p.string(w))
                    default: throw unsupported("field \(f) of Preconditions")
                    }
                }
                o["preconditions"] = .object(preconditions)
            case 3: o["orphanDependents"] = .bool(try raw.varint(wire) != 0)
            case 4: o["propagationPolicy"] = .string(try raw.string(wire))
            case 5: dryRun.append(.string(try raw.string(wire)))
            default: throw unsupported("field \(field) of DeleteOptions")
            }
        }
        if !dryRun.isEmpty { o["dryRun"] = .array(dryRun) }
        return .object(o)
    }

    static func unsupported(_ what: String) -> Status {
        Status(message: "the body of the request was in an unknown format (\(mediaType)): the emulator does not decode \(what) - send application/json",
               reason: "UnsupportedMediaType", code: 415)
    }

    // MARK: Messages (field numbers from k8s.io/api/core/v1 and apimachinery's generated.proto)

    static func secret(_ r: inout Reader) throws(Status) -> JSONValue {
        var o: [String: JSONValue] = [:]
        var data: [String: JSONValue] = [:], stringData: [String: JSONValue] = [:]
        while let (field, wire) = try r.nextField() {
            switch field {
            case 1: o["metadata"] = try objectMeta(r.message(wire))
            case 2: let (k, v) = try r.mapEntry(wire); data[k] = .string(Data(v).base64EncodedString())
            case 3: let t = try r.string(wire); if !t.isEmpty { o["type"] = .string(t) }
            case 4: let (k, v) = try r.mapEntry(wire); stringData[k] = .string(String(decoding: v, as: UTF8.self))
            case 5: o["immutable"] = .bool(try r.varint(wire) != 0)
            default: throw unsupported("field \(field) of Secret")
            }
        }
        if !data.isEmpty { o["data"] = .object(data) }
        if !stringData.isEmpty { o["stringData"] = .object(stringData) }
        return .object(o)
    }

    static func configMap(_ r: inout Reader) throws(Status) -> JSONValue {
        var o: [String: JSONValue] = [:]
        var data: [String: JSONValue] = [:], binaryData: [String: JSONValue] = [:]
        while let (field, wire) = try r.nextField() {
            switch field {
            case 1: o["metadata"] = try objectMeta(r.message(wire))
            case 2: let (k, v) = try r.mapEntry(wire); data[k] = .string(String(decoding: v, as: UTF8.self))
            case 3: let (k, v) = try r.mapEntry(wire); binaryData[k] = .string(Data(v).base64EncodedString())
            case 4: o["immutable"] = .bool(try r.varint(wire) != 0)
            default: throw unsupported("field \(field) of ConfigMap")
            }
        }
        if !data.isEmpty { o["data"] = .object(data) }
        if !binaryData.isEmpty { o["binaryData"] = .object(binaryData) }
        return .object(o)
    }

    /// ObjectMeta. Go's encoder writes every scalar, empty or not: empty ones are left out, as the
    /// JSON encoding (`omitempty`) leaves them out.
    static func objectMeta(_ reader: Reader) throws(Status) -> JSONValue {
        var r = reader
        var o: [String: JSONValue] = [:]
        var labels: [String: JSONValue] = [:], annotations: [String: JSONValue] = [:], finalizers: [JSONValue] = []
        func text(_ key: String, _ value: String) { if !value.isEmpty { o[key] = .string(value) } }
        while let (field, wire) = try r.nextField() {
            switch field {
            case 1: text("name", try r.string(wire))
            case 2: text("generateName", try r.string(wire))
            case 3: text("namespace", try r.string(wire))
            case 4: text("selfLink", try r.string(wire))
            case 5: text("uid", try r.string(wire))
            case 6: text("resourceVersion", try r.string(wire))
            case 7: let g = try r.varint(wire); if g != 0 { o["generation"] = .int(Int64(bitPattern: g)) }
            case 8, 9: if let t = try time(r.message(wire)) { o[field == 8 ? "creationTimestamp" : "deletionTimestamp"] = .string(t) }
            case 10: o["deletionGracePeriodSeconds"] = .int(Int64(bitPattern: try r.varint(wire)))
            case 11: let (k, v) = try r.mapEntry(wire); labels[k] = .string(String(decoding: v, as: UTF8.self))
            case 12: let (k, v) = try r.mapEntry(wire); annotations[k] = .string(String(decoding: v, as: UTF8.self))
            case 14: finalizers.append(.string(try r.string(wire)))
            default: throw unsupported("field \(field) of ObjectMeta")  // ownerReferences, managedFields
            }
        }
        if !labels.isEmpty { o["labels"] = .object(labels) }
        if !annotations.isEmpty { o["annotations"] = .object(annotations) }
        if !finalizers.isEmpty { o["finalizers"] = .array(finalizers) }
        return .object(o)
    }

    /// metav1.Time: {1 seconds, 2 nanos}; the zero time is an empty message.
    static func time(_ reader: Reader) throws(Status) -> String? {
        var r = reader
        var seconds: Int64?
        while let (field, wire) = try r.nextField() {
            if field == 1 { seconds = Int64(bitPattern: try r.varint(wire)) } else { try r.skip(wire) }
        }
        return seconds.map { KubeTime.format(Date(timeIntervalSince1970: TimeInterval($0))) }
    }

    // MARK: Wire format

    /// Reads protobuf's wire format; a malformed body is a 400.
    struct Reader {
        var rest: ArraySlice<UInt8>

        static func malformed(_ why: String) -> Status { StatusErrors.badRequest("the protobuf body is malformed: \(why)") }

        /// The next field number and wire type, or nil at the end.
        mutating func nextField() throws(Status) -> (Int, Int)? {
            guard !rest.isEmpty else { return nil }
            let key = try rawVarint()
            guard key >> 3 > 0 else { throw Self.malformed("field number 0") }
            return (Int(key >> 3), Int(key & 7))
        }

        mutating func rawVarint() throws(Status) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while let byte = rest.popFirst() {
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
                guard shift < 64 else { throw Self.malformed("varint longer than 10 bytes") }
            }
            throw Self.malformed("truncated varint")
        }

        mutating func varint(_ wire: Int) throws(Status) -> UInt64 {
            guard wire == 0 else { throw Self.malformed("wire type \(wire) where a varint was expected") }
            return try rawVarint()
        }

        mutating func lengthDelimited(_ wire: Int) throws(Status) -> ArraySlice<UInt8> {
            guard wire == 2 else { throw Self.malformed("wire type \(wire) where bytes were expected") }
            let length = try rawVarint()
            guard length <= UInt64(rest.count) else { throw Self.malformed("length \(length) past the end") }
            let value = rest.prefix(Int(length))
            rest = rest.dropFirst(Int(length))
            return value
        }

        mutating func string(_ wire: Int) throws(Status) -> String {
            let value = try lengthDelimited(wire)
            guard let s = String(validating: value, as: UTF8.self) else { throw Self.malformed("a string is not UTF-8") }
            return s
        }

        mutating func message(_ wire: Int) throws(Status) -> Reader { Reader(rest: try lengthDelimited(wire)) }

        /// A map entry: {1 key (string), 2 value (bytes)}.
        mutating func mapEntry(_ wire: Int) throws(Status) -> (String, ArraySlice<UInt8>) {
            var entry = try message(wire)
            var key = "", value: ArraySlice<UInt8> = []
            while let (field, w) = try entry.nextField() {
                switch field {
                case 1: key = try entry.string(w)
                case 2: value = try entry.lengthDelimited(w)
                default: try entry.skip(w)
                }
            }
            return (key, value)
        }

        mutating func skip(_ wire: Int) throws(Status) {
            switch wire {
            case 0: _ = try rawVarint()
            case 1, 5:
                let n = wire == 1 ? 8 : 4
                guard rest.count >= n else { throw Self.malformed("truncated fixed-width field") }
                rest = rest.dropFirst(n)
            case 2: _ = try lengthDelimited(wire)
            default: throw Self.malformed("wire type \(wire)")
            }
        }
    }
}
