import SkiffStore
import Testing

@Suite("Store conformance: watches", .timeLimit(.minutes(5)))
struct StoreWatchTests {
    @Test("a watch sees puts and deletes with previous values", arguments: StoreBackend.all)
    func eventsCarryPreviousValues(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let stream = try await s.store.watch(prefix: s.prefix, startRevision: nil)
            let r1 = try await s.store.create(s.key("x"), value: bytes("1"))
            let r2 = try await s.store.update(s.key("x"), value: bytes("2"), expectedModRevision: r1)
            let (r3, _) = try await s.store.delete(s.key("x"), expectedModRevision: nil)
            let events = try await collect(3, from: stream)
            try #require(events.count == 3)
            #expect(events[0].kind == .put && events[0].revision == r1 && events[0].previous == nil)
            #expect(events[1].kind == .put && events[1].kv.value == bytes("2") && events[1].previous?.value == bytes("1"))
            #expect(events[1].previous?.modRevision == r1)
            #expect(events[2].kind == .delete && events[2].revision == r3 && events[2].previous?.value == bytes("2"))
            #expect(events[2].previous?.modRevision == r2)
        }
    }

    @Test("watch order and completeness under concurrent writers", arguments: StoreBackend.all)
    func concurrentWriters(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let stream = try await s.store.watch(prefix: s.prefix, startRevision: nil)
            let writers = 8, perWriter = 40
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask {
                        var revision = try await s.store.create(s.key("w\(w)"), value: bytes("0"))
                        for i in 1..<perWriter {
                            revision = try await s.store.update(s.key("w\(w)"), value: bytes("\(i)"), expectedModRevision: revision)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let events = try await collect(writers * perWriter, from: stream)
            try #require(events.count == writers * perWriter)
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.revision < $1.revision })
            for w in 0..<writers {
                let mine = events.filter { $0.kv.key == s.key("w\(w)") }
                #expect(mine.map(\.kv.value) == (0..<perWriter).map { bytes("\($0)") })
                #expect(zip(mine, mine.dropFirst()).allSatisfy { $1.previous?.modRevision == $0.revision })
            }
        }
    }

    @Test("a watch from an old revision replays exactly the missed events, then continues live", arguments: StoreBackend.all)
    func replayFromRevision(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            var revisions: [Int64] = []
            var r = try await s.store.create(s.key("a"), value: bytes("1"))
            revisions.append(r)
            r = try await s.store.update(s.key("a"), value: bytes("2"), expectedModRevision: r)
            revisions.append(r)
            revisions.append(try await s.store.create(s.key("b"), value: bytes("1")))
            revisions.append(try await s.store.delete(s.key("a"), expectedModRevision: nil).revision)
            revisions.append(try await s.store.create(s.key("a"), value: bytes("3")))
            let stream = try await s.store.watch(prefix: s.prefix, startRevision: revisions[1])
            let live = try await s.store.create(s.key("c"), value: bytes("1"))
            let events = try await collect(5, from: stream)
            #expect(events.map(\.revision) == Array(revisions[1...]) + [live])
            #expect(events.map(\.kind) == [.put, .put, .delete, .put, .put])
            #expect(events[0].previous?.value == bytes("1"))
            #expect(events[2].previous?.value == bytes("2"))
            #expect(events[3].previous == nil)
        }
    }

    @Test("a watch on a prefix ignores keys outside it", arguments: StoreBackend.all)
    func watchPrefixIsolation(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let stream = try await s.store.watch(prefix: s.key("a/"), startRevision: nil)
            _ = try await s.store.create(s.key("ab"), value: bytes("no"))
            _ = try await s.store.create(s.key("b/1"), value: bytes("no"))
            let mine = try await s.store.create(s.key("a/1"), value: bytes("yes"))
            let events = try await collect(1, from: stream)
            #expect(events.map(\.revision) == [mine])
        }
    }

    @Test("a watch from a compacted revision throws compacted", arguments: StoreBackend.all)
    func watchCompacted(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let r1 = try await s.store.create(s.key("x"), value: bytes("1"))
            let r2 = try await s.store.update(s.key("x"), value: bytes("2"), expectedModRevision: r1)
            let r3 = try await s.store.update(s.key("x"), value: bytes("3"), expectedModRevision: r2)
            try await s.store.compact(r2)
            await expectStoreError({ if case .compacted = $0 { true } else { false } }) {
                _ = try await s.store.watch(prefix: s.prefix, startRevision: r1)
            }
            let stream = try await s.store.watch(prefix: s.prefix, startRevision: r3)
            let events = try await collect(1, from: stream)
            #expect(events.first?.revision == r3 && events.first?.previous?.value == bytes("2"))
        }
    }

    @Test("many watchers each receive every event", arguments: StoreBackend.all)
    func manyWatchers(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            var streams: [WatchStream] = []
            for _ in 0..<20 { streams.append(try await s.store.watch(prefix: s.prefix, startRevision: nil)) }
            for i in 0..<10 { _ = try await s.store.create(s.key("k\(i)"), value: bytes("\(i)")) }
            for stream in streams {
                let events = try await collect(10, from: stream)
                #expect(events.map(\.kv.key) == (0..<10).map { s.key("k\($0)") })
            }
        }
    }
}
