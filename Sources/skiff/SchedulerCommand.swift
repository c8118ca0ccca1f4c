import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SkiffAPIServer
import SkiffClient
import SkiffScheduler

/// `skiff scheduler --kubeconfig FILE [--config FILE]`: the scheduler alone against any API server.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scheduler", abstract: "Run the scheduler against an API server.")
    @Option(help: "Kubeconfig of the API server to schedule for.") var kubeconfig: String
    @Option(help: "A KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) YAML file.") var config: String?
    @Option(help: "host:port to serve /metrics and /healthz on over plain HTTP (empty: off).")
    var metricsBindAddress = "127.0.0.1:10259"

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "skiff.scheduler")
        logger.logLevel = .info
        var configuration = SchedulerConfiguration()
        if let config {
            let text = try String(contentsOfFile: config, encoding: .utf8)
            do {
                configuration = try SchedulerConfiguration.parse(yaml: text)
            } catch {
                throw ValidationError("invalid --config \(config): \(error)")
            }
        }
        let http = try HTTPTransport(config: try KubeConfig.load(path: kubeconfig))
        let metrics = SchedulerMetricsRegistry()
        let scheduler = SchedulerService(client: Client(transport: http), configuration: configuration, metrics: metrics, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: scheduler)]
        if !metricsBindAddress.isEmpty {
            guard let colon = metricsBindAddress.lastIndex(of: ":"), let port = Int(metricsBindAddress[metricsBindAddress.index(after: colon)...]),
                  (0 ... 65535).contains(port) else {
                throw ValidationError("--metrics-bind-address must be host:port, got \(metricsBindAddress)")
            }
            let host = String(metricsBindAddress[..<colon])
            let profile = configuration.profiles.first?.schedulerName ?? Profile.defaultSchedulerName
            services.append(.init(service: MetricsEndpoint(host: host.isEmpty ? "0.0.0.0" : host, port: port, logger: logger) {
                metrics.render(profile: profile)
            }))
        }
        let group = ServiceGroup(configuration: .init(services: services,
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }
}
