import ArgumentParser
import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffBench
import SkiffStore

/// `skiff bench api`: the API server benchmark on a fresh SQLite (or memory) store in a temporary directory.
struct BenchAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api", abstract: "API server benchmark.")
    @Flag(help: "A shorter run (fewer objects, no 50k-pod memory point).") var quick = false
    @Option(help: "sqlite (default, in a temporary directory) or memory.") var datastore: String = "sqlite"
    @Option(help: "Concurrent clients.") var clients: Int = 64
    @Flag(help: "Write objects as sorted maps instead of kube-apiserver's Go struct layout (measures what the layout costs).")
    var plainJSON = false

    func run() async throws {
        if plainJSON { GoLayout.enabled.store(false, ordering: .relaxed) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-bench-api-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store: any Store = datastore == "memory" ? MemoryStore() : try await SQLiteStore.open(path: "\(dir)/state.db")
        let report = try await APIBenchmark.run(store: store, options: .init(quick: quick, concurrency: clients)) { line in
            FileHandle.standardError.write(Data("… \(line)\n".utf8))
        }
        await store.close()
        print("skiff bench api (\(datastore)\(quick ? ", quick" : ""), \(clients) clients, in-process\(plainJSON ? ", plain JSON" : ""))")
        print(report, terminator: "")
    }
}
