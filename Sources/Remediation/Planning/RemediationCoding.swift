import Foundation
import KubeAPI

/// The JSON form of remediation records and ticket drafts: dates as RFC 3339 in whole seconds
/// (like every other time gateway-medic persists), keys sorted so equal values give equal bytes.
enum RemediationCoding {
    static func encoder(pretty: Bool = false) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(KubeTime.format(date.wholeSeconds))
        }
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = KubeTime.parse(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an RFC 3339 time: \(text.prefix(40))")
            }
            return date.wholeSeconds
        }
        return d
    }

    static func jsonValue<T: Encodable>(_ value: T) -> JSONValue? {
        guard let data = try? encoder().encode(value) else { return nil }
        return try? JSONValue.parse(data)
    }

    static func decode<T: Decodable>(_ type: T.Type, from json: JSONValue) -> T? {
        try? decoder().decode(T.self, from: Data(json.serialized()))
    }
}
