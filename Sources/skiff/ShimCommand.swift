import ArgumentParser

// Owned by the container runtime work (issue 4): the per-container shim process.
struct ShimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shim", abstract: "Internal: container shim.", shouldDisplay: false)
    func run() async throws { throw ValidationError("skiff shim is not built yet") }
}
