import ArgumentParser
import Foundation
import SkiffAPIServer

/// `skiff kubeconfig`: prints an admin kubeconfig from the credentials `skiff server` wrote to its data directory.
struct KubeconfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kubeconfig", abstract: "Print an admin kubeconfig.")
    @Option(help: "The server's data directory.") var dataDir: String = "/var/lib/skiff"
    @Option(help: "Server URL (default: the one the server wrote to DATA-DIR/server-url).") var server: String?

    func run() async throws {
        // Only reads: the server alone creates the PKI (a second creator would hand out a token
        // the running server does not know).
        let pki: ClusterPKI
        do { pki = try ClusterPKI.load(directory: "\(dataDir)/pki") } catch let error as ClusterPKI.NotInitialized {
            throw ValidationError("\(error)")
        }
        let url = server ?? (try? String(contentsOfFile: "\(dataDir)/server-url", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "https://127.0.0.1:6443"
        print(pki.kubeconfig(server: url), terminator: "")
    }
}
