import ArgumentParser
import Foundation
import SkiffAPIServer

/// `skiff kubeconfig`: prints an admin kubeconfig from the credentials `skiff server` wrote to its data directory.
struct KubeconfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kubeconfig", abstract: "Print an admin kubeconfig.")
    @Option(help: "The server's data directory.") var dataDir: String = "/var/lib/skiff"
    @Option(help: "Server URL (default: the one the server wrote to DATA-DIR/server-url).") var server: String?

    func run() async throws {
        guard FileManager.default.fileExists(atPath: "\(dataDir)/pki/ca.crt") else {
            throw ValidationError("no cluster credentials in \(dataDir)/pki: start `skiff server --data-dir \(dataDir)` first")
        }
        let pki = try ClusterPKI.loadOrCreate(directory: "\(dataDir)/pki")
        let url = server ?? (try? String(contentsOfFile: "\(dataDir)/server-url", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "https://127.0.0.1:6443"
        print(pki.kubeconfig(server: url), terminator: "")
    }
}
