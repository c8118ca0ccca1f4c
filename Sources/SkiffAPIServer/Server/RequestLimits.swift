import Foundation
import SkiffAPI
import Synchronization

/// kube-apiserver's request limits (the `--max-requests-inflight` filter, `--request-timeout`,
/// `--min-request-timeout`), applied after authentication as upstream's handler chain does.
public struct RequestLimits: Sendable {
    /// `--max-requests-inflight`: concurrent non-mutating (GET) requests; 0 is unlimited.
    public var maxReadOnlyInflight = 400
    /// `--max-mutating-requests-inflight`: concurrent mutating requests; 0 is unlimited.
    public var maxMutatingInflight = 200
    /// `--request-timeout`: a non-long-running request answers 504 after this (a shorter
    /// `?timeout=` from the client wins).
    public var requestTimeout: Duration = .seconds(60)
    /// `--min-request-timeout`: a watch without `timeoutSeconds` ends after this times a random
    /// factor in [1, 2), so watches opened together do not all re-list together.
    public var minRequestTimeout: Duration = .seconds(1800)
    /// A connection that has not sent a complete request head this long after opening is closed
    /// (kube-apiserver's `ReadHeaderTimeout`, 32 s): slowloris clients cannot hold connections.
    public var headerReadTimeout: Duration = .seconds(32)
    /// A kept-alive connection waiting longer than this for its next request is closed
    /// (kube-apiserver's `IdleTimeout`, 90 s).
    public var idleTimeout: Duration = .seconds(90)

    public init() {}
}

/// Counts requests in flight per kind; the `--max-requests-inflight` filter (maxinflight.go).
final class InflightLimiter: Sendable {
    let limits: RequestLimits
    private let counts = Mutex((readOnly: 0, mutating: 0))

    init(limits: RequestLimits) { self.limits = limits }

    /// Upstream's `BasicLongRunningRequestCheck(watch, proxy; attach, exec, proxy, log, portforward)`:
    /// these hold a connection for minutes and are neither counted nor timed out.
    static func isLongRunning(_ request: APIRequest, route: ResourceRoute?) -> Bool {
        guard let route else { return false }
        if request.method == "GET", request.flag("watch") { return true }
        if let sub = route.subresource, ["attach", "exec", "proxy", "log", "portforward"].contains(sub) { return true }
        return false
    }

    /// Upstream counts `get`, `list` and `watch` as read-only; every other verb is mutating.
    static func isMutating(_ request: APIRequest) -> Bool { request.method != "GET" }

    /// Takes a slot, or returns false when the kind's limit is reached.
    func acquire(mutating: Bool) -> Bool {
        counts.withLock { c in
            if mutating {
                guard limits.maxMutatingInflight <= 0 || c.mutating < limits.maxMutatingInflight else { return false }
                c.mutating += 1
            } else {
                guard limits.maxReadOnlyInflight <= 0 || c.readOnly < limits.maxReadOnlyInflight else { return false }
                c.readOnly += 1
            }
            return true
        }
    }

    func release(mutating: Bool) {
        counts.withLock { c in
            if mutating { c.mutating -= 1 } else { c.readOnly -= 1 }
        }
    }

    var current: (readOnly: Int, mutating: Int) { counts.withLock { $0 } }

    /// Upstream's answer (maxinflight.go `tooManyRequests`): plain text, `Retry-After: 1`.
    static let tooManyRequests = APIResponse.full(
        status: 429,
        headers: [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff"), ("Retry-After", "1")],
        body: Array("Too many requests, please try again later.\n".utf8))

    /// The deadline of a non-long-running request: `--request-timeout`, or the client's shorter
    /// `?timeout=` (a Go duration; 0 means the server's). Invalid durations are a 400, as upstream.
    func deadline(for request: APIRequest) throws(APIError) -> Duration {
        var timeout = limits.requestTimeout
        if let text = request.query["timeout"], !text.isEmpty {
            guard let requested = GoDuration.parse(text) else {
                throw .badRequest("invalid timeout specified in the request URL - time: invalid duration \"\(text)\"")
            }
            if requested > .zero, requested < timeout { timeout = requested }
        }
        return timeout
    }

    /// `--min-request-timeout` with upstream's jitter: a duration in [min, 2·min).
    func watchTimeout() -> Duration {
        limits.minRequestTimeout * Double.random(in: 1..<2)
    }

    static func timedOut() -> APIResponse {
        .error(APIError(code: 504, reason: .timeout,
                        message: "Timeout: request did not complete within requested timeout - context deadline exceeded",
                        retryAfterSeconds: 0))
    }
}

/// Go's `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, units ns, us/µs, ms, s, m, h, or "0".
enum GoDuration {
    static func parse(_ text: String) -> Duration? {
        var s = Substring(text)
        var negative = false
        if let first = s.first, first == "-" || first == "+" {
            negative = first == "-"
            s = s.dropFirst()
        }
        if s == "0" { return .zero }
        guard !s.isEmpty else { return nil }
        var total = 0.0
        while !s.isEmpty {
            let number = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number) else { return nil }
            s = s.dropFirst(number.count)
            let unit = s.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            s = s.dropFirst(unit.count)
            let seconds: Double
            switch unit {
            case "ns": seconds = 1e-9
            case "us", "µs", "μs": seconds = 1e-6
            case "ms": seconds = 1e-3
            case "s": seconds = 1
            case "m": seconds = 60
            case "h": seconds = 3600
            default: return nil
            }
            total += value * seconds
            // Go's limit: about 290 years.
            guard total < 9.2e9 else { return nil }
        }
        return .nanoseconds(Int64((negative ? -total : total) * 1e9))
    }
}
