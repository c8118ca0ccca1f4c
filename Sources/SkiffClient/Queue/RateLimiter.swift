/// When a key may be retried (client-go's workqueue rate limiters), as a pure value with the
/// time passed in. `DefaultControllerRateLimiter`: the larger of a per-item exponential
/// back-off (5 ms doubling to 1000 s) and an overall token bucket (10 qps, burst 100).
public struct ControllerRateLimiter<Key: Hashable & Sendable>: Sendable {
    public var baseDelay: Duration
    public var maxDelay: Duration
    private var failures: [Key: Int] = [:]
    private var bucket: TokenBucket

    public init(baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000), qps: Double = 10, burst: Int = 100) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        bucket = TokenBucket(qps: qps, burst: burst)
    }

    /// The delay before `key` is retried; counts one more failure of it.
    public mutating func when(_ key: Key, now: ContinuousClock.Instant) -> Duration {
        let exp = failures[key, default: 0]
        failures[key] = exp + 1
        // 2^exp overflows Duration long before maxDelay matters; cap the exponent.
        let perItem = exp >= 40 ? maxDelay : min(baseDelay * (1 << exp), maxDelay)
        return max(perItem, bucket.reserve(now: now))
    }

    /// Stops tracking `key` (it succeeded): its next failure starts at `baseDelay` again.
    public mutating func forget(_ key: Key) { failures[key] = nil }

    public func numRequeues(_ key: Key) -> Int { failures[key, default: 0] }
}
