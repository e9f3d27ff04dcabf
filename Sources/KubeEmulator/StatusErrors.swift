import KubeAPI

/// The Status objects the real server answers with, by situation.
enum StatusErrors {
    static func qualified(_ r: RegisteredResource) -> String {
        r.type.group.isEmpty ? r.type.plural : "\(r.type.plural).\(r.type.group)"
    }

    static func notFound(_ r: RegisteredResource, _ name: String) -> Status {
        Status(message: "\(qualified(r)) \"\(name)\" not found", reason: "NotFound", code: 404,
               details: StatusDetails(name: name, group: r.type.group, kind: r.type.plural))
    }

    static func alreadyExists(_ r: RegisteredResource, _ name: String) -> Status {
        Status(message: "\(qualified(r)) \"\(name)\" already exists", reason: "AlreadyExists", code: 409,
               details: StatusDetails(name: name, group: r.type.group, kind: r.type.plural))
    }

    static func conflict(_ r: RegisteredResource, _ name: String, _ why: String) -> Status {
        Status(message: "Operation cannot be fulfilled on \(qualified(r)) \"\(name)\": \(why)", reason: "Conflict", code: 409,
               details: StatusDetails(name: name, group: r.type.group, kind: r.type.plural))
    }

    static func staleVersion(_ r: RegisteredResource, _ name: String) -> Status {
        conflict(r, name, "the object has been modified; please apply your changes to the latest version and try again")
    }

    static func invalid(_ r: RegisteredResource, _ name: String, _ field: String) -> Status {
        Status(message: "\(r.type.kind) \"\(name)\" is invalid: \(field)", reason: "Invalid", code: 422,
               details: StatusDetails(name: name, group: r.type.group, kind: r.type.kind))
    }

    /// A query parameter kube-apiserver's ListOptions validation forbids (422, as it answers).
    static func invalidListOptions(_ field: String, _ why: String) -> Status {
        Status(message: "ListOptions.meta.k8s.io \"\" is invalid: \(field): Forbidden: \(why)", reason: "Invalid", code: 422,
               details: StatusDetails(group: "meta.k8s.io", kind: "ListOptions"))
    }

    static func badRequest(_ message: String) -> Status {
        Status(message: message, reason: "BadRequest", code: 400)
    }

    static func expired(_ message: String) -> Status {
        Status(message: message, reason: "Expired", code: 410)
    }
}
