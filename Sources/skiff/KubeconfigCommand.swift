import ArgumentParser

// Owned by the API server work (issue 3).
struct KubeconfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kubeconfig", abstract: "Print an admin kubeconfig.")
    @Option var dataDir: String = "/var/lib/skiff"
    func run() async throws { throw ValidationError("skiff kubeconfig is not built yet") }
}
