import Foundation
import Testing
@testable import SkiffRuntime

@Suite("CRI log format", .timeLimit(.minutes(5)))
struct CRILogTests {
    @Test("lines are written as full entries and a long line is split into partial entries")
    func writer() throws {
        let path = "/tmp/skiff-crilog-\(newIdentifier()).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let writer = CRILogWriter(path: path, maxLineBytes: 8)
            writer.write(.stdout, Array("one\ntw".utf8))
            writer.write(.stderr, Array("err\n".utf8))
            writer.write(.stdout, Array("o\n0123456789abc".utf8))
            writer.finish(.stdout)
        }
        let entries = CRILogEntry.parse(try String(contentsOfFile: path, encoding: .utf8))
        #expect(entries.map(\.content) == ["one", "err", "two", "01234567", "89abc"])
        #expect(entries.map(\.isFullLine) == [true, true, true, false, true])
        #expect(entries.map(\.stream) == [.stdout, .stderr, .stdout, .stdout, .stdout])
    }

    @Test("timestamps are RFC 3339 with nanoseconds in UTC")
    func timestamp() {
        #expect(CRILogWriter.rfc3339Nano(timespec(tv_sec: 1_475_713_029, tv_nsec: 669_794_202)) == "2016-10-06T00:17:09.669794202Z")
        #expect(CRILogWriter.rfc3339Nano(timespec(tv_sec: 0, tv_nsec: 5)) == "1970-01-01T00:00:00.000000005Z")
    }

    @Test("malformed lines are skipped by the parser")
    func parser() {
        #expect(CRILogEntry(line: "garbage") == nil)
        #expect(CRILogEntry(line: "t stdout X hi") == nil)
        #expect(CRILogEntry(line: "t stdout F ")?.content == "")
    }
}
