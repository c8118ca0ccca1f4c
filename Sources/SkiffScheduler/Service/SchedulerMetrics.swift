import Foundation
import Synchronization

/// Counters in the shape of kube-scheduler's metrics (`scheduler_schedule_attempts_total`,
/// `scheduler_scheduling_attempt_duration_seconds`, `scheduler_pending_pods`,
/// `scheduler_preemption_attempts_total`).
package struct SchedulerMetrics: Sendable, Equatable {
    /// result ("scheduled", "unschedulable", "error") → count.
    package var attempts: [String: Int] = [:]
    /// Upper bounds in seconds of the attempt-duration histogram buckets (upstream: 1 ms doubling, 15 buckets).
    package static let bucketBounds: [Double] = (0 ..< 15).map { 0.001 * pow(2, Double($0)) }
    /// result → per-bucket counts (not cumulative), sum and count.
    package var durations: [String: Histogram] = [:]
    /// queue ("active", "backoff", "unschedulable", "gated") → pods.
    package var pending: [String: Int] = [:]
    package var preemptionAttempts = 0

    package struct Histogram: Sendable, Equatable {
        package var buckets = [Int](repeating: 0, count: SchedulerMetrics.bucketBounds.count)
        package var sum = 0.0
        package var count = 0
    }

    package init() {}

    /// Total attempts observed in the duration histogram (all results).
    package var durationCount: Int { durations.values.reduce(0) { $0 + $1.count } }

    mutating func observe(result: String, seconds: Double) {
        attempts[result, default: 0] += 1
        var h = durations[result] ?? Histogram()
        h.sum += seconds
        h.count += 1
        if let i = Self.bucketBounds.firstIndex(where: { seconds <= $0 }) { h.buckets[i] += 1 }
        durations[result] = h
    }

    /// The Prometheus text exposition, as kube-scheduler's `/metrics` shows these families.
    package func render(profile: String) -> String {
        let p = "profile=\"\(profile)\""
        var out = "# HELP scheduler_schedule_attempts_total [STABLE] Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.\n"
        out += "# TYPE scheduler_schedule_attempts_total counter\n"
        for result in ["error", "scheduled", "unschedulable"] {
            out += "scheduler_schedule_attempts_total{\(p),result=\"\(result)\"} \(attempts[result] ?? 0)\n"
        }
        out += "# HELP scheduler_scheduling_attempt_duration_seconds [STABLE] Scheduling attempt latency in seconds (scheduling algorithm + binding)\n"
        out += "# TYPE scheduler_scheduling_attempt_duration_seconds histogram\n"
        for (result, h) in durations.sorted(by: { $0.key < $1.key }) {
            var cumulative = 0
            for (i, bound) in Self.bucketBounds.enumerated() {
                cumulative += h.buckets[i]
                out += "scheduler_scheduling_attempt_duration_seconds_bucket{\(p),result=\"\(result)\",le=\"\(Self.format(bound))\"} \(cumulative)\n"
            }
            out += "scheduler_scheduling_attempt_duration_seconds_bucket{\(p),result=\"\(result)\",le=\"+Inf\"} \(h.count)\n"
            out += "scheduler_scheduling_attempt_duration_seconds_sum{\(p),result=\"\(result)\"} \(h.sum)\n"
            out += "scheduler_scheduling_attempt_duration_seconds_count{\(p),result=\"\(result)\"} \(h.count)\n"
        }
        out += "# HELP scheduler_pending_pods [STABLE] Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.\n"
        out += "# TYPE scheduler_pending_pods gauge\n"
        for queue in ["active", "backoff", "gated", "unschedulable"] {
            out += "scheduler_pending_pods{queue=\"\(queue)\"} \(pending[queue] ?? 0)\n"
        }
        out += "# HELP scheduler_preemption_attempts_total [STABLE] Total preemption attempts in the cluster till now\n"
        out += "# TYPE scheduler_preemption_attempts_total counter\n"
        out += "scheduler_preemption_attempts_total \(preemptionAttempts)\n"
        return out
    }

    /// Go's `strconv.FormatFloat(v, 'f', -1, 64)` for the bucket bounds (0.001, 0.002, …, 16.384).
    static func format(_ v: Double) -> String {
        var s = String(format: "%.6f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}

/// The scheduler's metrics, shared between its loop (which records) and whoever serves
/// `/metrics` (which reads); outlives one `SchedulerCore`, so counters survive a new term of
/// leadership as a restarted kube-scheduler's would not, but a scrape never sees them drop.
package final class SchedulerMetricsRegistry: Sendable {
    private let state = Mutex(SchedulerMetrics())

    package init() {}

    package var snapshot: SchedulerMetrics { state.withLock { $0 } }

    func update(_ body: (inout SchedulerMetrics) -> Void) {
        state.withLock { body(&$0) }
    }

    /// Prometheus text for `/metrics`.
    package func render(profile: String = Profile.defaultSchedulerName) -> String {
        snapshot.render(profile: profile)
    }
}
