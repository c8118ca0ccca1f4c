import ArgumentParser

/// The process entry. `skiff shim …` runs synchronously on the main thread: those processes change
/// per-thread kernel state (a standby joins the pod's namespaces with setns(2), the pause process
/// sets the hostname), and `/proc/PID/ns/*` and tools like `nsenter -t PID` see the main thread's.
/// Everything else runs through ArgumentParser's async entry.
@main
enum SkiffEntry {
    @MainActor static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == ShimCommand.configuration.commandName {
            do {
                var command = try Skiff.parseAsRoot(arguments)
                try command.run()
                Skiff.exit()
            } catch {
                Skiff.exit(withError: error)
            }
        }
        await Skiff.main()
    }
}

/// The one Skiff binary. Each subcommand only parses flags and wires library components.
struct Skiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skiff",
        abstract: "A Kubernetes-compatible container orchestrator in one binary.",
        subcommands: [
            ServerCommand.self,
            SchedulerCommand.self,
            KubeconfigCommand.self,
            ImageCommand.self,
            BenchCommand.self,
            ShimCommand.self,
            DebugCommand.self,
            HollowNodesCommand.self,
        ]
    )
}
