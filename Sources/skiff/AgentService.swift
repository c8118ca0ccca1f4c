import Foundation
import Logging
import ServiceLifecycle
import SkiffAPIServer
import SkiffClient
import SkiffKubelet
import SkiffRuntime

// Owned by the kubelet work (issue 10 §5).
/// The node agent inside `skiff server`: a kubelet for this host on the real runtime (runc,
/// overlayfs, CNI bridge), talking to the API server in process as `system:node:<name>`.
/// When the host cannot run containers (no runc, not root) it logs why and stays idle, so the
/// control plane still runs.
struct AgentService: Service {
    struct Options: Sendable {
        var nodeName: String
        var dataDirectory: String
        var podCIDR: String
        var bridgeName: String
        var nodeIP: String
        var runtimeBinary: String
        var clusterDNS: [String]
        var kubeletPort: Int32
        /// The kubelet API's TLS: here the API server's serving certificate (signed by the cluster CA,
        /// naming this host's addresses) and the cluster CA for client certificates.
        var tls: KubeletTLS?
    }

    let server: APIServer
    let options: Options
    let logger: Logger

    /// Where the server's agent keeps images: `skiff image import --root` this directory.
    static func imageRoot(dataDirectory: String) -> String { dataDirectory + "/images" }

    func run() async throws {
        _ = try await server.port()
        let kubelet: Kubelet
        do {
            kubelet = try makeKubelet()
        } catch {
            logger.warning("the node agent cannot start on this host; pods will stay Pending (use --disable-agent to silence this)",
                           metadata: ["error": "\(error)"])
            try? await gracefulShutdown()
            return
        }
        try await kubelet.run()
    }

    func makeKubelet() throws -> Kubelet {
        let name = options.nodeName
        let user = UserInfo(username: "system:node:\(name)", groups: ["system:nodes", "system:authenticated"])
        let client = Client(transport: InProcessTransport.serving(server, user: user), config: .inProcess)
        let agentDirectory = options.dataDirectory + "/agent"
        let images = try OCIImageStore(root: Self.imageRoot(dataDirectory: options.dataDirectory))
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        guard FileManager.default.isExecutableFile(atPath: options.runtimeBinary) else {
            throw RuntimeError.notFound(kind: "OCI runtime", id: options.runtimeBinary)
        }
        guard getuid() == 0 else { throw RuntimeError.failedPrecondition("running containers needs root") }
        let network = CNIConfiguration(bridgeName: options.bridgeName, subnet: options.podCIDR,
                                       ipamDataDirectory: agentDirectory + "/cni")
        let runtime = try RuncRuntime(
            configuration: RuncRuntimeConfiguration(
                stateDirectory: agentDirectory + "/runtime", runtimeBinary: options.runtimeBinary, shimExecutable: executable,
                network: network, defaultDNS: DNSConfig(servers: options.clusterDNS.isEmpty ? ["8.8.8.8"] : options.clusterDNS)),
            images: images)
        let config = KubeletConfig(nodeName: name, nodeIP: options.nodeIP, podCIDR: options.podCIDR,
                                   rootDirectory: agentDirectory + "/kubelet", clusterDNS: [], kubeletPort: options.kubeletPort,
                                   tls: options.tls)
        return Kubelet(config: config, client: client, runtime: runtime, logger: logger)
    }
}
