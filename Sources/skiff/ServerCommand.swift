import ArgumentParser

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "server", abstract: "Run the control plane.")
    @Option var dataDir: String = "/var/lib/skiff"
    func run() async throws { throw ValidationError("not built yet") }
}
