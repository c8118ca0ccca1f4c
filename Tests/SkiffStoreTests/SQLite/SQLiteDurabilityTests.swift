import Foundation
import SkiffStore
import Testing

@Suite("SQLite store: durability", .timeLimit(.minutes(5)))
struct SQLiteDurabilityTests {
    @Test("data, revision and compaction survive a restart")
    func restartKeepsData() async throws {
        let directory = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/state.db"
        var store = try await SQLiteStore.open(path: path)
        let r1 = try await store.create("/a", value: bytes("1"))
        let r2 = try await store.update("/a", value: bytes("2"), expectedModRevision: r1)
        _ = try await store.create("/b", value: bytes("1"))
        let r4 = try await store.delete("/b", expectedModRevision: nil).revision
        try await store.compact(r2)
        await store.close()

        store = try await SQLiteStore.open(path: path)
        #expect(try await store.currentRevision() == r4)
        #expect(try await store.compactedRevision() == r2)
        #expect(try await store.get("/a", atRevision: nil)?.value == bytes("2"))
        #expect(try await store.get("/b", atRevision: nil) == nil)
        let r5 = try await store.create("/c", value: bytes("1"))
        #expect(r5 == r4 + 1)
        let events = try await collect(2, from: try await store.watch(prefix: "/", startRevision: r2 + 1))
        #expect(events.map(\.revision) == [r2 + 1, r4])
        await store.close()
    }

    @Test("a file that is not a database is refused with unavailable, not a crash")
    func garbageFile() async throws {
        let directory = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/state.db"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        await expectStoreError({ if case .unavailable = $0 { true } else { false } }) {
            _ = try await SQLiteStore.open(path: path)
        }
    }

    @Test("every write acknowledged before SIGKILL is present after reopening")
    func crashKeepsAcknowledgedWrites() async throws {
        let directory = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/state.db"
        let process = Process()
        process.executableURL = try skiffBinary()
        process.arguments = ["debug", "store-writer", "--path", path, "--writers", "8"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()

        // Read acknowledgements until enough have arrived, then kill without warning.
        var acknowledged: [(key: String, revision: Int64)] = []
        var buffer = Data()
        let handle = output.fileHandleForReading
        while acknowledged.count < 400 {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                let parts = line.split(separator: " ")
                if parts.count == 3, parts[0] == "ack", let revision = Int64(parts[2]) {
                    acknowledged.append((String(parts[1]), revision))
                }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        try #require(acknowledged.count >= 400, "the writer stopped early")

        let store = try await SQLiteStore.open(path: path)
        for (key, revision) in acknowledged {
            let parts = key.split(separator: "/")
            let value = try await store.get(key, atRevision: nil)
            #expect(value?.modRevision == revision, "lost \(key)")
            #expect(value?.value == bytes("value-\(parts[1].dropFirst())-\(parts[2])"))
        }
        #expect(try await store.currentRevision() >= acknowledged.map(\.revision).max()!)
        // The store keeps working after the crash.
        _ = try await store.create("/after-crash", value: bytes("ok"))
        await store.close()
    }
}

/// The `skiff` binary built beside the test bundle (`swift build` builds both), or $SKIFF_BIN.
func skiffBinary() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["SKIFF_BIN"], FileManager.default.isExecutableFile(atPath: path) {
        return URL(fileURLWithPath: path)
    }
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = executable.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("skiff")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    throw SkiffBinaryMissing(searchedFrom: executable.path)
}

struct SkiffBinaryMissing: Error, CustomStringConvertible {
    var searchedFrom: String
    var description: String { "the skiff binary was not found next to \(searchedFrom); run `swift build` first or set SKIFF_BIN" }
}
