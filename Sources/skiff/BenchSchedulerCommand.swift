import ArgumentParser
import Foundation
import SkiffBench
import SkiffClient
import SkiffScheduler
import SkiffStore

// Owned by the hollow-node/wiring work (issue 8 §6).
struct BenchSchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Scheduler throughput and latency with hollow nodes, all in process.")
    @Flag(help: "A shorter run (500 nodes and 3,000 pods instead of 5,000 and 30,000).") var quick = false
    @Option(help: "Hollow nodes.") var nodes: Int?
    @Option(help: "Basic pods (the other workloads scale from it).") var pods: Int?
    @Option(help: "memory or sqlite (in a temporary directory); default memory with --quick, sqlite otherwise.") var datastore: String?

    func run() async throws {
        let kind = datastore ?? (quick ? "memory" : "sqlite")
        guard kind == "memory" || kind == "sqlite" else { throw ValidationError("--datastore must be memory or sqlite") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-bench-scheduler-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store: any Store = kind == "memory" ? MemoryStore() : try await SQLiteStore.open(path: "\(dir)/state.db")
        let options = SchedulerBenchmark.Options(quick: quick, nodes: nodes, pods: pods)
        let report = try await SchedulerBenchmark.run(store: store, options: options, runScheduler: { client in
            try await SchedulerService(client: client).run()
        }, progress: { line in
            FileHandle.standardError.write(Data("… \(line)\n".utf8))
        })
        await store.close()
        print("skiff bench scheduler (\(options.nodes) hollow nodes, \(options.pods) pods, \(kind) store, in-process transport\(quick ? ", quick" : ""))")
        print(report, terminator: "")
    }
}
