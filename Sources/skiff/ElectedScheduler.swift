import Foundation
import Logging
import ServiceLifecycle
import SkiffAPIServer
import SkiffClient
import SkiffScheduler

// Owned by the hollow-node/wiring work (issue 8 §4).
/// The scheduler inside `skiff server`: on the in-process transport, and only while this server
/// holds the `kube-system/kube-scheduler` Lease, so several servers on one etcd schedule once. A
/// fresh `SchedulerService` (fresh cache and queue) starts with every term of leadership; when
/// the Lease is lost the scheduler's loops are cancelled.
struct ElectedScheduler: Service {
    let server: APIServer
    let configuration: SchedulerConfiguration
    let logger: Logger

    /// Who the scheduler acts as (the in-process transport skips authentication).
    static let user = UserInfo(username: "system:kube-scheduler", groups: ["system:masters", "system:authenticated"])

    func run() async throws {
        _ = try await server.port()
        let client = Client(transport: InProcessTransport.serving(server, user: Self.user), config: .inProcess)
        let host = ProcessInfo.processInfo.hostName
        let identity = "\(host)_\(UUID().uuidString.lowercased())"
        let elector = LeaderElector(client: client, config: LeaderElectionConfig(
            leaseName: "kube-scheduler", leaseNamespace: "kube-system", identity: identity))
        let configuration = configuration
        let logger = logger
        // One registry for every term, served on the API server's /metrics (kube-scheduler's own
        // /metrics is on its port 10259; here the scheduler shares the server's process and port).
        let metrics = SchedulerMetricsRegistry()
        let profile = configuration.profiles.first?.schedulerName ?? Profile.defaultSchedulerName
        server.addMetricsSource { metrics.render(profile: profile) }
        await cancelWhenGracefulShutdown {
            await elector.run {
                try await SchedulerService(client: client, configuration: configuration, metrics: metrics, logger: logger).run()
            }
        }
    }
}
