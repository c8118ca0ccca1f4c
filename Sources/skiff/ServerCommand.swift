import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SkiffAPIServer
import SkiffKubelet
import SkiffScheduler
import SkiffStore
import SkiffStoreEtcd

/// `skiff server`: opens the store (SQLite, or etcd with `--datastore`) and runs the API server on it.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "server", abstract: "Run the control plane.")

    @Option(help: "Directory for the store, certificates and credentials.") var dataDir: String = "/var/lib/skiff"
    @Option(help: "HTTPS port of the API server.") var port: Int = 6443
    @Option(help: "Address to listen on.") var bindAddress: String = "127.0.0.1"
    @Option(help: "Address other components use to reach this server (default: the bind address).") var advertiseAddress: String?
    @Option(help: "sqlite (default, DATA-DIR/state.db), memory, or etcd://HOST:PORT[,HOST:PORT…].") var datastore: String = "sqlite"
    @Option(help: "Service ClusterIP range.") var serviceCIDR: String = "10.43.0.0/16"
    @Option(name: .customLong("tls-san"), help: "Extra name or IP for the serving certificate (repeatable; applies when it is created).")
    var tlsSANs: [String] = []
    @Flag(help: "Do not run the scheduler in this server (run `skiff scheduler` elsewhere).") var disableScheduler = false
    @Option(help: "A KubeSchedulerConfiguration YAML file for the in-process scheduler.") var schedulerConfig: String?
    @Option(help: "Controllers to run, upstream syntax: '*' for all, 'name' to enable, '-name' to disable (comma-separated).")
    var controllers: String = "*"
    @Flag(help: "Run no controllers in this server.") var disableControllers = false
    @Flag(help: "Do not run a node agent (kubelet) on this host.") var disableAgent = false
    @Option(help: "Name of this host's Node (default: the hostname).") var nodeName: String?
    @Option(help: "Pod subnet of this host's Node.") var podCIDR: String = "10.42.0.0/24"
    @Option(help: "Name of the CNI bridge of this host's pods.") var cniBridge: String = "skiff0"
    @Option(help: "InternalIP of this host's Node (default: the first non-loopback IPv4 address).") var nodeIP: String = ""
    @Option(help: "The OCI runtime binary the agent runs containers with.") var containerRuntime: String = "/usr/sbin/runc"
    @Option(help: "HTTPS port of this host's kubelet API (0: any free port).") var kubeletPort: Int32 = 10250

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "skiff.server")
        logger.logLevel = .info
        // 0700: the directory holds keys, tokens and every Secret (state.db).
        if let warning = try PrivateFiles.prepareDirectory(dataDir) { logger.warning("\(warning)") }
        let store = try await Self.openStore(datastore, dataDir: dataDir)
        var addresses = ClusterPKI.hostAddresses()
        if bindAddress != "0.0.0.0" { addresses.insert(bindAddress, at: 0) }
        if let advertiseAddress { addresses.insert(advertiseAddress, at: 0) }
        addresses.insert(contentsOf: [APIServer.kubernetesServiceAddress(serviceCIDR: serviceCIDR)] + tlsSANs, at: 0)
        let pki = try ClusterPKI.loadOrCreate(directory: "\(dataDir)/pki", extraAddresses: addresses)
        let server = APIServer(config: APIServerConfig(
            store: store, bindAddress: bindAddress, port: port, pki: pki,
            advertiseAddress: advertiseAddress, serviceCIDR: serviceCIDR, logger: logger))
        let host = bindAddress == "0.0.0.0" ? "127.0.0.1" : bindAddress
        let url = "https://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        try url.write(toFile: "\(dataDir)/server-url", atomically: true, encoding: .utf8)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server), .init(service: CompactionService(compactor: PeriodicCompactor(store: store))),
        ]
        if !disableScheduler {
            // In process, leader-elected on kube-system/kube-scheduler (issue 8 §4).
            let configuration = try Self.schedulerConfiguration(schedulerConfig)
            services.append(.init(service: ElectedScheduler(server: server, configuration: configuration,
                                                            logger: Logger(label: "skiff.scheduler"))))
        }
        if !disableControllers {
            let names = controllers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            services.append(.init(service: ControllerManagerService(server: server, controllers: names,
                                                                     logger: Logger(label: "skiff.controller-manager"))))
        }
        if !disableAgent {
            let options = AgentService.Options(
                nodeName: (nodeName ?? ProcessInfo.processInfo.hostName).lowercased(), dataDirectory: dataDir,
                podCIDR: podCIDR, bridgeName: cniBridge, nodeIP: nodeIP, runtimeBinary: containerRuntime, clusterDNS: [],
                kubeletPort: kubeletPort,
                tls: KubeletTLS(certificatePEM: pki.servingCertificatePEM, keyPEM: pki.servingKeyPEM, clientCAPEM: pki.caCertificatePEM))
            services.append(.init(service: AgentService(server: server, options: options, logger: Logger(label: "skiff.kubelet"))))
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                _ = try await server.port()
                let line = "skiff server ready: \(url) (kubeconfig: skiff kubeconfig --data-dir \(dataDir))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
            try await tasks.waitForAll()
        }
        await store.close()
    }

    /// The scheduler configuration from `--scheduler-config`, or the default profile.
    static func schedulerConfiguration(_ path: String?) throws -> SchedulerConfiguration {
        guard let path else { return SchedulerConfiguration() }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        do {
            return try SchedulerConfiguration.parse(yaml: text)
        } catch {
            throw ValidationError("invalid --scheduler-config \(path): \(error)")
        }
    }

    /// The store behind `--datastore`.
    static func openStore(_ datastore: String, dataDir: String) async throws -> any Store {
        switch datastore {
        case "sqlite", "":
            // Created 0600 before SQLite opens it (its journal files take the same mode).
            try PrivateFiles.touch("\(dataDir)/state.db")
            return try await SQLiteStore.open(path: "\(dataDir)/state.db")
        case "memory":
            return MemoryStore()
        case let url where url.hasPrefix("etcd://"):
            let endpoints = url.dropFirst("etcd://".count).split(separator: ",").map(String.init)
            return try await openEtcd(endpoints: endpoints)
        default:
            throw ValidationError("unknown --datastore \(datastore): use sqlite, memory or etcd://HOST:PORT[,…]")
        }
    }

    /// The real etcd v3 API over gRPC.
    static func openEtcd(endpoints: [String]) async throws -> any Store {
        guard !endpoints.isEmpty else { throw ValidationError("--datastore etcd:// needs at least one HOST:PORT") }
        return try await EtcdStore.connect(endpoints: endpoints)
    }
}

/// Keeps the store's history bounded (the last 10,000 revisions, every five minutes), as
/// kube-apiserver does for etcd.
struct CompactionService: Service {
    let compactor: PeriodicCompactor

    func run() async throws {
        await cancelWhenGracefulShutdown { await compactor.run() }
    }
}
