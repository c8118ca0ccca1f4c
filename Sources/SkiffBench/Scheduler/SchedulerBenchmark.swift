import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffClient
import SkiffHollow
import SkiffStore
import Synchronization

/// `skiff bench scheduler`: an in-process control plane (API server on the given store, the
/// scheduler over the in-process transport), N hollow nodes in the same process, and four
/// workloads whose pods are timed from the create request to the moment a watch shows them
/// bound. The scheduler is passed in as a closure so this module does not depend on it.
public enum SchedulerBenchmark {
    public struct Options: Sendable {
        public var nodes: Int
        public var pods: Int
        public var zones: Int
        public var creators: Int
        public var timeout: Duration

        public init(quick: Bool, nodes: Int? = nil, pods: Int? = nil) {
            self.nodes = nodes ?? (quick ? 500 : 5_000)
            self.pods = pods ?? (quick ? 3_000 : 30_000)
            zones = 3
            creators = 32
            timeout = quick ? .seconds(180) : .seconds(900)
        }
    }

    struct Row {
        var workload: String
        var pods: Int
        var bound: Int
        var seconds: Double
        var latency: LatencySummary
    }

    /// Runs every workload and returns the report table. `runScheduler` runs the scheduler on the
    /// given client until cancelled.
    public static func run(store: any Store, options: Options,
                           runScheduler: @escaping @Sendable (Client) async throws -> Void,
                           progress: @escaping @Sendable (String) -> Void) async throws -> String {
        let admin = UserInfo(username: "bench", groups: ["system:masters", "system:authenticated"])
        let server = APIServer(config: APIServerConfig(store: store, port: 0, insecureUser: admin))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            _ = try await server.port()
            let client = Client(transport: InProcessTransport.serving(server), config: .inProcess)
            let rssEmpty = residentMegabytes()
            let hollow = HollowNodeRunner(
                client: client,
                config: HollowNodeConfig(count: options.nodes, zones: options.zones,
                                         podCIDR: IPv4CIDR(network: 0x0A00_0000, prefixLength: 8)),
                options: HollowRunnerOptions(podWorkers: 8))
            group.addTask { try await hollow.run() }
            let registerStart = ContinuousClock.now
            while !hollow.isRegistered { try await Task.sleep(for: .milliseconds(50)) }
            progress("\(options.nodes) hollow nodes registered in \(seconds(since: registerStart)) s")
            group.addTask { try await runScheduler(client) }
            try await createPriorityClasses(client)

            var rows: [Row] = []
            let workloads = Workloads(options: options)
            rows.append(try await measure(client, "basic", workloads.basic(), options: options, progress: progress))
            for (name, pods) in [("anti-affinity", workloads.antiAffinity()), ("topology-spread", workloads.spread())] {
                rows.append(try await measure(client, name, pods, options: options, progress: progress))
                try await client.deleteCollection(CoreV1.Pod.self, namespace: "bench-\(name)", options: DeleteOptions(gracePeriodSeconds: 0))
            }
            // Preemption: fill every node's cpu with low-priority pods (not measured), then time
            // high-priority pods that fit only by evicting one of them.
            let fill = try await measure(client, "preemption-fill", workloads.preemptionFill(), options: options, progress: progress)
            progress("preemption fill: \(fill.bound)/\(fill.pods) bound")
            rows.append(try await measure(client, "preemption", workloads.preemptors(), options: options, progress: progress))
            for name in ["preemption-fill", "preemption"] {
                try await client.deleteCollection(CoreV1.Pod.self, namespace: "bench-\(name)", options: DeleteOptions(gracePeriodSeconds: 0))
            }
            let rssEnd = residentMegabytes()
            let stats = hollow.stats
            group.cancelAll()
            return report(rows: rows, options: options, rssEmpty: rssEmpty, rssEnd: rssEnd, stats: stats)
        }
    }

    /// Creates `pods` in namespace bench-`name` from `creators` concurrent clients and waits
    /// (up to the timeout) until a watch has seen each of them with `spec.nodeName`.
    static func measure(_ client: Client, _ name: String, _ pods: [CoreV1.Pod], options: Options,
                        progress: @escaping @Sendable (String) -> Void) async throws -> Row {
        let namespace = "bench-\(name)"
        _ = try? await client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: namespace)))
        let timing = TimingBox()
        let total = pods.count
        let watch = try await client.watch(CoreV1.Pod.self, namespace: namespace, options: ListOptions(resourceVersion: "0"))
        let bound: Int = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for try await event in watch {
                    guard case .modified(let pod) = event, pod.spec?.nodeName != nil, let name = pod.metadata?.name else { continue }
                    let done = timing.state.withLock { t -> Bool in
                        if t.bound[name] == nil { t.bound[name] = ContinuousClock.now }
                        return t.bound.count >= total
                    }
                    if done { break }
                }
                return timing.state.withLock { $0.bound.count }
            }
            group.addTask {
                try await Task.sleep(for: options.timeout)
                return -1
            }
            try await forEach(pods, concurrency: options.creators) { pod in
                let start = ContinuousClock.now
                timing.state.withLock { $0.created[pod.metadata?.name ?? ""] = start }
                _ = try await client.create(pod)
            }
            let first = try await group.next() ?? 0
            group.cancelAll()
            return first < 0 ? timing.state.withLock { $0.bound.count } : first
        }
        let (samples, seconds) = timing.state.withLock { t -> ([Duration], Double) in
            var samples: [Duration] = []
            for (name, at) in t.bound { if let created = t.created[name] { samples.append(created.duration(to: at)) } }
            let firstCreate = t.created.values.min()
            let lastBound = t.bound.values.max()
            let span = firstCreate.flatMap { f in lastBound.map { f.duration(to: $0) } } ?? .zero
            return (samples, span.seconds)
        }
        let row = Row(workload: name, pods: total, bound: bound, seconds: seconds, latency: LatencySummary(samples: samples, seconds: seconds))
        progress("\(name): \(bound)/\(total) bound in \(format(seconds, decimals: 1)) s (\(format(row.latency.operationsPerSecond, decimals: 0)) pods/s)")
        return row
    }

    final class TimingBox: Sendable {
        let state = Mutex(Timing())
    }

    struct Timing {
        var created: [String: ContinuousClock.Instant] = [:]
        var bound: [String: ContinuousClock.Instant] = [:]
    }

    static func createPriorityClasses(_ client: Client) async throws {
        for (name, value) in [("bench-low", Int32(100)), ("bench-high", Int32(10_000))] {
            let pc = SchedulingV1.PriorityClass(metadata: MetaV1.ObjectMeta(name: name), value: value)
            do { _ = try await client.create(pc) } catch let error as ClientError where error.isAlreadyExists {}
        }
    }

    static func report(rows: [Row], options: Options, rssEmpty: Double, rssEnd: Double, stats: HollowRunnerStats) -> String {
        var table = TextTable(header: ["workload", "pods", "bound", "seconds", "pods/s", "p50 ms", "p99 ms"])
        for row in rows {
            table.add([row.workload, String(row.pods), String(row.bound), format(row.seconds, decimals: 1),
                       format(row.latency.operationsPerSecond, decimals: 0),
                       format(row.latency.p50.milliseconds, decimals: 1), format(row.latency.p99.milliseconds, decimals: 1)])
        }
        table.add(["upstream: scheduler_perf SchedulingBasic 5000 nodes/10000 pods (CI threshold)", "10000", "", "", "270", "", ""])
        var text = table.render() + "\n"
        text += "process RSS: \(format(rssEmpty, decimals: 0)) MB empty control plane → \(format(rssEnd, decimals: 0)) MB at the end "
        text += "(control plane + \(options.nodes) hollow nodes + \(options.pods) basic pods + bench client, one process)\n"
        text += "hollow nodes: \(stats.statusWrites) pod status writes, \(stats.leaseRenewals) lease renewals, \(stats.statusWriteErrors + stats.leaseErrors) write errors\n"
        return text
    }

    static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        format((ContinuousClock.now - start).seconds, decimals: 1)
    }

    static func forEach<Element: Sendable>(_ elements: [Element], concurrency: Int,
                                           _ body: @escaping @Sendable (Element) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = elements.makeIterator()
            for _ in 0 ..< max(concurrency, 1) {
                guard let element = iterator.next() else { break }
                group.addTask { try await body(element) }
            }
            while try await group.next() != nil {
                if let element = iterator.next() { group.addTask { try await body(element) } }
            }
        }
    }
}

extension InProcessTransport {
    /// SkiffClient's in-process transport on `APIServer.handle` (as `skiff server` wires it).
    static func serving(_ server: APIServer) -> InProcessTransport {
        InProcessTransport { request in
            let api = APIRequest(method: request.method, uri: request.uri, headers: request.headers, body: request.body, user: nil)
            switch await server.handle(api) {
            case .full(let status, let headers, let body): return ClientResponse(status: status, headers: headers, body: .bytes(body))
            case .stream(let status, let headers, let chunks): return ClientResponse(status: status, headers: headers, body: .streaming(chunks))
            }
        }
    }
}
