import SkiffAPI
import SkiffStore

/// A Kubernetes `StatusReason`: the closed set of failures a request can end with.
public enum StatusReason: String, Sendable {
    case badRequest = "BadRequest"
    case unauthorized = "Unauthorized"
    case forbidden = "Forbidden"
    case notFound = "NotFound"
    case alreadyExists = "AlreadyExists"
    case conflict = "Conflict"
    case gone = "Gone"
    case expired = "Expired"
    case invalid = "Invalid"
    case methodNotAllowed = "MethodNotAllowed"
    case notAcceptable = "NotAcceptable"
    case requestEntityTooLarge = "RequestEntityTooLarge"
    case unsupportedMediaType = "UnsupportedMediaType"
    case timeout = "Timeout"
    case tooManyRequests = "TooManyRequests"
    case internalError = "InternalError"
    case serviceUnavailable = "ServiceUnavailable"
}

/// The one error type of the request path; becomes a `Status` object at the HTTP edge.
public struct APIError: Error, Sendable, Equatable {
    public var code: Int
    public var reason: StatusReason
    public var message: String
    public var name: String?
    public var group: String?
    public var kind: String?
    public var causes: [FieldCause]
    public var retryAfterSeconds: Int?

    public init(code: Int, reason: StatusReason, message: String, name: String? = nil, group: String? = nil,
                kind: String? = nil, causes: [FieldCause] = [], retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }

    static func badRequest(_ message: String) -> APIError { APIError(code: 400, reason: .badRequest, message: message) }
    static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: .internalError, message: "Internal error occurred: \(message)")
    }
    static func notFound(_ r: ResourceInfo, _ name: String) -> APIError {
        APIError(code: 404, reason: .notFound, message: "\(r.qualifiedPlural) \"\(name)\" not found",
                 name: name, group: r.group, kind: r.plural)
    }
    static func namespaceNotFound(_ namespace: String) -> APIError {
        APIError(code: 404, reason: .notFound, message: "namespaces \"\(namespace)\" not found",
                 name: namespace, group: "", kind: "namespaces")
    }
    static func alreadyExists(_ r: ResourceInfo, _ name: String) -> APIError {
        APIError(code: 409, reason: .alreadyExists, message: "\(r.qualifiedPlural) \"\(name)\" already exists",
                 name: name, group: r.group, kind: r.plural)
    }
    static func conflict(_ r: ResourceInfo, _ name: String) -> APIError {
        APIError(code: 409, reason: .conflict,
                 message: "Operation cannot be fulfilled on \(r.qualifiedPlural) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
                 name: name, group: r.group, kind: r.plural)
    }
    static func invalid(_ r: ResourceInfo, _ name: String, _ causes: [FieldCause]) -> APIError {
        let parts = causes.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }
        let joined = parts.count == 1 ? parts[0] : "[\(parts.joined(separator: ", "))]"
        return APIError(code: 422, reason: .invalid, message: "\(r.kind) \"\(name)\" is invalid: \(joined)",
                        name: name, group: r.group, kind: r.kind, causes: causes)
    }
    static func gone(_ message: String) -> APIError { APIError(code: 410, reason: .expired, message: message) }
    static func methodNotAllowed(_ message: String) -> APIError {
        APIError(code: 405, reason: .methodNotAllowed, message: message)
    }
    static func pathNotFound() -> APIError {
        APIError(code: 404, reason: .notFound, message: "the server could not find the requested resource")
    }

    /// Maps a store failure for the object `name` of `resource`.
    static func from(store error: any Error, resource r: ResourceInfo, name: String) -> APIError {
        if let api = error as? APIError { return api }
        guard let error = error as? StoreError else { return .internalError("\(error)") }
        switch error {
        case .notFound: return .notFound(r, name)
        case .alreadyExists: return .alreadyExists(r, name)
        case .conflict: return .conflict(r, name)
        case .compacted(let requested, let compacted):
            return .gone("The resourceVersion for the provided list is too old (requested \(requested), compacted \(compacted)).")
        case .futureRevision:
            return APIError(code: 504, reason: .timeout, message: "Too large resource version")
        case .valueTooLarge(let size, let limit):
            return APIError(code: 413, reason: .requestEntityTooLarge,
                            message: "object of \(size) bytes exceeds the limit of \(limit) bytes")
        case .invalidKey(let why): return .badRequest(why)
        case .unavailable(let why):
            return APIError(code: 503, reason: .serviceUnavailable, message: "storage unavailable: \(why)", retryAfterSeconds: 1)
        }
    }

    /// The `Status` object sent on the wire.
    var status: JSONValue {
        var details: [String: JSONValue] = [:]
        if let name { details["name"] = .string(name) }
        if let group, !group.isEmpty { details["group"] = .string(group) }
        if let kind { details["kind"] = .string(kind) }
        if !causes.isEmpty {
            details["causes"] = .array(causes.map {
                .object(["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)])
            })
        }
        if let retryAfterSeconds { details["retryAfterSeconds"] = .int(Int64(retryAfterSeconds)) }
        var object: [String: JSONValue] = [
            "kind": .string("Status"), "apiVersion": .string("v1"), "metadata": .object([:]),
            "status": .string("Failure"), "message": .string(message), "reason": .string(reason.rawValue),
            "code": .int(Int64(code)),
        ]
        if !details.isEmpty { object["details"] = .object(details) }
        return .object(object)
    }
}
