import SkiffStore
@testable import SkiffStoreEtcd
import SkiffStoreTesting
import SkiffSystem
import Testing

@Suite("EtcdStore reads and writes", .timeLimit(.minutes(5)))
struct EtcdStoreKVTests {
    @Test("create, get, update and delete follow compare-and-swap rules")
    func crudAndCompareAndSwap() async throws {
        try await withEtcd { _, store in
            let start = try await store.currentRevision()
            let created = try await store.create("/a", value: bytes("1"))
            #expect(created == start + 1)
            await #expect(throws: StoreError.alreadyExists(key: "/a")) {
                try await store.create("/a", value: bytes("x"))
            }
            #expect(try await store.get("/a", atRevision: nil) == KeyValue(key: "/a", value: bytes("1"), createRevision: created, modRevision: created))

            let updated = try await store.update("/a", value: bytes("2"), expectedModRevision: created)
            #expect(updated == created + 1)
            await #expect(throws: StoreError.conflict(key: "/a", currentModRevision: updated)) {
                try await store.update("/a", value: bytes("3"), expectedModRevision: created)
            }
            await #expect(throws: StoreError.conflict(key: "/a", currentModRevision: updated)) {
                try await store.update("/a", value: bytes("3"), expectedModRevision: 0)
            }
            await #expect(throws: StoreError.notFound(key: "/missing")) {
                try await store.update("/missing", value: bytes("3"), expectedModRevision: 5)
            }
            await #expect(throws: StoreError.notFound(key: "/missing")) {
                try await store.update("/missing", value: bytes("3"), expectedModRevision: 0)
            }
            #expect(try await store.get("/missing", atRevision: nil) == nil)
            #expect(try await store.get("/a", atRevision: created)?.value == bytes("1"))
            #expect(try await store.get("/a", atRevision: start) == nil)

            await #expect(throws: StoreError.conflict(key: "/a", currentModRevision: updated)) {
                try await store.delete("/a", expectedModRevision: created)
            }
            let deleted = try await store.delete("/a", expectedModRevision: updated)
            #expect(deleted.revision == updated + 1)
            #expect(deleted.deleted == KeyValue(key: "/a", value: bytes("2"), createRevision: created, modRevision: updated))
            await #expect(throws: StoreError.notFound(key: "/a")) {
                try await store.delete("/a", expectedModRevision: nil)
            }
            await #expect(throws: StoreError.notFound(key: "/a")) {
                try await store.delete("/a", expectedModRevision: 0)
            }
            #expect(try await store.get("/a", atRevision: nil) == nil)
            // Failed writes do not move the revision.
            #expect(try await store.currentRevision() == deleted.revision)

            let again = try await store.create("/a", value: bytes("new"))
            let plain = try await store.delete("/a", expectedModRevision: nil)
            #expect(plain.revision == again + 1)
            #expect(plain.deleted.createRevision == again)
        }
    }

    @Test("values over the limit and invalid keys are refused before anything is sent")
    func limits() async throws {
        try await withEtcd(limits: StoreLimits(valueSizeLimit: 10)) { _, store in
            let before = try await store.currentRevision()
            await #expect(throws: StoreError.valueTooLarge(size: 11, limit: 10)) {
                try await store.create("/big", value: Array(repeating: 1, count: 11))
            }
            await #expect(throws: StoreError.self) { try await store.create("", value: []) }
            await #expect(throws: StoreError.self) { try await store.create("/a\u{0}b", value: []) }
            #expect(try await store.currentRevision() == before)
            _ = try await store.create("/ok", value: Array(repeating: 1, count: 10))
        }
    }

    @Test("list pages through a prefix in key order at the first page's revision")
    func listPagination() async throws {
        try await withEtcd { _, store in
            for name in ["c", "a", "e", "b", "d"] {
                _ = try await store.create("/p/\(name)", value: bytes(name))
            }
            _ = try await store.create("/p", value: bytes("outside"))
            _ = try await store.create("/q/a", value: bytes("outside"))

            let first = try await store.list(prefix: "/p/", atRevision: nil, limit: 2, continueAfter: nil)
            #expect(first.items.map(\.key) == ["/p/a", "/p/b"])
            #expect(first.more)
            #expect(first.revision == (try await store.currentRevision()))

            // Writes after the first page are invisible to the following pages.
            _ = try await store.create("/p/bb", value: bytes("later"))
            let cKey = try #require(try await store.get("/p/c", atRevision: nil))
            _ = try await store.update("/p/c", value: bytes("changed"), expectedModRevision: cKey.modRevision)

            let second = try await store.list(prefix: "/p/", atRevision: first.revision, limit: 2, continueAfter: "/p/b")
            #expect(second.items.map(\.key) == ["/p/c", "/p/d"])
            #expect(second.items.first?.value == bytes("c"))
            #expect(second.more)
            #expect(second.revision == first.revision)
            let third = try await store.list(prefix: "/p/", atRevision: first.revision, limit: 2, continueAfter: "/p/d")
            #expect(third.items.map(\.key) == ["/p/e"])
            #expect(!third.more)

            let all = try await store.list(prefix: "/p/", atRevision: nil, limit: nil, continueAfter: nil)
            #expect(all.items.map(\.key) == ["/p/a", "/p/b", "/p/bb", "/p/c", "/p/d", "/p/e"])
            #expect(!all.more)
            let exact = try await store.list(prefix: "/p/", atRevision: nil, limit: 6, continueAfter: nil)
            #expect(exact.items.count == 6 && !exact.more)
            let everything = try await store.list(prefix: "", atRevision: nil, limit: 0, continueAfter: nil)
            #expect(everything.items.count == 8)
            let past = try await store.list(prefix: "/p/", atRevision: nil, limit: 2, continueAfter: "/z")
            #expect(past.items.isEmpty && !past.more)
        }
    }

    @Test("reads below the compacted revision fail with compacted, reads ahead with futureRevision")
    func compactedAndFutureReads() async throws {
        try await withEtcd { etcd, store in
            let r1 = try await store.create("/k", value: bytes("1"))
            let r2 = try await store.update("/k", value: bytes("2"), expectedModRevision: r1)
            let r3 = try await store.update("/k", value: bytes("3"), expectedModRevision: r2)
            #expect(try await store.compactedRevision() == 0)
            try await store.compact(r2)
            #expect(try await store.compactedRevision() == r2)
            try await store.compact(r1)  // already done: no-op
            await #expect(throws: StoreError.compacted(requested: r1, compactedRevision: r2)) {
                try await store.get("/k", atRevision: r1)
            }
            await #expect(throws: StoreError.compacted(requested: r1, compactedRevision: r2)) {
                try await store.list(prefix: "/", atRevision: r1, limit: nil, continueAfter: nil)
            }
            #expect(try await store.get("/k", atRevision: r2)?.value == bytes("2"))
            await #expect(throws: StoreError.futureRevision(requested: r3 + 10, currentRevision: r3)) {
                try await store.get("/k", atRevision: r3 + 10)
            }
            await #expect(throws: StoreError.futureRevision(requested: r3 + 10, currentRevision: r3)) {
                try await store.compact(r3 + 10)
            }

            // Another client learns the compaction from etcd.
            let other = try await EtcdStore.connect(endpoints: [etcd.endpoint])
            await #expect(throws: StoreError.compacted(requested: r1, compactedRevision: r2)) {
                try await other.get("/k", atRevision: r1)
            }
            #expect(try await other.compactedRevision() == r2)
            await other.close()
        }
    }

    @Test("many concurrent writes on one connection get distinct consecutive revisions")
    func concurrentWrites() async throws {
        try await withEtcd { _, store in
            let start = try await store.currentRevision()
            let count = 200
            let revisions = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<count {
                    group.addTask { try await store.create("/c/\(index)", value: bytes("\(index)")) }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(Set(revisions) == Set((start + 1)...(start + Int64(count))))
            let listed = try await store.list(prefix: "/c/", atRevision: nil, limit: nil, continueAfter: nil)
            #expect(listed.items.count == count)
        }
    }

    @Test("hundreds of sequential calls keep one connection open (etcd's PINGs are answered, not counted as a flood)")
    func manySequentialCalls() async throws {
        try await withEtcd { _, store in
            for index in 0..<400 {
                _ = try await store.create("/s/\(index)", value: Array(repeating: 7, count: 512))
            }
            let listed = try await store.list(prefix: "/s/", atRevision: nil, limit: nil, continueAfter: nil)
            #expect(listed.items.count == 400)
        }
    }

    @Test("a closed store refuses calls and an unreachable endpoint fails to connect")
    func closedAndUnreachable() async throws {
        try await withEtcd { _, store in
            await store.close()
            await #expect(throws: StoreError.unavailable("store is closed")) { try await store.currentRevision() }
        }
        let port = try freeLoopbackPort()
        await #expect(throws: StoreError.self) {
            try await EtcdStore.connect(endpoints: ["127.0.0.1:\(port)"], requestTimeout: .seconds(2))
        }
    }

    @Test("endpoints parse as host and port, with or without a scheme")
    func endpointParsing() throws {
        #expect(try EtcdEndpoints.parse("127.0.0.1:2379") == .init(host: "127.0.0.1", port: 2379))
        #expect(try EtcdEndpoints.parse("http://etcd-0:2379/") == .init(host: "etcd-0", port: 2379))
        #expect(try EtcdEndpoints.parse("[::1]:2379") == .init(host: "::1", port: 2379))
        #expect(throws: StoreError.self) { try EtcdEndpoints.parse("no-port") }
        #expect(throws: StoreError.self) { try EtcdEndpoints.parse("https://h:2379") }
        #expect(throws: StoreError.self) { try EtcdEndpoints.target(for: []) }
        #expect(throws: StoreError.self) { try EtcdEndpoints.target(for: ["a:1", "b:2"]) }
    }
}
