import ArgumentParser
import Foundation
import SkiffAPIServer
import SkiffClient
import SkiffStore

// Owned by the client library work (issue 8 §1).
struct BenchClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "client", abstract: "Client library (informer) benchmark, in process.")
    @Flag(help: "A shorter run (2,000 pods instead of 10,000).") var quick = false
    @Option(help: "Pods to create and watch.") var pods: Int?

    func run() async throws {
        let store = MemoryStore()
        let admin = UserInfo(username: "bench", groups: ["system:masters", "system:authenticated"])
        let server = APIServer(config: APIServerConfig(store: store, port: 0, insecureUser: admin))
        let count = pods ?? (quick ? 2_000 : 10_000)
        let report = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            _ = try await server.port()
            let client = Client(transport: InProcessTransport.serving(server, user: admin), config: .inProcess)
            let report = try await ClientBenchmark.run(client: client, options: .init(pods: count)) { line in
                FileHandle.standardError.write(Data("… \(line)\n".utf8))
            }
            group.cancelAll()
            return report
        }
        await store.close()
        print("skiff bench client (\(count) pods, memory store, in-process transport)")
        print(report, terminator: "")
    }
}
