import Foundation

/// When each of N nodes renews its Lease: every `period`, node i at offset `period·i/N`, so one
/// process renews at an even rate instead of N leases at once (kubelet renews every 10 s;
/// nodeLeaseDurationSeconds 40).
package struct LeaseSchedule: Sendable, Equatable {
    package let period: TimeInterval
    package let count: Int
    package let origin: Date

    package init(period: TimeInterval = 10, count: Int, origin: Date) {
        self.period = period
        self.count = max(count, 1)
        self.origin = origin
    }

    package func offset(_ index: Int) -> TimeInterval { period * Double(index % count) / Double(count) }

    /// The first renewal time of node `index` strictly after `time`.
    package func nextRenewal(of index: Int, after time: Date) -> Date {
        let base = origin.addingTimeInterval(offset(index))
        let elapsed = time.timeIntervalSince(base)
        guard elapsed >= 0 else { return base }
        let periods = (elapsed / period).rounded(.down) + 1
        return base.addingTimeInterval(periods * period)
    }

    /// The nodes whose renewal falls in `(from, to]`, in time order.
    package func due(from: Date, to: Date) -> [Int] {
        guard to > from else { return [] }
        var result: [(Date, Int)] = []
        for index in 0 ..< count {
            var next = nextRenewal(of: index, after: from)
            while next <= to {
                result.append((next, index))
                next = next.addingTimeInterval(period)
            }
        }
        return result.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
