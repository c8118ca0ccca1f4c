import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SkiffClient
import SkiffScheduler

/// `skiff scheduler --kubeconfig FILE [--config FILE]`: the scheduler alone against any API server.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scheduler", abstract: "Run the scheduler against an API server.")
    @Option(help: "Kubeconfig of the API server to schedule for.") var kubeconfig: String
    @Option(help: "A KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) YAML file.") var config: String?

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
        let scheduler = SchedulerService(client: Client(transport: http), configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: scheduler)],
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
