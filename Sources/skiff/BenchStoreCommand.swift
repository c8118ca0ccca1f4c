import ArgumentParser

struct BenchStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "Store benchmark: SQLite vs etcd.")
    @Flag var quick = false
    func run() async throws { throw ValidationError("not built yet") }
}
