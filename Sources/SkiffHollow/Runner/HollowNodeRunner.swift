import Foundation
import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient
import Synchronization

/// How a hollow-node process talks to the API server.
package struct HollowRunnerOptions: Sendable {
    /// Concurrent pod status writes and deletions (pod workers).
    package var podWorkers: Int
    /// Concurrent node and lease writes while registering and renewing.
    package var registrationConcurrency: Int
    /// Lease renewal period (the kubelet's 10 s, spread over all nodes).
    package var leaseRenewPeriod: TimeInterval
    /// How often each node's status (heartbeat) is written when nothing changed
    /// (the kubelet's nodeStatusReportFrequency, 5 min; also spread over all nodes).
    package var nodeStatusReportPeriod: TimeInterval

    package init(podWorkers: Int = 16, registrationConcurrency: Int = 16, leaseRenewPeriod: TimeInterval = 10,
                 nodeStatusReportPeriod: TimeInterval = 300) {
        self.podWorkers = podWorkers
        self.registrationConcurrency = registrationConcurrency
        self.leaseRenewPeriod = leaseRenewPeriod
        self.nodeStatusReportPeriod = nodeStatusReportPeriod
    }
}

/// Counters a benchmark or a log line reports.
package struct HollowRunnerStats: Sendable, Equatable {
    package var nodesRegistered = 0
    package var podsTracked = 0
    package var statusWrites = 0
    package var statusWriteErrors = 0
    package var podDeletes = 0
    package var leaseRenewals = 0
    package var leaseErrors = 0
}

/// One process playing the kubelet for `config.count` hollow nodes: registers the Nodes and their
/// Leases, renews the Leases (spread over the period), writes node heartbeats, and runs the pods
/// bound to its nodes through `HollowPod` — from ONE shared pod informer indexed by
/// `spec.nodeName` and a work queue served by a fixed number of workers, so status writes are
/// concurrency-limited however many pods arrive at once. A `Service`: `run()` registers, then
/// serves until cancelled. Nothing is deleted on exit; the Leases go stale, as for a dead kubelet.
package final class HollowNodeRunner: Service, Sendable {
    package let client: Client
    package let config: HollowNodeConfig
    package let options: HollowRunnerOptions
    let now: @Sendable () -> Date
    let logger: Logger
    let builder: HollowNodeBuilder
    let pods: Informer<CoreV1.Pod>
    let queue = WorkQueue<ObjectKey>()
    let state = Mutex(RunnerState())
    let registered = SyncFlag()

    /// Everything the runner mutates, under one lock (never held across an await).
    struct RunnerState {
        var nodes: [String: NodeRecord] = [:]
        var sims: [ObjectKey: HollowPod] = [:]
        var podNodes: [ObjectKey: String] = [:]
        var ipAllocators: [String: PodIPAllocator] = [:]
        var stats = HollowRunnerStats()
    }

    struct NodeRecord: Sendable {
        var index: Int
        var uid: String?
        var hostIP: String
        var subnetIndex: Int
        var podCIDR: IPv4CIDR?
        var registeredAt: Date
    }

    package init(client: Client, config: HollowNodeConfig, options: HollowRunnerOptions = HollowRunnerOptions(),
                 now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "skiff.hollow")) {
        self.client = client
        self.config = config
        self.options = options
        self.now = now
        self.logger = logger
        builder = HollowNodeBuilder(config: config)
        pods = Informer(client: client, options: InformerOptions(), indexers: [.namespace, .nodeName])
    }

    package var stats: HollowRunnerStats { state.withLock { $0.stats } }

    /// True once every node and lease is registered.
    package var isRegistered: Bool { registered.isSet }

    package var nodeNames: [String] { (0 ..< config.count).map(config.nodeName) }

    package func run() async throws {
        try await registerNodes()
        registered.set()
        logger.info("hollow nodes registered", metadata: ["count": "\(config.count)"])
        let ours = Set(nodeNames)
        pods.addEventHandler { [queue] event in
            let pod = event.object
            guard let node = pod.spec?.nodeName, ours.contains(node) else { return }
            queue.add(ObjectKey.of(pod))
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.pods.run() }
                for _ in 0 ..< max(options.podWorkers, 1) {
                    group.addTask { await self.servePods() }
                }
                group.addTask { try await self.renewLeases() }
                try await group.next()
                group.cancelAll()
            }
        } catch is CancellationError {}
        queue.shutDown()
    }
}

/// A one-way flag readable from any task.
final class SyncFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
