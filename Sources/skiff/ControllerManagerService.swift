import Foundation
import Logging
import ServiceLifecycle
import SkiffAPIServer
import SkiffClient
import SkiffControllers

// Owned by the controller manager work (issue 9).
/// The controller manager inside `skiff server`: in-process client, leader-elected on the
/// Lease kube-system/kube-controller-manager as upstream, so several servers on one store
/// run one set of controllers.
struct ControllerManagerService: Service {
    let server: APIServer
    let controllers: [String]
    var options = ControllerOptions()
    let logger: Logger

    /// Controller options from the server's PKI and flags.
    static func options(pki: ClusterPKI?, clusterCIDR: String) -> ControllerOptions {
        var o = ControllerOptions()
        o.rootCA = pki?.caCertificatePEM
        o.clusterCIDR = clusterCIDR.isEmpty ? nil : clusterCIDR
        return o
    }

    /// Whether `--controllers` (comma-separated, upstream syntax) enables `name`.
    static func runs(_ name: String, _ flag: String) -> Bool {
        ControllerManager.select(flag.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }).contains(name)
    }

    func run() async throws {
        _ = try await server.port()
        let user = UserInfo(username: "system:kube-controller-manager", groups: ["system:authenticated"])
        let client = Client(transport: InProcessTransport.serving(server, user: user), config: .inProcess)
        let identity = "\(ProcessInfo.processInfo.hostName)_\(UUID().uuidString.lowercased())"
        let elector = LeaderElector(client: client, config: LeaderElectionConfig(
            leaseName: "kube-controller-manager", leaseNamespace: "kube-system", identity: identity))
        let controllers = self.controllers, logger = self.logger, options = self.options
        await cancelWhenGracefulShutdown {
            await elector.run {
                logger.info("controller manager leading as \(identity)")
                try await ControllerManager(client: client, controllers: controllers, options: options, logger: logger).run()
            }
        }
    }
}
