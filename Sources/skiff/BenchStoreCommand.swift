import ArgumentParser
import Foundation
import SkiffBench
import SkiffStore

struct BenchStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Store benchmark: the embedded SQLite store against the real etcd, side by side."
    )

    @Flag(help: "Smaller workloads; finishes in under a minute.") var quick = false
    @Option(help: "Comma-separated backends to compare, first is the numerator of the ratio.")
    var backends = "sqlite,etcd"

    func run() async throws {
        let names = backends.split(separator: ",").map(String.init)
        var selected: [StoreBenchmark.Backend] = []
        for name in names {
            guard let backend = StoreBenchBackends.named(name) else {
                throw ValidationError("unknown backend \(name); known: \(StoreBenchBackends.known.joined(separator: ", "))")
            }
            selected.append(backend)
        }
        let benchmark = StoreBenchmark(sizes: quick ? .quick : .full, backends: selected)
        print("skiff bench store\(quick ? " --quick" : ""): \(names.joined(separator: " vs ")), both durable")
        let results = try await benchmark.run()
        print(StoreBenchmark.table(results, order: names))
    }
}
