import Foundation
import Testing
@testable import SkiffScheduler

@Suite("Core benchmark", .timeLimit(.minutes(5)))
struct CoreBenchmarkTests {
    @Test("the benchmark places every pod of each workload on a small cluster")
    func smallRun() async {
        for w in CoreBenchmark.Workload.allCases {
            let r = await CoreBenchmark.run(workload: w, nodes: 30, pods: 30, parallelism: 2)
            #expect(r.scheduled == 30, "\(w)")
        }
    }

    /// Ad-hoc figure: `SKIFF_SCHED_BENCH=1 swift test --filter CoreBenchmarkTests` prints cycles/s at 5,000 nodes.
    @Test("prints scheduling cycles per second at 5,000 nodes when asked", .enabled(if: ProcessInfo.processInfo.environment["SKIFF_SCHED_BENCH"] != nil))
    func figures() async {
        for w in CoreBenchmark.Workload.allCases {
            let r = await CoreBenchmark.run(workload: w, nodes: 5000, pods: 2000)
            print("core bench \(w.rawValue): \(r.nodes) nodes, \(r.scheduled)/\(r.pods) pods in \(String(format: "%.2f", r.seconds)) s = \(Int(r.cyclesPerSecond)) cycles/s")
        }
    }
}
