import Hummingbird
import KubeAPI
import NIOCore

/// JSON and Status responses.
enum HTTPResponses {
    static func json(_ value: JSONValue, code: Int = 200) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .init(code: code), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    static func statusValue(_ status: Status) -> JSONValue {
        var value = (try? JSONValue(encoding: status)) ?? ["kind": "Status", "apiVersion": "v1", "status": "Failure"]
        value["metadata"] = [:]
        return value
    }

    static func status(_ status: Status, retryAfter: Int? = nil) -> Response {
        var response = json(statusValue(status), code: status.code ?? 500)
        if let retryAfter { response.headers[.init("Retry-After")!] = String(retryAfter) }
        return response
    }

    static func success(code: Int = 200, details: StatusDetails? = nil) -> Response {
        json(statusValue(Status(status: "Success", code: code, details: details)), code: code)
    }

    /// `body` verbatim, labelled as JSON whatever it holds (injected malformed answers).
    static func raw(_ body: [UInt8], code: Int) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .init(code: code), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func text(_ text: String, code: Int = 200) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .init(code: code), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// One line of a watch stream.
    static func watchLine(_ event: WatchEvent, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"type":""#.utf8)
        out.append(contentsOf: event.type.rawValue.utf8)
        out.append(contentsOf: #"","object":"#.utf8)
        event.object.serialize(into: &out)
        out.append(contentsOf: "}\n".utf8)
    }
}
