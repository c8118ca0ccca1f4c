import ArgumentParser

/// The one Skiff binary. Each subcommand only parses flags and wires library components.
@main
struct Skiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skiff",
        abstract: "A Kubernetes-compatible container orchestrator in one binary.",
        subcommands: [
            ServerCommand.self,
            KubeconfigCommand.self,
            ImageCommand.self,
            BenchCommand.self,
            ShimCommand.self,
            DebugCommand.self,
        ]
    )
}
