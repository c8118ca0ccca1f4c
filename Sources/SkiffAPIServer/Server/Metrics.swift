import Synchronization

/// Request counters and latency histograms, rendered in the Prometheus text format as
/// `apiserver_request_total` and `apiserver_request_duration_seconds`.
final class Metrics: Sendable {
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private struct Histogram {
        var counts = [UInt64](repeating: 0, count: Metrics.buckets.count)
        var sum = 0.0
        var count: UInt64 = 0
    }
    private struct State {
        var requests: [String: UInt64] = [:]
        var latency: [String: Histogram] = [:]
    }
    private let state = Mutex(State())
    private let sources = Mutex<[@Sendable () -> String]>([])

    /// Another component's metrics, appended to every render.
    func addSource(_ render: @escaping @Sendable () -> String) {
        sources.withLock { $0.append(render) }
    }

    func record(verb: String, resource: String, code: Int, seconds: Double) {
        let countKey = "verb=\"\(verb)\",resource=\"\(resource)\",code=\"\(code)\""
        let latencyKey = "verb=\"\(verb)\",resource=\"\(resource)\""
        state.withLock { s in
            s.requests[countKey, default: 0] += 1
            var h = s.latency[latencyKey] ?? Histogram()
            for (i, bound) in Metrics.buckets.enumerated() where seconds <= bound { h.counts[i] += 1 }
            h.sum += seconds
            h.count += 1
            s.latency[latencyKey] = h
        }
    }

    func render(extra: [(String, Double)] = []) -> String {
        let s = state.withLock { $0 }
        var out = "# HELP apiserver_request_total Counter of apiserver requests by verb, resource and HTTP code.\n"
        out += "# TYPE apiserver_request_total counter\n"
        for (labels, n) in s.requests.sorted(by: { $0.key < $1.key }) { out += "apiserver_request_total{\(labels)} \(n)\n" }
        out += "# HELP apiserver_request_duration_seconds Response latency by verb and resource.\n"
        out += "# TYPE apiserver_request_duration_seconds histogram\n"
        for (labels, h) in s.latency.sorted(by: { $0.key < $1.key }) {
            for (i, bound) in Metrics.buckets.enumerated() {
                out += "apiserver_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(h.counts[i])\n"
            }
            out += "apiserver_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(h.count)\n"
            out += "apiserver_request_duration_seconds_sum{\(labels)} \(h.sum)\n"
            out += "apiserver_request_duration_seconds_count{\(labels)} \(h.count)\n"
        }
        for (name, value) in extra { out += "# TYPE \(name) gauge\n\(name) \(value)\n" }
        for source in sources.withLock({ $0 }) { out += source() }
        return out
    }
}
