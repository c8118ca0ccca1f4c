import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient
import SkiffHollow

// Owned by the hollow-node work (issue 8 §3).
struct HollowNodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hollow-nodes",
        abstract: "Run N simulated nodes (no containers) against an API server, for scale tests.",
        discussion: """
        Registers the Nodes and their Leases, renews the Leases every 10 s, and plays the kubelet
        for pods bound to them (Running/Ready status, pod IPs from each node's podCIDR, graceful
        deletion). Pod annotations hollow.skiff.dev/exit-after, /exit-code and /never-ready make
        containers exit or stay unready. Node subnets are allocated by this process from
        --pod-cidr (there is no node-IPAM controller yet). See docs/hollow-nodes.md.
        """)

    @Option(help: "Kubeconfig of the API server.") var kubeconfig: String
    @Option(help: "Number of nodes.") var count: Int
    @Option(help: "Node names are PREFIX0 … PREFIX(N-1).") var namePrefix: String = "hollow-"
    @Option(help: "CPU capacity per node.") var cpu: String = "32"
    @Option(help: "Memory capacity per node.") var memory: String = "256Gi"
    @Option(help: "Pod capacity per node.") var pods: Int = 110
    @Option(help: "Extra node labels, k=v,k2=v2.") var labels: String = ""
    @Option(help: "Node taints, k=v:Effect,k:Effect.") var taints: String = ""
    @Option(help: "Spread nodes over this many zones (topology.kubernetes.io/zone=zone-0 …).") var zones: Int = 1
    @Option(help: "Cluster pod network; each node gets a /24 of it (longer when more nodes than /24s).") var podCIDR: String = "10.42.0.0/16"
    @Option(help: "Concurrent pod status writes.") var podWorkers: Int = 16
    @Option(help: "Client-side request limit (requests per second; 0 = none).") var qps: Double = 0

    func validate() throws {
        guard count > 0, count <= 100_000 else { throw ValidationError("--count must be between 1 and 100000") }
        guard zones > 0 else { throw ValidationError("--zones must be positive") }
        guard pods > 0 else { throw ValidationError("--pods must be positive") }
        guard podWorkers > 0 else { throw ValidationError("--pod-workers must be positive") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "skiff.hollow")
        logger.logLevel = .info
        let config = try makeConfig()
        let rest = try KubeConfig.load(path: kubeconfig)
        let http = try HTTPTransport(config: rest)
        let client = Client(transport: http, config: ClientConfig(qps: qps > 0 ? qps : nil, burst: qps > 0 ? Int(qps * 2) : 0))
        let runner = HollowNodeRunner(client: client, config: config,
                                      options: HollowRunnerOptions(podWorkers: podWorkers), logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: runner)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    while !runner.isRegistered { try await Task.sleep(for: .milliseconds(50)) }
                    FileHandle.standardOutput.write(Data("skiff hollow-nodes ready: \(count) nodes (\(namePrefix)0 … \(namePrefix)\(count - 1))\n".utf8))
                }
                try await tasks.waitForAll()
            }
        } catch {
            try? await http.shutdown()
            throw error
        }
        try? await http.shutdown()
    }

    func makeConfig() throws -> HollowNodeConfig {
        guard let cidr = IPv4CIDR(podCIDR) else { throw ValidationError("--pod-cidr \(podCIDR): want a.b.c.d/n") }
        let cpuQuantity: Quantity, memoryQuantity: Quantity
        do {
            cpuQuantity = try Quantity(parsing: cpu)
            memoryQuantity = try Quantity(parsing: memory)
        } catch {
            throw ValidationError("--cpu/--memory: \(error)")
        }
        do {
            return HollowNodeConfig(
                count: count, namePrefix: namePrefix, cpu: cpuQuantity, memory: memoryQuantity, pods: pods,
                labels: try HollowNodeConfig.parseLabels(labels), taints: try HollowNodeConfig.parseTaints(taints),
                zones: zones, podCIDR: cidr)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
