/// A token bucket as golang.org/x/time/rate's `Limiter.Reserve`: `burst` tokens, refilled at
/// `qps` per second; a reservation may drive the bucket negative and returns how long the
/// caller must wait. Pure value with the time passed in, so tests need no clock.
public struct TokenBucket: Sendable {
    public let qps: Double
    public let burst: Int
    private var tokens: Double
    private var last: ContinuousClock.Instant?

    public init(qps: Double, burst: Int) {
        self.qps = qps
        self.burst = max(1, burst)
        tokens = Double(self.burst)
    }

    /// Takes one token; returns the wait before the caller may proceed (zero when available).
    public mutating func reserve(now: ContinuousClock.Instant) -> Duration {
        guard qps > 0 else { return .zero }
        if let last {
            let elapsed = now - last
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if seconds > 0 { tokens = min(Double(burst), tokens + seconds * qps) }
        }
        last = now
        tokens -= 1
        guard tokens < 0 else { return .zero }
        return .nanoseconds(Int64((-tokens / qps * 1e9).rounded(.up)))
    }
}
