import ArgumentParser

// Owned by the container runtime work (issue 4).
struct BenchRuntimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runtime", abstract: "Container runtime benchmark.")
    func run() async throws { throw ValidationError("skiff bench runtime is not built yet") }
}
