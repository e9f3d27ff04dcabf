import Foundation
import Hummingbird
import KubeAPI
import Locking
import NIOCore
import NIOSSL

/// Answers every request: authentication, injected faults, then discovery or the resource API.
struct APIResponder: HTTPResponder {
    typealias Context = EmulatorRequestContext
    let store: ObjectStore
    let control: Locked<ControlState>
    let configuration: EmulatorConfiguration

    func respond(to request: Request, context: Context) async throws -> Response {
        let query = RequestInfo.parseQuery(request.uri.query)
        let info = RequestInfo(method: request.method.rawValue, path: request.uri.path, query: query,
                               userAgent: request.headers[.userAgent] ?? "")
        trackConnection(Self.connection(of: context.channel))
        let response: Response
        if await !authenticated(request, context) {
            response = HTTPResponses.status(Status(message: "Unauthorized", reason: "Unauthorized", code: 401))
        } else if let fault = control.withLock({ $0.takeFault(info) }) {
            if let raw = fault.rawBody {
                response = HTTPResponses.raw(raw, code: fault.status)
            } else {
                response = HTTPResponses.status(fault.statusObject, retryAfter: fault.retryAfter)
            }
        } else {
            let delay = control.withLock { $0.delay }
            if delay > .zero { try? await Task.sleep(for: delay) }
            control.withLock { $0.takeInterleaving(info) }?(info)
            var request = request
            response = await handle(&request, info: info, query: query, context: context)
        }
        let record = RequestRecord(info: info, code: response.status.code, identity: await identity(request, context))
        control.withLock { $0.append(record) }
        return response
    }

    /// The TCP connection a request came on. Under HTTP/2 the context's channel is a stream whose
    /// parent is the connection; under HTTP/1 it is the connection, whose parent is the listener.
    static func connection(of channel: any Channel) -> any Channel {
        if let parent = channel.parent, parent.parent != nil { return parent }
        return channel
    }

    private func trackConnection(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let isNew = control.withLock { state -> Bool in
            guard state.connections[id] == nil else { return false }
            state.connections[id] = channel
            return true
        }
        if isNew {
            let control = self.control
            channel.closeFuture.whenComplete { _ in _ = control.withLock { $0.connections.removeValue(forKey: id) } }
        }
    }

    private func identity(_ request: Request, _ context: Context) async -> RequestIdentity {
        var identity = RequestIdentity(authorization: request.headers[.authorization], authority: request.head.authority)
        for field in request.headers where field.name.canonicalName.lowercased().hasPrefix("impersonate-") {
            identity.impersonation.append("\(field.name.canonicalName.lowercased()): \(field.value)")
        }
        identity.impersonation.sort()
        if configuration.tls != nil,
           let certificate = try? await Self.connection(of: context.channel).nioSSL_peerCertificate().get() {
            identity.clientCertificateSerial = certificate.serialNumber.drop(while: { $0 == 0 }).map { String(format: "%02x", $0) }.joined()
        }
        return identity
    }

    /// A matching bearer token, a configured basic-auth user, or (when a client CA is configured)
    /// a verified client certificate.
    private func authenticated(_ request: Request, _ context: Context) async -> Bool {
        let wantsCertificate = configuration.tls?.clientCAPEM != nil
        let tokens = control.withLock { $0.acceptedTokens } ?? configuration.bearerToken.map { [$0] } ?? []
        guard !tokens.isEmpty || wantsCertificate || !configuration.basicAuthUsers.isEmpty else { return true }
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            let presented = Array(header.utf8.dropFirst(7))
            if tokens.contains(where: { Array($0.utf8) == presented }) { return true }
        }
        if let header = request.headers[.authorization], header.hasPrefix("Basic "),
           let decoded = Data(base64Encoded: String(header.dropFirst(6))).flatMap({ String(data: $0, encoding: .utf8) }),
           let colon = decoded.firstIndex(of: ":"),
           let password = configuration.basicAuthUsers[String(decoded[..<colon])], password == String(decoded[decoded.index(after: colon)...]) {
            return true
        }
        if wantsCertificate {
            // The TLS handler lives on the connection; under HTTP/2 the context's channel is a stream.
            let connection = Self.connection(of: context.channel)
            if (try? await connection.nioSSL_peerCertificate().get()) != nil { return true }
        }
        return false
    }

    private func handle(_ request: inout Request, info: RequestInfo, query: [String: String], context: Context) async -> Response {
        guard info.isResourceRequest else { return nonResource(info) }
        guard let resource = store.resource(group: info.group, version: info.version, plural: info.resource) else {
            return HTTPResponses.status(Status(message: "the server could not find the requested resource", reason: "NotFound", code: 404,
                                               details: StatusDetails(group: info.group, kind: info.resource)))
        }
        let type = ResourceType(group: resource.type.group, version: info.version, kind: resource.type.kind,
                                plural: resource.type.plural, namespaced: resource.type.namespaced)
        do throws(Status) {
            if let sub = info.subresource, !(sub == "status" && resource.hasStatusSubresource),
               !(sub == "eviction" && type == .pods) {
                throw Status(message: "the server could not find the requested resource", reason: "NotFound", code: 404)
            }
            switch info.verb {
            case "get":
                let object = try store.get(type, namespace: info.namespace, name: info.name ?? "")
                if TableRendering.wantsTable(accept: request.headers[.accept]) {
                    return HTTPResponses.json(TableRendering.table(
                        for: resource, items: [object], listMeta: ListMeta(resourceVersion: object[path: "metadata", "resourceVersion"]?.stringValue),
                        includeObject: query["includeObject"], now: configuration.now()))
                }
                return HTTPResponses.json(object)
            case "list":
                if query["resourceVersionMatch"] == "Exact", let rv = query["resourceVersion"].flatMap({ Int64($0) }),
                   rv < store.compactedResourceVersion {
                    throw StatusErrors.expired("too old resource version: \(rv) (\(store.compactedResourceVersion))")
                }
                let list = try store.list(type, namespace: info.namespace, labelSelector: query["labelSelector"], fieldSelector: query["fieldSelector"],
                                          limit: query["limit"].flatMap { Int($0) }, continueToken: query["continue"])
                if TableRendering.wantsTable(accept: request.headers[.accept]) {
                    return HTTPResponses.json(TableRendering.table(for: resource, items: list.items, listMeta: list.metadata,
                                                                   includeObject: query["includeObject"], now: configuration.now()))
                }
                return HTTPResponses.json(listValue(list))
            case "watch":
                return WatchResponder(store: store, control: control, configuration: configuration)
                    .respond(type: type, info: info, query: query, channel: context.channel,
                             table: TableRendering.wantsTable(accept: request.headers[.accept]) ? resource : nil)
            case "create", "update", "patch", "delete", "deletecollection":
                let body = try await readBody(&request)
                return try write(info: info, resource: resource, type: type, query: query, body: body,
                                 contentType: request.headers[.contentType] ?? "")
            default:
                throw Status(message: "method \(info.method) is not allowed on this resource", reason: "MethodNotAllowed", code: 405)
            }
        } catch {
            return HTTPResponses.status(error)
        }
    }

    private func listValue(_ list: ObjectList) -> JSONValue {
        var meta: JSONValue = ["resourceVersion": .string(list.metadata.resourceVersion ?? "")]
        if let c = list.metadata.continue { meta["continue"] = .string(c) }
        if let n = list.metadata.remainingItemCount { meta["remainingItemCount"] = .int(n) }
        return ["apiVersion": .string(list.apiVersion ?? "v1"), "kind": .string(list.kind ?? "List"), "metadata": meta, "items": .array(list.items)]
    }

    private func readBody(_ request: inout Request) async throws(Status) -> [UInt8] {
        let limit = configuration.maxRequestBodyBytes
        let tooLarge = Status(message: "the request body is larger than \(limit) bytes", reason: "RequestEntityTooLarge", code: 413)
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw tooLarge }
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch {
            throw tooLarge
        }
    }

    private func parse(_ body: [UInt8]) throws(Status) -> JSONValue {
        guard !body.isEmpty else { throw StatusErrors.badRequest("the request body is empty") }
        do {
            return try JSONValue.parse(body)
        } catch {
            throw StatusErrors.badRequest("the request body is not valid JSON: \(error)")
        }
    }

    private func write(info: RequestInfo, resource: RegisteredResource, type: ResourceType, query: [String: String], body: [UInt8],
                       contentType: String) throws(Status) -> Response {
        let manager = query["fieldManager"] ?? String(info.userAgent.split(separator: "/").first ?? "unknown")
        let name = info.name ?? ""
        // client-go's typed clients (kubectl's built-in commands, Helm's release records) send
        // protobuf, which kube-apiserver takes for built-in kinds: the kinds ProtobufBodies knows
        // are decoded; anything else gets a 415 naming the media type (client-go reports it),
        // instead of a confusing 400.
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let isWriteWithBody = ["create", "update"].contains(info.verb) && info.subresource != "eviction" && !body.isEmpty
        var decoded: JSONValue?
        if isWriteWithBody, mediaType == ProtobufBodies.mediaType, info.subresource == nil {
            decoded = try ProtobufBodies.decode(body, for: resource)
        } else if isWriteWithBody, !mediaType.isEmpty, mediaType != "application/json", !mediaType.hasSuffix("+json") {
            throw Status(message: "the body of the request was in an unknown format (\(mediaType)) - accepted media types include: application/json",
                         reason: "UnsupportedMediaType", code: 415)
        }
        func object() throws(Status) -> JSONValue {
            if let decoded { return decoded }
            return try parse(body)
        }
        switch info.verb {
        case "create":
            if info.subresource == "eviction" {
                // The pod is named by the URL; a body kubectl sent as protobuf (drain) is not needed.
                let eviction = (try? parse(body)) ?? JSONValue.object([:])
                if let bodyName = eviction[path: "metadata", "name"]?.stringValue, !bodyName.isEmpty, bodyName != name {
                    throw StatusErrors.badRequest("name in URL does not match name in Eviction object")
                }
                try store.evict(namespace: info.namespace ?? "default", name: name)
                return HTTPResponses.success(code: 201)
            }
            guard info.name == nil else { throw Status(message: "POST to a named object is not allowed", reason: "MethodNotAllowed", code: 405) }
            let created = try store.create(type, try object(), namespace: info.namespace, fieldManager: manager)
            return HTTPResponses.json(created, code: 201)
        case "update":
            let updated = try store.write(type, try object(), namespace: info.namespace, name: name, subresource: info.subresource,
                                          fieldManager: manager)
            return HTTPResponses.json(updated)
        case "patch":
            guard let patchType = PatchType(contentType: contentType) else {
                throw Status(message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
                             reason: "UnsupportedMediaType", code: 415)
            }
            let patched = try store.patch(type, namespace: info.namespace, name: name, try parse(body), patchType: patchType,
                                          subresource: info.subresource, fieldManager: manager)
            return HTTPResponses.json(patched)
        case "delete":
            // DeleteOptions, as JSON or (typed clients: Helm deleting its release record) protobuf.
            var preconditions: Preconditions?
            let options = body.isEmpty ? nil : mediaType == ProtobufBodies.mediaType ? try ProtobufBodies.deleteOptions(body) : try? parse(body)
            if let p = options?["preconditions"] {
                preconditions = Preconditions(uid: p["uid"]?.stringValue, resourceVersion: p["resourceVersion"]?.stringValue)
            }
            return HTTPResponses.json(try store.delete(type, namespace: info.namespace, name: name, preconditions: preconditions))
        default:  // deletecollection
            let list = try store.list(type, namespace: info.namespace, labelSelector: query["labelSelector"], fieldSelector: query["fieldSelector"])
            var deleted: [JSONValue] = []
            for item in list.items {
                guard let n = item[path: "metadata", "name"]?.stringValue else { continue }
                if let d = try? store.delete(type, namespace: item[path: "metadata", "namespace"]?.stringValue, name: n) { deleted.append(d) }
            }
            return HTTPResponses.json(listValue(ObjectList(apiVersion: type.apiVersion, kind: "\(type.kind)List",
                                                           metadata: ListMeta(resourceVersion: String(store.resourceVersion)), items: deleted)))
        }
    }

    private func nonResource(_ info: RequestInfo) -> Response {
        let parts = info.path.split(separator: "/").map(String.init)
        let resources = store.resources
        switch parts.first {
        case "version" where parts.count == 1: return HTTPResponses.json(Discovery.version)
        case "healthz", "readyz", "livez": return HTTPResponses.text("ok")
        case "api" where parts.count == 1:
            let port = control.withLock { $0.port }
            return HTTPResponses.json(Discovery.coreVersions(serverAddress: "\(configuration.host):\(port)"))
        case "api" where parts.count == 2:
            if let list = Discovery.resourceList(resources, group: "", version: parts[1]) { return HTTPResponses.json(list) }
        case "apis" where parts.count == 1: return HTTPResponses.json(Discovery.groups(resources))
        case "apis" where parts.count == 2:
            let groups = Discovery.groups(resources)["groups"]?.arrayValue ?? []
            if var group = groups.first(where: { $0["name"]?.stringValue == parts[1] }) {
                group["kind"] = "APIGroup"
                group["apiVersion"] = "v1"
                return HTTPResponses.json(group)
            }
        case "apis" where parts.count == 3:
            if let list = Discovery.resourceList(resources, group: parts[1], version: parts[2]) { return HTTPResponses.json(list) }
        case "openapi" where parts.count == 2 && parts[1] == "v3":
            return HTTPResponses.json(OpenAPIDocuments.root(resources))
        case "openapi" where parts.count >= 4 && parts[1] == "v3":
            let group = parts[2] == "apis" && parts.count == 5 ? parts[3] : ""
            let version = parts[parts.count - 1]
            if let doc = OpenAPIDocuments.groupVersion(resources, group: group, version: version) { return HTTPResponses.json(doc) }
        default: break
        }
        return HTTPResponses.status(Status(message: "the server could not find the requested resource", reason: "NotFound", code: 404))
    }
}
