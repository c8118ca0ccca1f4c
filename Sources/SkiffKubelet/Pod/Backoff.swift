import Foundation

/// client-go's `flowcontrol.Backoff` for one key, as the kubelet uses it for crash loops and
/// image pulls: the first failure is retried at once and sets the delay to `initial`; each
/// later retry doubles it up to `max`; an entry untouched for 2 × `max` starts over.
struct Backoff: Sendable, Equatable {
    private(set) var delay: TimeInterval = 0
    private(set) var lastUpdate: Date?
    let initial: TimeInterval
    let max: TimeInterval

    init(initial: Duration, max: Duration) {
        self.initial = initial.seconds
        self.max = max.seconds
    }

    private func expired(_ now: Date) -> Bool {
        guard let lastUpdate else { return true }
        return now.timeIntervalSince(lastUpdate) > 2 * max
    }

    /// When a retry for an event (a container exit, a failed pull) at `eventTime` may happen;
    /// nil: now.
    func retryTime(since eventTime: Date, now: Date) -> Date? {
        guard !expired(now), delay > 0 else { return nil }
        let due = eventTime.addingTimeInterval(delay)
        return due > now ? due : nil
    }

    /// Records a retry: the next one waits twice as long.
    mutating func next(now: Date) {
        if expired(now) || delay == 0 {
            delay = initial
        } else {
            delay = Swift.min(delay * 2, max)
        }
        lastUpdate = now
    }

    /// Go's duration string of the current delay ("10s", "20s", "5m0s"), as in the messages.
    var delayText: String {
        let seconds = Int(delay)
        return seconds >= 60 ? "\(seconds / 60)m\(seconds % 60)s" : "\(seconds)s"
    }
}

extension Duration {
    var seconds: TimeInterval {
        let (s, atto) = components
        return TimeInterval(s) + TimeInterval(atto) / 1e18
    }
}
