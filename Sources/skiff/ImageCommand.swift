import ArgumentParser

// Owned by the container runtime work (issue 4).
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "image", abstract: "Manage images in the node's image store.")
    func run() async throws { throw ValidationError("skiff image is not built yet") }
}
