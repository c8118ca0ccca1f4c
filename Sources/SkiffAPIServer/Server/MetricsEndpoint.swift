import Logging
import NIOPosix
import ServiceLifecycle

/// A plain-HTTP `/metrics` (and `/healthz`) listener for a component that runs without the API
/// server in its process (`skiff scheduler --metrics-bind-address`), as kube-scheduler serves its
/// own `/metrics`. `render` returns the Prometheus text exposition.
package struct MetricsEndpoint: Service {
    let host: String
    let port: Int
    let render: @Sendable () -> String
    let logger: Logger

    package init(host: String, port: Int, logger: Logger, render: @escaping @Sendable () -> String) {
        self.host = host
        self.port = port
        self.logger = logger
        self.render = render
    }

    package func run() async throws {
        let render = self.render
        let http = HTTPServer(maxBodyBytes: 1 << 16, logger: logger) { request, _ in
            switch request.path {
            case "/metrics": .text(render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
            case "/healthz", "/livez", "/readyz": .text("ok")
            default: .error(.pathNotFound())
            }
        }
        let channel = try await http.bind(host: host, port: port, tls: nil, group: MultiThreadedEventLoopGroup.singleton)
        logger.info("serving /metrics on \(host):\(channel.localAddress?.port ?? port)")
        try? await gracefulShutdown()
        try? await channel.close()
    }
}

extension APIServer {
    /// Adds a component's metrics (Prometheus text) to this server's `/metrics`, for components
    /// that run inside `skiff server` (the scheduler, the controller manager).
    package func addMetricsSource(_ render: @escaping @Sendable () -> String) {
        handler.metrics.addSource(render)
    }
}
