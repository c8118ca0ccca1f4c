import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that run both sides of a comparison in one run and print ratios.",
        subcommands: [BenchStoreCommand.self, BenchAPICommand.self, BenchRuntimeCommand.self, BenchClientCommand.self, BenchSchedulerCommand.self, BenchDensityCommand.self]
    )
}
