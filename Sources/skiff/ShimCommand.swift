import ArgumentParser
import SkiffRuntime

/// Internal processes the container runtime re-executes `skiff` as (like containerd-shim and pause).
struct ShimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shim", abstract: "Internal: container shim and pod pause process.", shouldDisplay: false,
        subcommands: [Run.self, Standby.self, Exec.self, Pause.self])

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Run one container under runc and record its exit.")
        @Option var id: String
        @Option var bundle: String
        @Option var directory: String
        @Option var runtime: String = "/usr/sbin/runc"
        @Option var runtimeRoot: String
        @Option var logPath: String = ""
        @Option var memoryCgroup: String = ""
        @Flag var stdin = false
        @Flag var tty = false

        func run() throws {
            let code = ContainerShim.run(.init(
                id: id, bundle: bundle, containerDirectory: directory, runtimeBinary: runtime, runtimeRoot: runtimeRoot,
                logPath: logPath, memoryCgroup: memoryCgroup, openStdin: stdin, tty: tty))
            throw ExitCode(code)
        }
    }

    struct Standby: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "standby", abstract: "Wait for an assignment on stdin, then run as that container's shim or that pod's pause process.")
        func run() throws {
            // The runtime closed its end without assigning anything: nothing to do.
            guard let assignment = ShimAssignment.receive() else { return }
            guard let role = assignment.arguments.first, ["run", "pause"].contains(role) else {
                throw ValidationError("a standby runs only as `run` or `pause`")
            }
            var command = try ShimCommand.parseAsRoot(assignment.arguments)
            try command.run()
        }
    }

    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "exec", abstract: "Run one streaming exec in a container and report its exit.")
        @Option var id: String
        @Option var directory: String
        @Option var runtime: String = "/usr/sbin/runc"
        @Option var runtimeRoot: String
        @Flag var tty = false
        @Argument(parsing: .postTerminator) var command: [String] = []

        func run() throws {
            throw ExitCode(ExecShim.run(.init(
                containerID: id, containerDirectory: directory, runtimeBinary: runtime, runtimeRoot: runtimeRoot,
                tty: tty, command: command)))
        }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pause", abstract: "Hold a pod's namespaces and reap zombies.")
        @Option var hostname: String?
        func run() throws { throw ExitCode(PauseProcess.run(hostname: hostname)) }
    }
}
