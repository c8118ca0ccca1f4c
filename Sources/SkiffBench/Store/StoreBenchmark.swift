import SkiffStore

/// `skiff bench store`: the same workloads against each backend, side by side.
///
/// Every backend is durable the way it runs in production (SQLite: WAL + fsync per commit;
/// etcd: its defaults), so ratios compare real configurations.
public struct StoreBenchmark: Sendable {
    public struct Sizes: Sendable {
        public var sequentialCreates: Int
        public var concurrentCreates: Int
        public var casUpdates: Int
        public var hotKeys: Int
        public var listKeys: Int
        public var listPageSize: Int
        public var listRepeats: Int
        public var watchedWrites: Int
        public var writers: Int

        public static let quick = Sizes(sequentialCreates: 300, concurrentCreates: 4_000, casUpdates: 4_000, hotKeys: 1_000,
                                        listKeys: 10_000, listPageSize: 500, listRepeats: 3, watchedWrites: 3_000, writers: 64)
        public static let full = Sizes(sequentialCreates: 2_000, concurrentCreates: 20_000, casUpdates: 20_000, hotKeys: 1_000,
                                       listKeys: 10_000, listPageSize: 500, listRepeats: 10, watchedWrites: 10_000, writers: 64)
    }

    /// Opens a fresh, empty store for one backend; `close` releases it and its files.
    public struct Backend: Sendable {
        public var name: String
        public var open: @Sendable () async throws -> (store: any Store, close: @Sendable () async -> Void)

        public init(name: String, open: @escaping @Sendable () async throws -> (store: any Store, close: @Sendable () async -> Void)) {
            self.name = name
            self.open = open
        }
    }

    public enum Workload: String, CaseIterable, Sendable {
        case sequentialCreates = "sequential creates (1 writer)"
        case concurrentCreates = "concurrent creates (64 writers)"
        case casUpdates = "CAS updates, 1000 hot keys (64 writers)"
        case paginatedList = "list 10k keys, page 500 (per page)"
        case watchLatency = "watch delivery while 64 writers run"
    }

    public var sizes: Sizes
    public var backends: [Backend]

    public init(sizes: Sizes, backends: [Backend]) {
        self.sizes = sizes
        self.backends = backends
    }

    /// Runs every workload on every backend and returns results keyed by backend name.
    public func run(log: @Sendable (String) -> Void = { print($0) }) async throws -> [String: [Workload: LatencySummary]] {
        var results: [String: [Workload: LatencySummary]] = [:]
        for backend in backends {
            let (store, close) = try await backend.open()
            var mine: [Workload: LatencySummary] = [:]
            do {
                for workload in Workload.allCases {
                    log("  \(backend.name): \(workload.rawValue)…")
                    mine[workload] = try await run(workload, on: store)
                }
            } catch {
                await close()
                throw error
            }
            await close()
            results[backend.name] = mine
        }
        return results
    }

    func run(_ workload: Workload, on store: any Store) async throws -> LatencySummary {
        switch workload {
        case .sequentialCreates:
            return try await measure(total: sizes.sequentialCreates, writers: 1) { i in
                _ = try await store.create("/bench/seq/\(i)", value: Self.payload)
            }
        case .concurrentCreates:
            return try await measure(total: sizes.concurrentCreates, writers: sizes.writers) { i in
                _ = try await store.create("/bench/conc/\(i)", value: Self.payload)
            }
        case .casUpdates:
            for k in 0..<sizes.hotKeys { _ = try await store.create("/bench/hot/\(k)", value: Self.payload) }
            let hotKeys = sizes.hotKeys
            return try await measure(total: sizes.casUpdates, writers: sizes.writers) { i in
                // Read-modify-write with retry, like a controller's update loop.
                let key = "/bench/hot/\((i &* 7919) % hotKeys)"
                while true {
                    guard let current = try await store.get(key, atRevision: nil) else { return }
                    do {
                        _ = try await store.update(key, value: Self.payload, expectedModRevision: current.modRevision)
                        return
                    } catch StoreError.conflict {
                        continue
                    }
                }
            }
        case .paginatedList:
            try await fill(prefix: "/bench/list/", count: sizes.listKeys, store: store)
            var samples: [Duration] = []
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<sizes.listRepeats {
                var after: String?
                var revision: Int64?
                repeat {
                    let t = clock.now
                    let page = try await store.list(prefix: "/bench/list/", atRevision: revision, limit: sizes.listPageSize, continueAfter: after)
                    samples.append(clock.now - t)
                    revision = page.revision
                    after = page.more ? page.items.last?.key : nil
                } while after != nil
            }
            return LatencySummary(samples: samples, seconds: (clock.now - start).seconds)
        case .watchLatency:
            return try await watchLatency(store: store)
        }
    }

    static let payload: [UInt8] = Array(String(repeating: "x", count: 1024).utf8)

    private func fill(prefix: String, count: Int, store: any Store) async throws {
        _ = try await measure(total: count, writers: sizes.writers) { i in
            _ = try await store.create(prefix + String(i), value: Self.payload)
        }
    }

    /// Runs `operation(i)` for i in 0..<total from `writers` concurrent tasks, timing each call.
    private func measure(total: Int, writers: Int, _ operation: @escaping @Sendable (Int) async throws -> Void) async throws -> LatencySummary {
        let (wall, samples) = try await runConcurrently(total, workers: writers, operation)
        return LatencySummary(samples: samples, seconds: wall.seconds)
    }

    /// Writers stamp each value with the time they started the write; one watcher measures when
    /// the event reaches it. Throughput is the writers' rate.
    private func watchLatency(store: any Store) async throws -> LatencySummary {
        let clock = ContinuousClock()
        let origin = clock.now
        let stream = try await store.watch(prefix: "/bench/watch/", startRevision: nil)
        let total = sizes.watchedWrites
        let watcher = Task {
            var samples: [Duration] = []
            samples.reserveCapacity(total)
            for try await event in stream {
                let stamp = Int64(String(decoding: event.kv.value.prefix(while: { $0 != UInt8(ascii: " ") }), as: UTF8.self)) ?? 0
                samples.append((clock.now - origin) - .nanoseconds(stamp))
                if samples.count == total { break }
            }
            return samples
        }
        let start = clock.now
        _ = try await measure(total: total, writers: sizes.writers) { i in
            let stamp = (clock.now - origin).nanosecondsTotal
            _ = try await store.create("/bench/watch/\(i)", value: Array("\(stamp) ".utf8) + Self.payload)
        }
        let samples = try await watcher.value
        return LatencySummary(samples: samples, seconds: (clock.now - start).seconds)
    }
}

extension Duration {
    var seconds: Double { milliseconds / 1000 }
    var nanosecondsTotal: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

extension StoreBenchmark {
    /// The side-by-side table: each backend's ops/s, p50 and p99, and the first backend's
    /// throughput over the second's.
    public static func table(_ results: [String: [Workload: LatencySummary]], order: [String]) -> String {
        var header = ["workload"]
        for name in order { header += ["\(name) ops/s", "p50 ms", "p99 ms"] }
        if order.count == 2 { header += ["\(order[0])/\(order[1])"] }
        var table = TextTable(header: header)
        for workload in Workload.allCases {
            var row = [workload.rawValue]
            for name in order {
                guard let s = results[name]?[workload] else { row += ["-", "-", "-"]; continue }
                row += [format(s.operationsPerSecond, decimals: 0), format(s.p50.milliseconds, decimals: 2), format(s.p99.milliseconds, decimals: 2)]
            }
            if order.count == 2, let a = results[order[0]]?[workload], let b = results[order[1]]?[workload], b.operationsPerSecond > 0 {
                row.append(format(a.operationsPerSecond / b.operationsPerSecond, decimals: 2) + "x")
            }
            table.add(row)
        }
        return table.render()
    }
}
