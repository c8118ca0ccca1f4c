import Foundation
import SkiffAPI
import Synchronization

/// `skiff bench client`: informer throughput over whatever transport the client has — the
/// initial sync of N pods (watch-list and list + watch) and the rate at which watch events
/// are decoded, applied to the indexed cache and delivered to a handler.
public enum ClientBenchmark {
    public struct Options: Sendable {
        public var pods: Int
        public var concurrency: Int
        public init(pods: Int = 10_000, concurrency: Int = 32) {
            self.pods = pods
            self.concurrency = concurrency
        }
    }

    public static func run(client: Client, options: Options, progress: @Sendable (String) -> Void) async throws -> String {
        let namespace = "bench-client"
        _ = try? await client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: namespace)))
        progress("creating \(options.pods) pods")
        let createStart = ContinuousClock.now
        try await forEach(0..<options.pods, concurrency: options.concurrency) { i in
            _ = try await client.create(pod(i, namespace: namespace))
        }
        let createTime = ContinuousClock.now - createStart

        var rows: [(String, String)] = []
        rows.append(("create \(options.pods) pods through the client", rate(options.pods, createTime, "pods/s")))
        for watchList in [true, false] {
            let rssBefore = residentBytes()
            let informer = Informer<CoreV1.Pod>(client: client, options: InformerOptions(namespace: namespace, useWatchList: watchList),
                                                indexers: [.namespace, .nodeName, .ownerUID])
            let delivered = Atomic<Int>(0)
            informer.addEventHandler { _ in delivered.add(1, ordering: .relaxed) }
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await informer.run() }
                try await informer.waitForSync()
                let syncTime = ContinuousClock.now - start
                let mode = watchList ? "watch-list (sendInitialEvents)" : "list + watch"
                rows.append(("initial sync, \(mode)", rate(informer.cache.count, syncTime, "objects/s")))
                if watchList {
                    let rss = max(0, residentBytes() - rssBefore)
                    rows.append(("informer cache memory (RSS growth)", "\(rss / max(1, informer.cache.count)) B/pod"))
                    progress("updating \(options.pods) pods while the informer watches")
                    let base = delivered.load(ordering: .relaxed)
                    let updateStart = ContinuousClock.now
                    try await forEach(0..<options.pods, concurrency: options.concurrency) { i in
                        _ = try await client.patch(CoreV1.Pod.self, "bench-\(i)", namespace: namespace,
                                                   Patch(.merge, .object(["metadata": .object(["labels": .object(["round": .string("2")])])])))
                    }
                    let writeTime = ContinuousClock.now - updateStart
                    while delivered.load(ordering: .relaxed) - base < options.pods {
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    let seenTime = ContinuousClock.now - updateStart
                    rows.append(("watch events (writes \(rate(options.pods, writeTime, "/s")))", rate(options.pods, seenTime, "events/s")))
                }
                group.cancelAll()
            }
        }
        progress("measuring decode and cache update alone")
        rows.append(contentsOf: try await clientSide(client: client, namespace: namespace))
        progress("cleaning up")
        try? await client.deleteCollection(CoreV1.Pod.self, namespace: namespace, options: DeleteOptions(gracePeriodSeconds: 0))
        try? await client.delete(CoreV1.Namespace.self, namespace)

        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n") + "\n"
    }

    /// The client's own share, without server or transport: decoding the list body, and
    /// decoding watch lines then applying them to an indexed cache with one handler.
    static func clientSide(client: Client, namespace: String) async throws -> [(String, String)] {
        let path = ResourceDescriptor.of(CoreV1.Pod.self).path(namespace: namespace)
        let body = try await client.send(ClientRequest(method: "GET", path: path))
        var start = ContinuousClock.now
        let list = try decodeBody(ObjectList<CoreV1.Pod>.self, body)
        let listTime = ContinuousClock.now - start
        start = ContinuousClock.now
        let foundation = try JSONDecoder().decode(ObjectList<CoreV1.Pod>.self, from: Data(body))
        let foundationTime = ContinuousClock.now - start
        let items = (try JSONValue.parse(body))["items"]?.arrayValue ?? []
        let lines = items.map { JSONValue.object(["type": .string("ADDED"), "object": $0]).serialized() }
        let informer = Informer<CoreV1.Pod>(client: client, indexers: [.namespace, .nodeName, .ownerUID])
        let delivered = Atomic<Int>(0)
        informer.addEventHandler { _ in delivered.add(1, ordering: .relaxed) }
        start = ContinuousClock.now
        for line in lines { informer.apply(try WatchEvent<CoreV1.Pod>.decodeTyped(line)) }
        let applyTime = ContinuousClock.now - start
        let bytes = lines.reduce(0) { $0 + $1.count } / max(1, lines.count)
        return [
            ("client only: decode list body (\(body.count / 1024) KiB)", rate(list.items.count, listTime, "objects/s")),
            ("client only: same with Foundation's JSONDecoder", rate(foundation.items.count, foundationTime, "objects/s")),
            ("client only: decode + index + handler per event (\(bytes) B)", rate(lines.count, applyTime, "events/s")),
        ]
    }

    static func pod(_ i: Int, namespace: String) -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(labels: ["app": "bench", "shard": String(i % 16)], name: "bench-\(i)", namespace: namespace),
            spec: CoreV1.PodSpec(containers: [CoreV1.Container(
                image: "registry.k8s.io/pause:3.10", name: "c",
                resources: CoreV1.ResourceRequirements(requests: ["cpu": Quantity(milli: 100), "memory": Quantity(64 << 20, format: .binarySI)]))],
                nodeName: "node-\(i % 500)"))
    }

    static func rate(_ n: Int, _ d: Duration, _ unit: String) -> String {
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return String(format: "%.0f %@ (%d in %.2f s)", Double(n) / max(seconds, 1e-9), unit, n, seconds)
    }

    static func forEach(_ range: Range<Int>, concurrency: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = range.lowerBound
            for _ in 0..<min(concurrency, range.count) {
                let i = next
                next += 1
                group.addTask { try await body(i) }
            }
            while try await group.next() != nil {
                if next < range.upperBound {
                    let i = next
                    next += 1
                    group.addTask { try await body(i) }
                }
            }
        }
    }

    /// Resident set size from /proc (0 where unavailable).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * 4096
    }
}
