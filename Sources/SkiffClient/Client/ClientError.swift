import Foundation
import SkiffAPI

/// Kubernetes' `StatusReason` (metav1), plus the client-side reasons for failures that never
/// produced a Status. Compare reasons, not messages.
public struct StatusReason: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let unknown = StatusReason(rawValue: "")
    public static let unauthorized = StatusReason(rawValue: "Unauthorized")
    public static let forbidden = StatusReason(rawValue: "Forbidden")
    public static let notFound = StatusReason(rawValue: "NotFound")
    public static let alreadyExists = StatusReason(rawValue: "AlreadyExists")
    public static let conflict = StatusReason(rawValue: "Conflict")
    public static let gone = StatusReason(rawValue: "Gone")
    public static let invalid = StatusReason(rawValue: "Invalid")
    public static let serverTimeout = StatusReason(rawValue: "ServerTimeout")
    public static let timeout = StatusReason(rawValue: "Timeout")
    public static let tooManyRequests = StatusReason(rawValue: "TooManyRequests")
    public static let badRequest = StatusReason(rawValue: "BadRequest")
    public static let methodNotAllowed = StatusReason(rawValue: "MethodNotAllowed")
    public static let notAcceptable = StatusReason(rawValue: "NotAcceptable")
    public static let requestEntityTooLarge = StatusReason(rawValue: "RequestEntityTooLarge")
    public static let unsupportedMediaType = StatusReason(rawValue: "UnsupportedMediaType")
    public static let internalError = StatusReason(rawValue: "InternalError")
    public static let expired = StatusReason(rawValue: "Expired")
    public static let serviceUnavailable = StatusReason(rawValue: "ServiceUnavailable")
    // Client-side (no Status from a server):
    /// The server could not be reached or the connection failed.
    public static let transport = StatusReason(rawValue: "ClientTransport")
    /// A response body could not be decoded as the expected type.
    public static let decoding = StatusReason(rawValue: "ClientDecoding")
    /// A kubeconfig or client configuration is unusable.
    public static let configuration = StatusReason(rawValue: "ClientConfiguration")
    /// A watch ended with an ERROR event that carried no Status.
    public static let watchError = StatusReason(rawValue: "ClientWatchError")

    /// The reason Kubernetes' `ReasonForError` infers from a bare HTTP status code.
    static func forCode(_ code: Int) -> StatusReason {
        switch code {
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 406: return .notAcceptable
        case 409: return .conflict
        case 410: return .gone
        case 413: return .requestEntityTooLarge
        case 415: return .unsupportedMediaType
        case 422: return .invalid
        case 429: return .tooManyRequests
        case 500: return .internalError
        case 503: return .serviceUnavailable
        case 504: return .serverTimeout
        default: return .unknown
        }
    }
}

/// The one error SkiffClient throws: a Kubernetes `Status` from the server (`code` is the HTTP
/// status) or a client-side failure (`code` 0, a client reason).
public struct ClientError: Error, Sendable, CustomStringConvertible {
    public var code: Int
    public var reason: StatusReason
    public var message: String
    /// The server's Status object, when there was one.
    public var status: JSONValue?
    /// Seconds from a `Retry-After` header or `details.retryAfterSeconds`.
    public var retryAfterSeconds: Int?

    public init(code: Int, reason: StatusReason, message: String, status: JSONValue? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.status = status
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String {
        code == 0 ? "\(reason): \(message)" : "\(message) (\(code) \(reason))"
    }

    public var isNotFound: Bool { reason == .notFound }
    public var isAlreadyExists: Bool { reason == .alreadyExists }
    public var isConflict: Bool { reason == .conflict }
    public var isGone: Bool { reason == .gone || reason == .expired }

    /// Builds the error from a non-2xx response body (a Status, or anything else).
    static func from(code: Int, body: [UInt8], retryAfterHeader: String?) -> ClientError {
        let parsed = try? JSONValue.parse(body)
        var retry = retryAfterHeader.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if let parsed, parsed["kind"]?.stringValue == "Status" {
            let reasonText = parsed["reason"]?.stringValue ?? ""
            let reason = reasonText.isEmpty ? StatusReason.forCode(code) : StatusReason(rawValue: reasonText)
            if retry == nil, let r = parsed["details"]?["retryAfterSeconds"]?.intValue { retry = Int(r) }
            let statusCode = parsed["code"]?.intValue.map(Int.init) ?? code
            return ClientError(code: statusCode, reason: reason, message: parsed["message"]?.stringValue ?? "",
                               status: parsed, retryAfterSeconds: retry)
        }
        let text = String(decoding: body.prefix(512), as: UTF8.self)
        return ClientError(code: code, reason: .forCode(code),
                           message: text.isEmpty ? "the server responded with status \(code)" : text,
                           retryAfterSeconds: retry)
    }

    static func transport(_ error: any Error) -> ClientError {
        if let e = error as? ClientError { return e }
        return ClientError(code: 0, reason: .transport, message: String(describing: error))
    }

    static func decoding(_ what: String, _ error: any Error) -> ClientError {
        ClientError(code: 0, reason: .decoding, message: "cannot decode \(what): \(error)")
    }
}
