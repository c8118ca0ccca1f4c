import ArgumentParser

// Owned by the API server work (issue 3).
struct BenchAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api", abstract: "API server benchmark.")
    @Flag var quick = false
    func run() async throws { throw ValidationError("skiff bench api is not built yet") }
}
