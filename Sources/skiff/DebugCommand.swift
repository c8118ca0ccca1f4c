import ArgumentParser
import Foundation
import SkiffStore
import SkiffSystem

/// Internal helpers that tests drive as child processes (they need a process to kill).
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Internal: helpers for tests.",
        shouldDisplay: false,
        subcommands: [StoreWriter.self, Spawn.self]
    )

    /// Writes keys to a SQLite store from several concurrent writers and prints `ack KEY REVISION`
    /// after each acknowledged write, until killed or `--count` writes are done.
    struct StoreWriter: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "store-writer")
        @Option var path: String
        @Option var writers = 8
        @Option var count = 100_000

        func run() async throws {
            let store = try await SQLiteStore.open(path: path)
            let perWriter = max(1, count / max(1, writers))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for i in 0..<perWriter {
                            let key = "/crash/w\(writer)/\(i)"
                            let revision = try await store.create(key, value: Array("value-\(writer)-\(i)".utf8))
                            // One write(2) per line: atomic on a pipe, unbuffered, so every line
                            // the parent reads was acknowledged before the kill.
                            FileHandle.standardOutput.write(Data("ack \(key) \(revision)\n".utf8))
                        }
                    }
                }
                try await group.waitForAll()
            }
            await store.close()
        }
    }

    /// Starts ARGV with `ChildProcess.spawn` from a task (a pool thread that may retire), prints
    /// `child PID`, and stays until killed: the test kills this process and expects the child gone.
    struct Spawn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "spawn")
        @Argument(parsing: .captureForPassthrough) var argv: [String]

        func run() async throws {
            let argv = argv.first == "--" ? Array(argv.dropFirst()) : argv
            let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
            let pid = try await Task.detached {
                try ChildProcess.spawn(argv, files: [(0, devNull), (1, devNull), (2, devNull)])
            }.value
            FileHandle.standardOutput.write(Data("child \(pid)\n".utf8))
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
