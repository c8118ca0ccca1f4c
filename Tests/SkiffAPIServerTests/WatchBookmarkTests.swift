import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Watch bookmarks", .timeLimit(.minutes(3)))
struct WatchBookmarkTests {
    @Test("a bookmark never overtakes a pending event, so a reflector resuming from it misses nothing")
    func reflectorResumesFromBookmark() async throws {
        try await TestServer.with(configure: { $0.bookmarkInterval = .milliseconds(1) }) { s in
            let path = "/api/v1/namespaces/default/configmaps"
            let start = await s.call("GET", path).body.at("metadata", "resourceVersion")?.stringValue ?? "0"
            let total = 400
            let writers = 8
            async let written: Void = withTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask {
                        for i in 0..<(total / writers) { _ = await s.call("POST", path, Fixture.configMap("cm-\(w)-\(i)")) }
                    }
                }
            }
            var seen = Set<String>()
            var outOfOrder: [String] = []
            // A reflector: follow the watch, remember the last bookmark, stop there once mid-stream,
            // resume from it; ordering: no event after a bookmark may be at or below its revision.
            func follow(from revision: String, stopAtBookmarkAfter stopCount: Int, orAt stopRevision: Int64 = .max) async -> String {
                var resume = revision
                var lastBookmark: Int64 = -1
                var it = await s.watch("\(path)?watch=1&allowWatchBookmarks=true&resourceVersion=\(revision)").makeAsyncIterator()
                while seen.count < total, let event = await it.next() {
                    let rvText = event.at("object", "metadata", "resourceVersion")?.stringValue ?? ""
                    let rv = Int64(rvText) ?? -1
                    if event["type"]?.stringValue == "BOOKMARK" {
                        resume = rvText
                        lastBookmark = rv
                        if seen.count >= stopCount || rv >= stopRevision { break }
                        continue
                    }
                    if rv <= lastBookmark { outOfOrder.append("event at \(rv) after bookmark \(lastBookmark)") }
                    if let name = event.at("object", "metadata", "name")?.stringValue { seen.insert(name) }
                }
                return resume
            }
            let bookmark = await follow(from: start, stopAtBookmarkAfter: total / 4)
            await written
            let end = Int64(await s.call("GET", path).body.at("metadata", "resourceVersion")?.stringValue ?? "") ?? 0
            _ = await follow(from: bookmark, stopAtBookmarkAfter: total, orAt: end)
            #expect(outOfOrder.isEmpty, "\(outOfOrder.prefix(5))")
            #expect(seen.count == total, "the reflector missed \(total - seen.count) objects resuming from bookmark \(bookmark)")
        }
    }
}
