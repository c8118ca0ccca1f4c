import Foundation
import SkiffAPI

/// One HTTP request as the handlers see it (body fully read, user authenticated).
public struct APIRequest: Sendable {
    public var method: String
    /// Path without the query string, percent-decoded.
    public var path: String
    /// Path without the query string as sent. Resource routing splits this one and decodes each
    /// segment afterwards, so an encoded `/` (`%2F`) inside a name cannot change the route.
    public var rawPath: String
    public var query: [String: String]
    /// The query string as sent (repeated keys such as exec's `command` kept), for proxying.
    public var rawQuery: String
    /// Lower-cased header names.
    public var headers: [String: String]
    public var body: [UInt8]
    public var user: UserInfo?
    /// Set by the TCP server: where a handler leaves a node connection it upgraded (exec, attach,
    /// port-forward) before answering `101`; in-process callers have none and get a 400.
    var tunnelSlot: TunnelSlot?

    public init(method: String, uri: String, headers: [String: String], body: [UInt8], user: UserInfo?) {
        self.method = method
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let rawPath = parts.first.map(String.init) ?? "/"
        path = rawPath.removingPercentEncoding ?? rawPath
        self.rawPath = rawPath
        rawQuery = parts.count > 1 ? String(parts[1]) : ""
        var query: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(kv[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[0])
                let value = kv.count > 1
                    ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[1])) : ""
                if query[key] == nil { query[key] = value }
            }
        }
        self.query = query
        self.headers = headers
        self.body = body
        self.user = user
    }

    func header(_ name: String) -> String? { headers[name] }

    func flag(_ name: String) -> Bool {
        guard let v = query[name] else { return false }
        return v == "true" || v == "1" || v.isEmpty
    }

    var dryRun: Bool { query["dryRun"] == "All" }
}

/// A response: a complete body, or a stream of chunks flushed one by one (watches).
public enum APIResponse: Sendable {
    case full(status: Int, headers: [(String, String)], body: [UInt8])
    case stream(status: Int, headers: [(String, String)], chunks: AsyncStream<[UInt8]>)

    static func json(_ value: JSONValue, status: Int = 200, contentType: String = "application/json",
                     extraHeaders: [(String, String)] = []) -> APIResponse {
        .full(status: status, headers: [("Content-Type", contentType)] + extraHeaders, body: value.serialized())
    }

    static func bytes(_ body: [UInt8], status: Int = 200, contentType: String = "application/json",
                      extraHeaders: [(String, String)] = []) -> APIResponse {
        .full(status: status, headers: [("Content-Type", contentType)] + extraHeaders, body: body)
    }

    static func error(_ e: APIError) -> APIResponse {
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        if let retry = e.retryAfterSeconds { headers.append(("Retry-After", String(retry))) }
        return .full(status: e.code, headers: headers, body: e.status.serialized())
    }

    static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> APIResponse {
        .full(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    package var statusCode: Int {
        switch self {
        case .full(let s, _, _), .stream(let s, _, _): return s
        }
    }
}
