import Foundation
import SkiffAPI
import Synchronization

/// A Kubernetes API client over one `Transport`: typed methods over the generated `APIObject`
/// types (`Client+Typed.swift`), dynamic ones over `JSONValue` (`Client+Dynamic.swift`), and
/// watches. Every request passes the client-side token bucket and is retried on 429 and
/// server errors as `ClientConfig` says. Thread-safe; share one per process.
public final class Client: Sendable {
    public let transport: any Transport
    public let config: ClientConfig
    static let connectionRetries = 3
    private let limited: Bool
    private let bucket: Mutex<TokenBucket>

    public init(transport: any Transport, config: ClientConfig = ClientConfig()) {
        self.transport = transport
        self.config = config
        limited = (config.qps ?? 0) > 0
        bucket = Mutex(TokenBucket(qps: config.qps ?? 0, burst: config.burst))
    }

    /// Waits for a token of the client-side rate limiter.
    func throttle() async throws {
        guard limited else { return }
        let wait = bucket.withLock { $0.reserve(now: .now) }
        if wait > .zero { try await Task.sleep(for: wait) }
    }

    /// Sends a request with rate limiting and retries; returns the body of a 2xx response and
    /// throws `ClientError` for anything else.
    public func send(_ request: ClientRequest) async throws -> [UInt8] {
        let response = try await sendRaw(request)
        let body: [UInt8]
        do { body = try await response.collect() } catch { throw ClientError.transport(error) }
        guard (200..<300).contains(response.status) else {
            throw ClientError.from(code: response.status, body: body, retryAfterHeader: response.header("Retry-After"))
        }
        return body
    }

    /// Sends a request and returns a 2xx response with its body unread (watches); non-2xx
    /// responses are read and thrown as `ClientError`.
    public func sendStreaming(_ request: ClientRequest) async throws -> ClientResponse {
        let response = try await sendRaw(request)
        guard (200..<300).contains(response.status) else {
            let body = (try? await response.collect()) ?? []
            throw ClientError.from(code: response.status, body: body, retryAfterHeader: response.header("Retry-After"))
        }
        return response
    }

    private func sendRaw(_ original: ClientRequest) async throws -> ClientResponse {
        var request = original
        if request.headers["user-agent"] == nil { request.headers["user-agent"] = config.userAgent }
        if request.headers["accept"] == nil { request.headers["accept"] = "application/json" }
        let idempotent = request.method == "GET" || request.method == "HEAD"
        var attempt = 0
        var backoff = config.initialBackoff
        while true {
            try await throttle()
            let response: ClientResponse
            do {
                response = try await transport.send(request)
            } catch {
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                // A server that cannot be reached is retried briefly only: callers such as
                // informers and leader election have their own, longer back-off.
                guard idempotent, attempt < min(config.maxRetries, Self.connectionRetries) else { throw ClientError.transport(error) }
                attempt += 1
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, config.maxBackoff)
                continue
            }
            let retryAfter = response.header("Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let retryable = response.status == 429 || (response.status >= 500 && (retryAfter != nil || idempotent))
            guard retryable, attempt < config.maxRetries else { return response }
            _ = try? await response.collect()
            attempt += 1
            let wait = retryAfter.map { Duration.seconds(max(0, $0)) } ?? backoff
            try await Task.sleep(for: min(wait, config.maxBackoff * 3))
            backoff = min(backoff * 2, config.maxBackoff)
        }
    }
}

/// Options of list and watch requests (metav1.ListOptions).
public struct ListOptions: Sendable {
    public var labelSelector: String?
    public var fieldSelector: String?
    public var limit: Int?
    public var continueToken: String?
    public var resourceVersion: String?
    public var resourceVersionMatch: String?
    public var timeoutSeconds: Int?
    public var allowWatchBookmarks: Bool
    public var sendInitialEvents: Bool?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil, continueToken: String? = nil,
                resourceVersion: String? = nil, resourceVersionMatch: String? = nil, timeoutSeconds: Int? = nil,
                allowWatchBookmarks: Bool = false, sendInitialEvents: Bool? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.timeoutSeconds = timeoutSeconds
        self.allowWatchBookmarks = allowWatchBookmarks
        self.sendInitialEvents = sendInitialEvents
    }

    var query: [(name: String, value: String)] {
        var q: [(name: String, value: String)] = []
        if let labelSelector, !labelSelector.isEmpty { q.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { q.append(("fieldSelector", fieldSelector)) }
        if let limit { q.append(("limit", String(limit))) }
        if let continueToken, !continueToken.isEmpty { q.append(("continue", continueToken)) }
        if let resourceVersion { q.append(("resourceVersion", resourceVersion)) }
        if let resourceVersionMatch { q.append(("resourceVersionMatch", resourceVersionMatch)) }
        if let timeoutSeconds { q.append(("timeoutSeconds", String(timeoutSeconds))) }
        if allowWatchBookmarks { q.append(("allowWatchBookmarks", "true")) }
        if let sendInitialEvents { q.append(("sendInitialEvents", sendInitialEvents ? "true" : "false")) }
        return q
    }
}

/// Options of create, update and patch requests.
public struct WriteOptions: Sendable {
    public var fieldManager: String?
    public var dryRun: Bool
    /// Server-side apply only: take over conflicting fields.
    public var force: Bool

    public init(fieldManager: String? = nil, dryRun: Bool = false, force: Bool = false) {
        self.fieldManager = fieldManager
        self.dryRun = dryRun
        self.force = force
    }

    var query: [(name: String, value: String)] {
        var q: [(name: String, value: String)] = []
        if let fieldManager { q.append(("fieldManager", fieldManager)) }
        if dryRun { q.append(("dryRun", "All")) }
        if force { q.append(("force", "true")) }
        return q
    }
}

/// Options of delete requests (metav1.DeleteOptions), sent as the request body.
public struct DeleteOptions: Sendable {
    public enum Propagation: String, Sendable { case orphan = "Orphan", background = "Background", foreground = "Foreground" }
    public var gracePeriodSeconds: Int64?
    public var propagationPolicy: Propagation?
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?
    public var dryRun: Bool

    public init(gracePeriodSeconds: Int64? = nil, propagationPolicy: Propagation? = nil, preconditionUID: String? = nil,
                preconditionResourceVersion: String? = nil, dryRun: Bool = false) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.dryRun = dryRun
    }

    var body: [UInt8] {
        var o: [String: JSONValue] = ["kind": .string("DeleteOptions"), "apiVersion": .string("v1")]
        if let gracePeriodSeconds { o["gracePeriodSeconds"] = .int(gracePeriodSeconds) }
        if let propagationPolicy { o["propagationPolicy"] = .string(propagationPolicy.rawValue) }
        var pre: [String: JSONValue] = [:]
        if let preconditionUID { pre["uid"] = .string(preconditionUID) }
        if let preconditionResourceVersion { pre["resourceVersion"] = .string(preconditionResourceVersion) }
        if !pre.isEmpty { o["preconditions"] = .object(pre) }
        if dryRun { o["dryRun"] = .array([.string("All")]) }
        return JSONValue.object(o).serialized()
    }
}

/// A patch body and its type (the request's Content-Type).
public struct Patch: Sendable {
    public enum Kind: String, Sendable {
        case json = "application/json-patch+json"
        case merge = "application/merge-patch+json"
        case strategicMerge = "application/strategic-merge-patch+json"
        /// Server-side apply; needs `WriteOptions.fieldManager`.
        case apply = "application/apply-patch+yaml"
    }
    public var kind: Kind
    public var body: [UInt8]

    public init(_ kind: Kind, body: [UInt8]) {
        self.kind = kind
        self.body = body
    }

    public init(_ kind: Kind, _ value: JSONValue) {
        self.init(kind, body: value.serialized())
    }
}
