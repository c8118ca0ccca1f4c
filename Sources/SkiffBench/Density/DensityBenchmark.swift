import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffClient
import SkiffHollow
import SkiffStore
import Synchronization

/// `skiff bench density`: clusterloader2's density shape on an in-process control plane (API
/// server on the given store, scheduler and controller manager over the in-process transport)
/// with N hollow nodes in the same process. Deployments totalling `podsPerNode` pods per node
/// are created at once; pod startup latency is creation → Running as a watch observes both
/// (the SLO's definition). Then every Deployment is rolled and finally deleted, timed the same
/// way. Scheduler and controller manager come in as closures so this module depends on neither.
public enum DensityBenchmark {
    public struct Options: Sendable {
        public var nodes: Int
        public var podsPerNode: Int
        public var podsPerDeployment: Int
        public var timeout: Duration

        public init(quick: Bool, nodes: Int? = nil) {
            self.nodes = nodes ?? (quick ? 20 : 100)
            podsPerNode = 30
            podsPerDeployment = 30
            timeout = quick ? .seconds(300) : .seconds(900)
        }

        var pods: Int { nodes * podsPerNode }
        var deployments: Int { (pods + podsPerDeployment - 1) / podsPerDeployment }
    }

    struct Phase {
        var name: String
        var pods: Int
        var done: Int
        var seconds: Double
        var latency: LatencySummary?
        var calls: Int
    }

    static let namespace = "bench-density"

    /// Runs the three phases and returns the report. `runControlPlane` runs the scheduler and
    /// controller manager on the given client until cancelled.
    public static func run(store: any Store, options: Options,
                           runControlPlane: @escaping @Sendable (Client) async throws -> Void,
                           progress: @escaping @Sendable (String) -> Void) async throws -> String {
        let admin = UserInfo(username: "bench", groups: ["system:masters", "system:authenticated"])
        let server = APIServer(config: APIServerConfig(store: store, port: 0, insecureUser: admin))
        let calls = Atomic<Int>(0)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            _ = try await server.port()
            // One counting transport for every component, so calls per pod cover all of them.
            let counting = InProcessTransport { request in
                calls.add(1, ordering: .relaxed)
                return await InProcessTransport.serve(server, request)
            }
            let client = Client(transport: counting, config: .inProcess)
            let rssEmpty = SchedulerBenchmark.residentMegabytes()
            let (cpuStart, wallStart) = (cpuSeconds(), ContinuousClock.now)
            let hollow = HollowNodeRunner(
                client: client,
                config: HollowNodeConfig(count: options.nodes, zones: 3, podCIDR: IPv4CIDR(network: 0x0A00_0000, prefixLength: 8)),
                options: HollowRunnerOptions(podWorkers: 8))
            group.addTask { try await hollow.run() }
            while !hollow.isRegistered { try await Task.sleep(for: .milliseconds(50)) }
            group.addTask { try await runControlPlane(client) }
            _ = try? await client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: namespace)))
            let rssNodes = SchedulerBenchmark.residentMegabytes()
            progress("\(options.nodes) hollow nodes registered; control plane at \(format(rssNodes, decimals: 0)) MB")

            let tracker = PodTracker()
            let watch = try await client.watch(CoreV1.Pod.self, namespace: namespace, options: ListOptions(resourceVersion: "0"))
            group.addTask {
                for try await event in watch { tracker.observe(event) }
            }
            var phases: [Phase] = []

            // 1. Create every Deployment at once.
            var before = calls.load(ordering: .relaxed)
            let start = ContinuousClock.now
            try await SchedulerBenchmark.forEach(Array(0..<options.deployments), concurrency: 16) { i in
                let replicas = min(options.podsPerDeployment, options.pods - i * options.podsPerDeployment)
                _ = try await client.create(deployment(i, replicas: Int32(replicas), image: "registry.k8s.io/pause:3.10"))
            }
            try await waitUntil(options.timeout) { tracker.running(since: start) >= options.pods }
            phases.append(tracker.phase("create \(options.deployments) deployments", pods: options.pods, since: start,
                                        calls: calls.load(ordering: .relaxed) - before))
            progress("create: \(phases.last?.done ?? 0)/\(options.pods) Running in \(format(phases.last?.seconds ?? 0)) s")
            let rssPods = SchedulerBenchmark.residentMegabytes()

            // 2. Roll every Deployment to a new image.
            before = calls.load(ordering: .relaxed)
            let rollStart = ContinuousClock.now
            try await SchedulerBenchmark.forEach(Array(0..<options.deployments), concurrency: 16) { i in
                let patch = Patch(.merge, .object(["spec": .object(["template": .object(["spec": .object([
                    "containers": .array([.object(["name": .string("app"), "image": .string("registry.k8s.io/pause:3.11")])]),
                ])])])]))
                _ = try await client.patch(AppsV1.Deployment.self, "density-\(i)", namespace: namespace, patch)
            }
            try await waitUntil(options.timeout) {
                guard tracker.running(since: rollStart) >= options.pods else { return false }
                let list = try await client.list(AppsV1.Deployment.self, namespace: namespace).items
                return list.allSatisfy { d in
                    let r = d.spec?.replicas ?? 0, s = d.status
                    return s?.updatedReplicas == r && s?.replicas == r && s?.availableReplicas == r
                        && (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
                }
            }
            phases.append(tracker.phase("rolling update", pods: options.pods, since: rollStart, calls: calls.load(ordering: .relaxed) - before))
            progress("rolling update: complete in \(format(phases.last?.seconds ?? 0)) s")

            // 3. Delete every Deployment; the garbage collector takes ReplicaSets and pods.
            before = calls.load(ordering: .relaxed)
            let deleteStart = ContinuousClock.now
            try await client.deleteCollection(AppsV1.Deployment.self, namespace: namespace)
            try await waitUntil(options.timeout) { tracker.live == 0 }
            let deleteSeconds = (ContinuousClock.now - deleteStart).seconds
            phases.append(Phase(name: "delete all", pods: options.pods, done: options.pods - tracker.live, seconds: deleteSeconds,
                                latency: nil, calls: calls.load(ordering: .relaxed) - before))
            progress("delete: all pods gone in \(format(deleteSeconds)) s")
            let rssEnd = SchedulerBenchmark.residentMegabytes()
            group.cancelAll()
            let cpu = (cpuSeconds() - cpuStart, (ContinuousClock.now - wallStart).seconds)
            return report(phases, options: options, rss: (rssEmpty, rssNodes, rssPods, rssEnd), cpu: cpu)
        }
    }

    static func deployment(_ i: Int, replicas: Int32, image: String) -> AppsV1.Deployment {
        let labels = ["app": "density-\(i)"]
        return AppsV1.Deployment(
            metadata: MetaV1.ObjectMeta(name: "density-\(i)", namespace: namespace),
            spec: AppsV1.DeploymentSpec(
                replicas: replicas, selector: MetaV1.LabelSelector(matchLabels: labels),
                template: CoreV1.PodTemplateSpec(metadata: MetaV1.ObjectMeta(labels: labels),
                                                 spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: image, name: "app")]))))
    }

    static func waitUntil(_ timeout: Duration, _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// User + system CPU time of this process, so a run on a shared machine can be read.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    static func report(_ phases: [Phase], options: Options, rss: (Double, Double, Double, Double), cpu: (Double, Double)) -> String {
        var table = TextTable(header: ["phase", "pods", "done", "seconds", "startup p50 ms", "startup p99 ms", "API calls/pod"])
        for p in phases {
            table.add([p.name, String(p.pods), String(p.done), format(p.seconds, decimals: 1),
                       p.latency.map { format($0.p50.milliseconds, decimals: 0) } ?? "",
                       p.latency.map { format($0.p99.milliseconds, decimals: 0) } ?? "",
                       format(Double(p.calls) / Double(max(p.pods, 1)), decimals: 1)])
        }
        table.add(["SLO: pod startup p99 (Kubernetes 5 s; target here 1 s)", "", "", "", "", "5000", ""])
        var text = table.render() + "\n"
        text += "process RSS: \(format(rss.0, decimals: 0)) MB empty, \(format(rss.1, decimals: 0)) MB with \(options.nodes) hollow nodes, "
        text += "\(format(rss.2, decimals: 0)) MB with \(options.pods) pods Running, \(format(rss.3, decimals: 0)) MB at the end "
        text += "(API server + store + scheduler + controller manager + hollow nodes + bench watch, one process)\n"
        text += "process CPU: \(format(cpu.0, decimals: 0)) s over \(format(cpu.1, decimals: 0)) s wall "
        text += "(\(format(cpu.1 > 0 ? 100 * cpu.0 / cpu.1 : 0, decimals: 0)) % of one core)\n"
        return text
    }
}

/// What the pod watch has seen: when each pod first appeared and first showed Running.
final class PodTracker: Sendable {
    struct State {
        var firstSeen: [String: ContinuousClock.Instant] = [:]
        var running: [String: ContinuousClock.Instant] = [:]
        var live: Set<String> = []
    }

    let state = Mutex(State())

    func observe(_ event: SkiffClient.WatchEvent<CoreV1.Pod>) {
        let now = ContinuousClock.now
        state.withLock { s in
            switch event {
            case .added(let p), .modified(let p):
                guard let name = p.metadata?.name else { return }
                s.live.insert(name)
                if s.firstSeen[name] == nil { s.firstSeen[name] = now }
                if p.status?.phase == "Running", s.running[name] == nil { s.running[name] = now }
            case .deleted(let p):
                if let name = p.metadata?.name { s.live.remove(name) }
            default: break
            }
        }
    }


    var live: Int { state.withLock { $0.live.count } }

    /// Pods first seen at or after `start` that are Running.
    func running(since start: ContinuousClock.Instant) -> Int {
        state.withLock { s in s.running.keys.filter { (s.firstSeen[$0] ?? start) >= start }.count }
    }

    func phase(_ name: String, pods: Int, since start: ContinuousClock.Instant, calls: Int) -> DensityBenchmark.Phase {
        state.withLock { s in
            var samples: [Duration] = []
            var last = start
            for (pod, first) in s.firstSeen where first >= start {
                guard let running = s.running[pod] else { continue }
                samples.append(first.duration(to: running))
                last = max(last, running)
            }
            let seconds = start.duration(to: last).seconds
            return DensityBenchmark.Phase(name: name, pods: pods, done: samples.count, seconds: seconds,
                                          latency: LatencySummary(samples: samples, seconds: seconds), calls: calls)
        }
    }
}

extension InProcessTransport {
    /// One request to `server`, as `skiff server` wires its in-process clients.
    static func serve(_ server: APIServer, _ request: ClientRequest) async -> ClientResponse {
        let api = APIRequest(method: request.method, uri: request.uri, headers: request.headers, body: request.body, user: nil)
        switch await server.handle(api) {
        case .full(let status, let headers, let body): return ClientResponse(status: status, headers: headers, body: .bytes(body))
        case .stream(let status, let headers, let chunks): return ClientResponse(status: status, headers: headers, body: .streaming(chunks))
        }
    }
}
