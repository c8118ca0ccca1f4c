import ArgumentParser
import Foundation
import SkiffBench
import SkiffRuntime

/// `skiff bench runtime`: pods through Skiff's runtime next to raw runc, p50/p99 and ratios.
struct BenchRuntimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime", abstract: "Container runtime benchmark: full pods vs raw `runc run -d` of the same bundle.")

    @Option(help: "Number of pods (and raw runc containers); default 100, or 20 with --quick.") var count: Int?
    @Flag(help: "A shorter run: 20 pods unless --count says otherwise.") var quick = false
    @Option(help: "OCI runtime binary (runc or crun).") var runtime = "/usr/sbin/runc"
    @Option(help: "Scratch directory (removed afterwards); default a fresh one under /tmp.") var workDirectory: String?

    func run() async throws {
        let count = self.count ?? (quick ? 20 : 100)
        guard count > 0 else { throw ValidationError("--count must be positive") }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let benchmark = RuntimeBenchmark(options: .init(
            count: count, runtimeBinary: runtime, shimExecutable: executable,
            workDirectory: workDirectory ?? "/tmp/skiff-bench-\(UInt32.random(in: 0...UInt32.max))"))
        let results = try await benchmark.run { print($0) }
        print(RuntimeBenchmark.table(results, runtimeName: (runtime as NSString).lastPathComponent))
    }
}
