import ArgumentParser
import Foundation
import SkiffBench
import SkiffClient
import SkiffControllers
import SkiffScheduler
import SkiffStore

// Owned by the controller manager work (issue 9).
/// `skiff bench density`: Deployments → ReplicaSets → pods → Running on hollow nodes, through
/// the whole in-process control plane (clusterloader2's density shape).
struct BenchDensityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "density",
        abstract: "Pod startup through API server, controller manager, scheduler and hollow nodes, all in process.")
    @Flag(help: "A shorter run (20 hollow nodes instead of 100; 30 pods per node either way).") var quick = false
    @Option(help: "Hollow nodes.") var nodes: Int?
    @Option(help: "sqlite (the embedded store, in a temporary directory; default) or memory.") var datastore = "sqlite"

    func run() async throws {
        guard datastore == "memory" || datastore == "sqlite" else { throw ValidationError("--datastore must be memory or sqlite") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-bench-density-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store: any Store = datastore == "memory" ? MemoryStore() : try await SQLiteStore.open(path: "\(dir)/state.db")
        let options = DensityBenchmark.Options(quick: quick, nodes: nodes)
        let report = try await DensityBenchmark.run(store: store, options: options, runControlPlane: { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await SchedulerService(client: client).run() }
                group.addTask { try await ControllerManager(client: client).run() }
                try await group.waitForAll()
            }
        }, progress: { line in
            FileHandle.standardError.write(Data("… \(line)\n".utf8))
        })
        await store.close()
        print("skiff bench density (\(options.nodes) hollow nodes, \(options.nodes * options.podsPerNode) pods, \(datastore) store, in-process\(quick ? ", quick" : ""))")
        print(report, terminator: "")
    }
}
