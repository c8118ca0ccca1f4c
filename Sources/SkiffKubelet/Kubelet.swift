import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import SkiffAPI
import SkiffClient
import SkiffRuntime
import Synchronization

/// The node agent: registers its Node, renews its Lease, and runs the pods bound to it on a
/// `ContainerRuntime`. A `Service`: `run()` registers (retrying while the API server is
/// unreachable), then serves until cancelled. Pods keep running when the kubelet stops; a new
/// kubelet over the same runtime adopts them.
///
/// Pods are level-triggered: a work queue of pod keys (one worker per key at a time, so one
/// "pod worker" per pod) is fed by the pod informer (`spec.nodeName=<me>`), by the relist loop
/// that notices container exits (the generic PLEG), by probe results and by back-off timers.
/// Each sync compares the pod with what the runtime runs and does the next steps
/// (`PodSyncPlan`), then writes the status (`PodStatusGenerator`).
public final class Kubelet: Service, Sendable {
    public let config: KubeletConfig
    let client: Client
    let runtime: any ContainerRuntime
    let machine: MachineInfo
    let nodeIP: String
    let logger: Logger
    let now: @Sendable () -> Date
    let pods: Informer<CoreV1.Pod>
    let queue = WorkQueue<ObjectKey>()
    let events: EventRecorder
    let state = Mutex(KubeletState())
    let registered = Flag()
    let probes: ProbeManager

    public init(config: KubeletConfig, client: Client, runtime: any ContainerRuntime, machine: MachineInfo? = nil,
                now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "skiff.kubelet")) {
        self.config = config
        self.client = client
        self.runtime = runtime
        self.machine = machine ?? MachineInfo.current(rootDirectory: config.rootDirectory)
        self.nodeIP = config.nodeIP.isEmpty ? MachineInfo.primaryIPv4() : config.nodeIP
        self.logger = logger
        self.now = now
        pods = Informer(client: client, options: InformerOptions(fieldSelector: "spec.nodeName=\(config.nodeName)"),
                        indexers: [.namespace], logger: logger)
        events = EventRecorder(client: client, component: "kubelet", host: config.nodeName, logger: logger)
        probes = ProbeManager(runtime: runtime)
    }

    /// True once the Node and its Lease exist.
    public var isRegistered: Bool { registered.isSet }

    var statusBuilder: NodeStatusBuilder {
        var effective = config
        if let port = state.withLock({ $0.servingPort }) { effective.kubeletPort = port }
        return NodeStatusBuilder(config: effective, machine: machine, nodeIP: nodeIP)
    }

    /// The port the kubelet API listens on (nil before it is bound or without TLS).
    public var servingPort: Int32? { state.withLock { $0.servingPort } }

    public func run() async throws {
        var channel: (any Channel)?
        if let tls = config.tls {
            let bound = try await KubeletServer(kubelet: self, tls: tls).bind(host: config.kubeletBindAddress, port: Int(config.kubeletPort))
            channel = bound
            let port = Int32(bound.localAddress?.port ?? Int(config.kubeletPort))
            state.withLock { $0.servingPort = port }
        }
        defer { channel?.close(promise: nil) }
        var backoff = Duration.milliseconds(500)
        while true {
            do {
                try await registerNode()
                break
            } catch is CancellationError {
                return
            } catch {
                logger.warning("registering node failed; retrying", metadata: ["node": "\(config.nodeName)", "error": "\(error)"])
                do { try await Task.sleep(for: backoff) } catch { return }
                backoff = min(backoff * 2, .seconds(10))
            }
        }
        registered.set()
        logger.info("node registered", metadata: ["node": "\(config.nodeName)", "ip": "\(nodeIP)"])
        pods.addEventHandler { [queue] event in queue.add(ObjectKey.of(event.object)) }
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.pods.run() }
                    group.addTask { try await self.events.run() }
                    for _ in 0 ..< max(self.config.podWorkers, 1) {
                        group.addTask { await self.servePods() }
                    }
                    group.addTask { try await self.renewLeaseLoop() }
                    group.addTask { try await self.nodeStatusLoop() }
                    group.addTask {
                        try await self.pods.waitForSync()
                        try await self.relistLoop()
                    }
                    group.addTask { try await self.probes.run { [queue = self.queue] key in queue.add(key) } }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {}
        queue.shutDown()
    }

    func servePods() async {
        while let key = await queue.get() {
            await syncPod(key)
            queue.done(key)
        }
    }
}

/// Everything the kubelet mutates, under one lock (never held across an await).
struct KubeletState {
    var servingPort: Int32?
    var nodeUID: String?
    var lastNodeStatus: CoreV1.NodeStatus?
    var lastNodeStatusWrite: ContinuousClock.Instant?
    /// Per pod (by key): what the workers remember between syncs.
    var pods: [ObjectKey: PodRecord] = [:]
    /// Container states seen by the last relist, to notice changes.
    var relisted: [String: ContainerState] = [:]
}

/// A one-way flag readable from any task.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
