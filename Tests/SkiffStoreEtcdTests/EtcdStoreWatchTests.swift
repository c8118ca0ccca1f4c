import SkiffStore
@testable import SkiffStoreEtcd
import SkiffStoreTesting
import Testing

@Suite("EtcdStore watches", .timeLimit(.minutes(5)))
struct EtcdStoreWatchTests {
    @Test("watch delivers the prefix's puts and deletes in order with previous values")
    func eventsWithPreviousValues() async throws {
        try await withEtcd { _, store in
            let r1 = try await store.create("/w/a", value: bytes("1"))
            let collector = EventCollector(try await store.watch(prefix: "/w/", startRevision: nil))
            defer { collector.cancel() }
            let r2 = try await store.update("/w/a", value: bytes("2"), expectedModRevision: r1)
            _ = try await store.create("/x/outside", value: bytes("x"))
            let r4 = try await store.create("/w/b", value: bytes("b"))
            let r5 = try await store.delete("/w/a", expectedModRevision: r2).revision

            let a1 = KeyValue(key: "/w/a", value: bytes("1"), createRevision: r1, modRevision: r1)
            let a2 = KeyValue(key: "/w/a", value: bytes("2"), createRevision: r1, modRevision: r2)
            let b = KeyValue(key: "/w/b", value: bytes("b"), createRevision: r4, modRevision: r4)
            let events = try await collector.waitFor(3)
            #expect(events.count == 3)
            #expect(events[0] == WatchEvent(kind: .put, kv: a2, previous: a1))
            #expect(events[1] == WatchEvent(kind: .put, kv: b, previous: nil))
            #expect(events[2].kind == .delete)
            #expect(events[2].kv.key == "/w/a" && events[2].kv.value.isEmpty && events[2].revision == r5)
            #expect(events[2].previous == a2)

            // From an old revision, history is replayed exactly from there on.
            let replay = EventCollector(try await store.watch(prefix: "/w/", startRevision: r2))
            defer { replay.cancel() }
            #expect(try await replay.waitFor(3) == events)
        }
    }

    @Test("watch from a compacted revision throws compacted; the revision after it works")
    func compactedStart() async throws {
        try await withEtcd { etcd, store in
            let r1 = try await store.create("/k", value: bytes("1"))
            let r2 = try await store.update("/k", value: bytes("2"), expectedModRevision: r1)
            let r3 = try await store.update("/k", value: bytes("3"), expectedModRevision: r2)
            try await store.compact(r2)
            await #expect(throws: StoreError.compacted(requested: r2, compactedRevision: r2)) {
                try await store.watch(prefix: "/", startRevision: r2)
            }
            // A client that did not compact learns it from etcd, with the same rule.
            let other = try await EtcdStore.connect(endpoints: [etcd.endpoint])
            await #expect(throws: StoreError.compacted(requested: r2, compactedRevision: r2)) {
                try await other.watch(prefix: "/", startRevision: r2)
            }
            await #expect(throws: StoreError.compacted(requested: r1, compactedRevision: r2)) {
                try await other.watch(prefix: "/", startRevision: r1)
            }
            let collector = EventCollector(try await other.watch(prefix: "/", startRevision: r2 + 1))
            defer { collector.cancel() }
            let events = try await collector.waitFor(1)
            #expect(events.map(\.revision) == [r3])
            #expect(events.first?.previous?.modRevision == r2)
            await other.close()
        }
    }

    @Test("watch resumes after etcd restarts without losing or repeating events")
    func resumeAfterRestart() async throws {
        try await withEtcd { etcd, store in
            let collector = EventCollector(try await store.watch(prefix: "/r/", startRevision: nil))
            defer { collector.cancel() }
            var expected: [Int64] = []
            for index in 0..<3 {
                expected.append(try await store.create("/r/\(index)", value: bytes("before")))
            }
            #expect(try await collector.waitFor(3).map(\.revision) == expected)

            try await etcd.restart()
            // Write through a fresh client at once, most likely before the watching client has
            // reconnected: the watch must pick these up from where it left off.
            let writer = try await EtcdStore.connect(endpoints: [etcd.endpoint])
            for index in 3..<6 {
                expected.append(try await writer.create("/r/\(index)", value: bytes("after")))
            }
            let key = try #require(try await writer.get("/r/0", atRevision: nil))
            expected.append(try await writer.update("/r/0", value: bytes("changed"), expectedModRevision: key.modRevision))
            await writer.close()

            let events = try await collector.waitFor(expected.count)
            #expect(events.map(\.revision) == expected)
            #expect(events.map(\.kv.key) == ["/r/0", "/r/1", "/r/2", "/r/3", "/r/4", "/r/5", "/r/0"])
            #expect(events.last?.previous?.value == bytes("before"))
            // Nothing repeated later either.
            let last = try await store.create("/r/last", value: [])
            let all = try await collector.waitFor(expected.count + 1)
            #expect(all.map(\.revision) == expected + [last])
        }
    }

    @Test("cancelling the consumer releases the watch; closing the store ends watches with unavailable")
    func cancellationAndClose() async throws {
        try await withEtcd { _, store in
            let first = EventCollector(try await store.watch(prefix: "/c/", startRevision: nil))
            let second = EventCollector(try await store.watch(prefix: "/c/", startRevision: nil))
            #expect(store.state.withLock { $0.watches.count } == 2)
            first.cancel()
            #expect(try await first.waitForEnd() == nil)
            try await eventually { store.state.withLock { $0.watches.count } == 1 }

            _ = try await store.create("/c/a", value: [])
            #expect(try await second.waitFor(1).count == 1)
            await store.close()
            let error = try await second.waitForEnd()
            #expect(error as? StoreError == .unavailable("store is closed"))
            await #expect(throws: StoreError.self) { try await store.watch(prefix: "/c/", startRevision: nil) }
        }
    }
}
