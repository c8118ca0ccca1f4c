/// Client-side limits (client-go's rest.Config QPS/Burst and its request retry).
public struct ClientConfig: Sendable {
    /// Requests per second allowed on average; nil or ≤ 0 disables client-side limiting.
    public var qps: Double?
    public var burst: Int
    /// Retries of one request after 429, 5xx with `Retry-After`, or 5xx of a read; a read that
    /// fails to connect is retried at most 3 times.
    public var maxRetries: Int
    /// First back-off when the server gave no `Retry-After`; doubles per retry up to `maxBackoff`.
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var userAgent: String

    /// Defaults as recent client-go (50 qps, burst 100, 10 retries).
    public init(qps: Double? = 50, burst: Int = 100, maxRetries: Int = 10, initialBackoff: Duration = .milliseconds(100),
                maxBackoff: Duration = .seconds(10), userAgent: String = "skiff-client") {
        self.qps = qps
        self.burst = burst
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.userAgent = userAgent
    }

    /// For components inside `skiff server` on the in-process transport: no client-side limit
    /// (the server's own inflight limits apply).
    public static var inProcess: ClientConfig { ClientConfig(qps: nil, burst: 0) }
}
