import Synchronization

/// Runs `operation(i)` for every i in 0..<count from `workers` concurrent tasks, each task taking
/// the next index as it finishes the last; returns the wall time and each call's latency.
func runConcurrently(
    _ count: Int, workers: Int, _ operation: @escaping @Sendable (Int) async throws -> Void
) async throws -> (wall: Duration, latencies: [Duration]) {
    let next = SharedCounter()
    let clock = ContinuousClock()
    let start = clock.now
    let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
        for _ in 0..<workers {
            group.addTask {
                var mine: [Duration] = []
                while true {
                    let i = next.next()
                    if i >= count { return mine }
                    let t = clock.now
                    try await operation(i)
                    mine.append(clock.now - t)
                }
            }
        }
        var all: [Duration] = []
        for try await part in group { all += part }
        return all
    }
    return (clock.now - start, latencies)
}

/// A counter that concurrent tasks draw consecutive numbers from.
final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
