import Foundation
import SkiffStore
import SkiffStoreEtcd
import Testing

/// Prints rough throughput figures; runs only with SKIFF_ETCD_THROUGHPUT=1 (no assertions on time).
@Suite("EtcdStore throughput", .enabled(if: ProcessInfo.processInfo.environment["SKIFF_ETCD_THROUGHPUT"] != nil))
struct EtcdStoreThroughputTests {
    @Test("report sequential and concurrent operation rates")
    func report() async throws {
        try await withEtcd { _, store in
            let value = Array(repeating: UInt8(ascii: "x"), count: 1024)
            let sequential = 500
            var clock = ContinuousClock.now
            for index in 0..<sequential {
                _ = try await store.create("/seq/\(index)", value: value)
            }
            print("etcd sequential create: \(rate(sequential, since: clock)) ops/s")

            clock = ContinuousClock.now
            for index in 0..<sequential {
                _ = try await store.get("/seq/\(index)", atRevision: nil)
            }
            print("etcd sequential get: \(rate(sequential, since: clock)) ops/s")

            for concurrency in [16, 64] {
                let total = 4000
                clock = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<concurrency {
                        group.addTask {
                            for index in stride(from: worker, to: total, by: concurrency) {
                                _ = try await store.create("/par\(concurrency)/\(index)", value: value)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                print("etcd concurrent create (\(concurrency) tasks): \(rate(total, since: clock)) ops/s")
                clock = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<concurrency {
                        group.addTask {
                            for index in stride(from: worker, to: total, by: concurrency) {
                                _ = try await store.get("/par\(concurrency)/\(index)", atRevision: nil)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                print("etcd concurrent get (\(concurrency) tasks): \(rate(total, since: clock)) ops/s")
            }
            clock = ContinuousClock.now
            let listed = try await store.list(prefix: "/par64/", atRevision: nil, limit: nil, continueAfter: nil)
            print("etcd list of \(listed.items.count) 1 KiB values: \(ContinuousClock.now - clock)")
        }
    }

    private func rate(_ count: Int, since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Int(Double(count) / seconds)
    }
}
