import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffStore
import Synchronization

/// `skiff bench api`: an in-process API server on the given store, driven by concurrent
/// clients through the full request path (routing, decoding, defaulting, validation, store,
/// watch cache, encoding) — everything but the socket.
public enum APIBenchmark {
    public struct Options: Sendable {
        public var quick: Bool
        public var concurrency: Int
        public init(quick: Bool, concurrency: Int = 64) {
            self.quick = quick
            self.concurrency = concurrency
        }
    }

    struct Row {
        var name: String
        var value: String
        var p50: String
        var p99: String
    }

    /// Runs the benchmark on `store` and returns the report table.
    public static func run(store: any Store, options: Options, log: @Sendable (String) -> Void = { _ in }) async throws -> String {
        let admin = UserInfo(username: "bench", groups: ["system:masters"])
        let server = APIServer(config: APIServerConfig(store: store, port: 0, insecureUser: admin))
        return try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await server.run(); return nil }
            _ = try await server.port()
            let report = try await measure(server, options: options, log: log)
            group.cancelAll()
            return report
        }
    }

    private static func measure(_ server: APIServer, options: Options, log: @Sendable (String) -> Void) async throws -> String {
        var rows: [Row] = []
        let baseline = residentBytes()
        let creates = options.quick ? 3_000 : 10_000
        let gets = options.quick ? 20_000 : 100_000
        _ = await call(server, "POST", "/api/v1/namespaces", JSONValue.object(["metadata": .object(["name": .string("bench")])]).serialized())

        log("creating \(creates) pods with \(options.concurrency) clients")
        let (createTime, createLatencies) = try await concurrently(creates, options.concurrency) { i in
            let status = await call(server, "POST", "/api/v1/namespaces/bench/pods", pod("p\(i)", namespace: "bench"))
            if status != 201 { throw BenchError(message: "create answered \(status)") }
        }
        rows.append(row("pod creates/s", Double(creates) / createTime, createLatencies))

        log("reading \(gets) pods")
        let (getTime, getLatencies) = try await concurrently(gets, options.concurrency) { i in
            let status = await call(server, "GET", "/api/v1/namespaces/bench/pods/p\(i % creates)", [])
            if status != 200 { throw BenchError(message: "get answered \(status)") }
        }
        rows.append(row("pod gets/s", Double(gets) / getTime, getLatencies))

        // LIST of 5,000 pods (the first 5,000 by name).
        let listed = min(5_000, creates)
        var listLatencies: [Double] = []
        for _ in 0..<(options.quick ? 10 : 30) {
            let start = ContinuousClock.now
            _ = await call(server, "GET", "/api/v1/namespaces/bench/pods?limit=\(listed)", [])
            listLatencies.append(seconds(ContinuousClock.now - start))
        }
        rows.append(Row(name: "list \(listed) pods", value: "\(listLatencies.count) lists",
                        p50: ms(percentile(listLatencies, 0.5)), p99: ms(percentile(listLatencies, 0.99))))

        rows.append(try await watchLatency(server, watchers: 1_000, updates: options.quick ? 20 : 100, log: log))

        let rss10k = try await fill(server, to: 10_000, from: creates, log: log)
        rows.append(memoryRow(count: 10_000, rss: rss10k, baseline: baseline))
        if !options.quick {
            let rss50k = try await fill(server, to: 50_000, from: 10_000, log: log)
            rows.append(memoryRow(count: 50_000, rss: rss50k, baseline: baseline))
        }
        return table(rows)
    }

    // MARK: watch delivery

    private static func watchLatency(_ server: APIServer, watchers: Int, updates: Int, log: @Sendable (String) -> Void) async throws -> Row {
        log("opening \(watchers) watches")
        _ = await call(server, "POST", "/api/v1/namespaces", JSONValue.object(["metadata": .object(["name": .string("bench-watch")])]).serialized())
        _ = await call(server, "POST", "/api/v1/namespaces/bench-watch/configmaps",
                       JSONValue.object(["metadata": .object(["name": .string("tick")]), "data": .object(["t": .string("0")])]).serialized())
        let sent = Locked<[Int: ContinuousClock.Instant]>([:])
        let samples = Locked<[Double]>([])
        let opened = Locked(0)
        let latencies: [Double] = try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<watchers {
                let request = APIRequest(method: "GET", uri: "/api/v1/namespaces/bench-watch/configmaps?watch=1&resourceVersion=0",
                                         headers: [:], body: [], user: nil)
                guard case .stream(_, _, let chunks) = await server.handle(request) else { throw BenchError(message: "watch did not stream") }
                group.addTask {
                    opened.withLock { $0 += 1 }
                    var seen = 0
                    for await chunk in chunks {
                        let now = ContinuousClock.now
                        guard let event = try? JSONValue.parse(Array(chunk.split(separator: UInt8(ascii: "\n")).first ?? [])),
                              let t = event["object"]?["data"]?["t"]?.stringValue, let n = Int(t), n > 0 else { continue }
                        if let start = sent.withLock({ $0[n] }) { samples.withLock { $0.append(seconds(now - start)) } }
                        seen += 1
                        if seen == updates { break }
                    }
                }
            }
            while opened.withLock({ $0 }) < watchers { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(200))
            for n in 1...updates {
                sent.withLock { $0[n] = ContinuousClock.now }
                let patch = JSONValue.object(["data": .object(["t": .string(String(n))])]).serialized()
                _ = await call(server, "PATCH", "/api/v1/namespaces/bench-watch/configmaps/tick", patch,
                               contentType: "application/merge-patch+json")
                try await Task.sleep(for: .milliseconds(20))
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while samples.withLock({ $0.count }) < watchers * updates, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            group.cancelAll()
            return samples.withLock { $0 }
        }
        return Row(name: "watch delivery, \(watchers) watches", value: "\(latencies.count)/\(watchers * updates) events",
                   p50: ms(percentile(latencies, 0.5)), p99: ms(percentile(latencies, 0.99)))
    }

    // MARK: memory

    private static func fill(_ server: APIServer, to target: Int, from existing: Int, log: @Sendable (String) -> Void) async throws -> Int {
        if target > existing {
            log("storing \(target) pods")
            _ = try await concurrently(target - existing, 64) { i in
                _ = await call(server, "POST", "/api/v1/namespaces/bench/pods", pod("p\(existing + i)", namespace: "bench"))
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        return residentBytes()
    }

    private static func memoryRow(count: Int, rss: Int, baseline: Int) -> Row {
        let json = pod("p00000", namespace: "bench").count + 400  // + the server-set metadata
        let perPod = Double(rss - baseline) / Double(count)
        return Row(name: "RSS with \(count) pods", value: "\(rss / (1 << 20)) MiB",
                   p50: String(format: "%.0f B/pod", perPod), p99: String(format: "%.0f B/pod over JSON", perPod - Double(json)))
    }

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }

    // MARK: helpers

    struct BenchError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    static func pod(_ name: String, namespace: String) -> [UInt8] {
        JSONValue.object([
            "apiVersion": .string("v1"), "kind": .string("Pod"),
            "metadata": .object(["name": .string(name), "namespace": .string(namespace),
                                 "labels": .object(["app": .string("bench"), "tier": .string("web")])]),
            "spec": .object(["containers": .array([.object([
                "name": .string("app"), "image": .string("registry.local/bench/app:1.0"),
                "ports": .array([.object(["containerPort": .int(8080)])]),
                "resources": .object(["requests": .object(["cpu": .string("100m"), "memory": .string("64Mi")])]),
            ])])]),
        ]).serialized()
    }

    static func call(_ server: APIServer, _ method: String, _ uri: String, _ body: [UInt8],
                     contentType: String = "application/json") async -> Int {
        await server.handle(APIRequest(method: method, uri: uri, headers: ["content-type": contentType], body: body, user: nil)).statusCode
    }

    /// Runs `operation(0..<count)` on `clients` concurrent workers; returns wall time and per-op latencies.
    static func concurrently(_ count: Int, _ clients: Int, _ operation: @escaping @Sendable (Int) async throws -> Void)
        async throws -> (Double, [Double]) {
        let (wall, latencies) = try await runConcurrently(count, workers: clients, operation)
        return (wall.seconds, latencies.map(\.seconds))
    }

    static func seconds(_ d: Duration) -> Double { d.seconds }

    /// Nearest-rank percentile (NaN when empty, printed as such).
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        SkiffBench.percentile(values, p) ?? .nan
    }

    static func ms(_ s: Double) -> String { String(format: "%.2f ms", s * 1000) }

    private static func row(_ name: String, _ rate: Double, _ latencies: [Double]) -> Row {
        Row(name: name, value: String(format: "%.0f", rate), p50: ms(percentile(latencies, 0.5)), p99: ms(percentile(latencies, 0.99)))
    }

    private static func table(_ rows: [Row]) -> String {
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var out = "\(pad("measure", 34)) \(pad("value", 22)) \(pad("p50", 18)) p99\n"
        for r in rows { out += "\(pad(r.name, 34)) \(pad(r.value, 22)) \(pad(r.p50, 18)) \(r.p99)\n" }
        return out
    }
}

/// A Mutex in a class, so concurrent tasks can share it by reference.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout sending Value) -> sending R) -> R { mutex.withLock(body) }
}
