import SkiffStore
import Testing

@Suite("Store conformance: lists", .timeLimit(.minutes(5)))
struct StoreListTests {
    @Test("list returns keys under the prefix in byte order, and /a/ does not see /ab", arguments: StoreBackend.all)
    func prefixIsolation(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            for name in ["a/2", "a/1", "ab", "a", "b/1", "a/10"] {
                _ = try await s.store.create(s.key(name), value: bytes(name))
            }
            let result = try await s.store.list(prefix: s.key("a/"), atRevision: nil, limit: nil, continueAfter: nil)
            #expect(result.items.map(\.key) == ["a/1", "a/10", "a/2"].map(s.key))
            #expect(!result.more)
            let all = try await s.store.list(prefix: s.prefix, atRevision: nil, limit: nil, continueAfter: nil)
            #expect(all.items.count == 6)
        }
    }

    @Test("a list at a past revision shows that revision's keys and values", arguments: StoreBackend.all)
    func listAtRevision(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let r1 = try await s.store.create(s.key("x"), value: bytes("1"))
            _ = try await s.store.create(s.key("y"), value: bytes("1"))
            let past = try await s.store.currentRevision()
            _ = try await s.store.update(s.key("x"), value: bytes("2"), expectedModRevision: r1)
            _ = try await s.store.delete(s.key("y"), expectedModRevision: nil)
            _ = try await s.store.create(s.key("z"), value: bytes("1"))
            let then = try await s.store.list(prefix: s.prefix, atRevision: past, limit: nil, continueAfter: nil)
            #expect(then.revision == past)
            #expect(then.items.map(\.key) == [s.key("x"), s.key("y")])
            #expect(then.items.map(\.value) == [bytes("1"), bytes("1")])
            let now = try await s.store.list(prefix: s.prefix, atRevision: nil, limit: nil, continueAfter: nil)
            #expect(now.items.map(\.key) == [s.key("x"), s.key("z")])
        }
    }

    @Test("pagination stays at the first page's revision while writes continue", arguments: StoreBackend.all)
    func paginationIsConsistent(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            var revisions: [String: Int64] = [:]
            for i in 0..<25 {
                let key = s.key(String(format: "item-%02d", i))
                revisions[key] = try await s.store.create(key, value: bytes("v\(i)"))
            }
            var seen: [KeyValue] = []
            var page = try await s.store.list(prefix: s.prefix, atRevision: nil, limit: 10, continueAfter: nil)
            let revision = page.revision
            var round = 0
            while true {
                seen += page.items
                // Concurrent changes between pages must not show up in this list.
                round += 1
                let victim = s.key(String(format: "item-%02d", 24 - round))
                _ = try await s.store.update(victim, value: bytes("changed"), expectedModRevision: revisions[victim]!)
                _ = try await s.store.create(s.key("new-\(round)"), value: bytes("new"))
                _ = try await s.store.delete(s.key(String(format: "item-%02d", round)), expectedModRevision: nil)
                guard page.more, let last = page.items.last else { break }
                page = try await s.store.list(prefix: s.prefix, atRevision: revision, limit: 10, continueAfter: last.key)
                #expect(page.revision == revision)
            }
            #expect(seen.count == 25)
            #expect(seen.map(\.key) == (0..<25).map { s.key(String(format: "item-%02d", $0)) })
            #expect(seen.allSatisfy { $0.value == bytes("v" + String(Int($0.key.suffix(2))!)) })
        }
    }

    @Test("limit returns exactly limit items and reports more", arguments: StoreBackend.all)
    func limitAndMore(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            for i in 0..<3 { _ = try await s.store.create(s.key("k\(i)"), value: bytes("\(i)")) }
            let two = try await s.store.list(prefix: s.prefix, atRevision: nil, limit: 2, continueAfter: nil)
            #expect(two.items.count == 2 && two.more)
            let three = try await s.store.list(prefix: s.prefix, atRevision: nil, limit: 3, continueAfter: nil)
            #expect(three.items.count == 3 && !three.more)
            let rest = try await s.store.list(prefix: s.prefix, atRevision: two.revision, limit: 2, continueAfter: two.items[1].key)
            #expect(rest.items.map(\.key) == [s.key("k2")] && !rest.more)
        }
    }

    @Test("reads below the compacted revision throw compacted; the compacted revision itself stays readable", arguments: StoreBackend.all)
    func compaction(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let r1 = try await s.store.create(s.key("x"), value: bytes("1"))
            let r2 = try await s.store.update(s.key("x"), value: bytes("2"), expectedModRevision: r1)
            _ = try await s.store.create(s.key("gone"), value: bytes("g"))
            _ = try await s.store.delete(s.key("gone"), expectedModRevision: nil)
            let r5 = try await s.store.update(s.key("x"), value: bytes("3"), expectedModRevision: r2)
            try await s.store.compact(r5 - 1)
            #expect(try await s.store.compactedRevision() == r5 - 1)
            await expectStoreError({ if case .compacted = $0 { true } else { false } }) {
                _ = try await s.store.get(s.key("x"), atRevision: r1)
            }
            await expectStoreError({ if case .compacted = $0 { true } else { false } }) {
                _ = try await s.store.list(prefix: s.prefix, atRevision: r2, limit: nil, continueAfter: nil)
            }
            #expect(try await s.store.get(s.key("x"), atRevision: r5 - 1)?.value == bytes("2"))
            #expect(try await s.store.get(s.key("x"), atRevision: nil)?.value == bytes("3"))
            let listed = try await s.store.list(prefix: s.prefix, atRevision: r5 - 1, limit: nil, continueAfter: nil)
            #expect(listed.items.map(\.key) == [s.key("x")])
            // Compacting to an older revision never undoes a compaction (etcd ignores it,
            // the local stores refuse it with compacted).
            do { try await s.store.compact(r1) } catch StoreError.compacted {}
            #expect(try await s.store.compactedRevision() == r5 - 1)
        }
    }
}
