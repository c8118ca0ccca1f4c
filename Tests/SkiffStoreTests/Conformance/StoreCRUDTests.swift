import SkiffStore
import Testing

@Suite("Store conformance: reads and compare-and-swap writes", .timeLimit(.minutes(5)))
struct StoreCRUDTests {
    @Test("create, get, update and delete move one strictly increasing revision", arguments: StoreBackend.all)
    func lifecycle(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let key = s.key("pods/default/a")
            let r1 = try await s.store.create(key, value: bytes("one"))
            let got = try #require(try await s.store.get(key, atRevision: nil))
            #expect(got == KeyValue(key: key, value: bytes("one"), createRevision: r1, modRevision: r1))
            let r2 = try await s.store.update(key, value: bytes("two"), expectedModRevision: r1)
            #expect(r2 > r1)
            let updated = try #require(try await s.store.get(key, atRevision: nil))
            #expect(updated.value == bytes("two") && updated.createRevision == r1 && updated.modRevision == r2)
            let (r3, deleted) = try await s.store.delete(key, expectedModRevision: r2)
            #expect(r3 > r2)
            #expect(deleted.value == bytes("two") && deleted.modRevision == r2)
            #expect(try await s.store.get(key, atRevision: nil) == nil)
            #expect(try await s.store.currentRevision() >= r3)
        }
    }

    @Test("a local store's revision grows by exactly one per write", arguments: StoreBackend.all)
    func revisionStep(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let start = try await s.store.currentRevision()
            var last = start
            for i in 0..<5 {
                let revision = try await s.store.create(s.key("k\(i)"), value: bytes("\(i)"))
                #expect(revision == last + 1)
                last = revision
            }
        }
    }

    @Test("create of an existing key throws alreadyExists", arguments: StoreBackend.all)
    func createExisting(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            _ = try await s.store.create(s.key("x"), value: bytes("1"))
            await expectStoreError({ if case .alreadyExists = $0 { true } else { false } }) {
                _ = try await s.store.create(s.key("x"), value: bytes("2"))
            }
            #expect(try await s.store.get(s.key("x"), atRevision: nil)?.value == bytes("1"))
        }
    }

    @Test("update with a stale revision throws conflict carrying the current revision", arguments: StoreBackend.all)
    func staleUpdate(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let r1 = try await s.store.create(s.key("x"), value: bytes("1"))
            let r2 = try await s.store.update(s.key("x"), value: bytes("2"), expectedModRevision: r1)
            await expectStoreError({ $0 == .conflict(key: s.key("x"), currentModRevision: r2) }) {
                _ = try await s.store.update(s.key("x"), value: bytes("3"), expectedModRevision: r1)
            }
            await expectStoreError({ if case .conflict = $0 { true } else { false } }) {
                _ = try await s.store.delete(s.key("x"), expectedModRevision: r1)
            }
        }
    }

    @Test("update and delete of a missing key throw notFound", arguments: StoreBackend.all)
    func missing(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            await expectStoreError({ $0 == .notFound(key: s.key("nope")) }) {
                _ = try await s.store.update(s.key("nope"), value: bytes("1"), expectedModRevision: 1)
            }
            await expectStoreError({ $0 == .notFound(key: s.key("nope")) }) {
                _ = try await s.store.delete(s.key("nope"), expectedModRevision: nil)
            }
        }
    }

    @Test("a deleted key can be created again with a new create revision", arguments: StoreBackend.all)
    func recreate(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let r1 = try await s.store.create(s.key("x"), value: bytes("1"))
            _ = try await s.store.delete(s.key("x"), expectedModRevision: nil)
            let r3 = try await s.store.create(s.key("x"), value: bytes("2"))
            let got = try #require(try await s.store.get(s.key("x"), atRevision: nil))
            #expect(got.createRevision == r3 && r3 > r1)
        }
    }

    @Test("get at a past revision returns the value of that time", arguments: StoreBackend.all)
    func getAtRevision(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let r1 = try await s.store.create(s.key("x"), value: bytes("1"))
            let r2 = try await s.store.update(s.key("x"), value: bytes("2"), expectedModRevision: r1)
            let (r3, _) = try await s.store.delete(s.key("x"), expectedModRevision: nil)
            #expect(try await s.store.get(s.key("x"), atRevision: r1)?.value == bytes("1"))
            #expect(try await s.store.get(s.key("x"), atRevision: r2)?.value == bytes("2"))
            #expect(try await s.store.get(s.key("x"), atRevision: r3) == nil)
            await expectStoreError({ if case .futureRevision = $0 { true } else { false } }) {
                _ = try await s.store.get(s.key("x"), atRevision: r3 + 1000)
            }
        }
    }

    @Test("N writers updating one key from the same revision: exactly one wins each round", arguments: StoreBackend.all)
    func casRace(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let key = s.key("hot")
            var revision = try await s.store.create(key, value: bytes("0"))
            for round in 1...5 {
                let from = revision
                let outcomes = await withTaskGroup(of: Int64?.self) { group in
                    for writer in 0..<16 {
                        group.addTask {
                            try? await s.store.update(key, value: bytes("\(round)-\(writer)"), expectedModRevision: from)
                        }
                    }
                    var wins: [Int64] = []
                    for await outcome in group { if let outcome { wins.append(outcome) } }
                    return wins
                }
                #expect(outcomes.count == 1, "round \(round): \(outcomes.count) winners")
                revision = try #require(outcomes.first)
                #expect(try await s.store.get(key, atRevision: nil)?.modRevision == revision)
            }
        }
    }

    @Test("values over the size limit are refused with valueTooLarge", arguments: StoreBackend.all)
    func sizeLimit(backend: StoreBackend) async throws {
        try await withStore(backend, limits: StoreLimits(valueSizeLimit: 1024)) { s in
            _ = try await s.store.create(s.key("ok"), value: [UInt8](repeating: 7, count: 1024))
            await expectStoreError({ $0 == .valueTooLarge(size: 1025, limit: 1024) }) {
                _ = try await s.store.create(s.key("big"), value: [UInt8](repeating: 7, count: 1025))
            }
            #expect(try await s.store.get(s.key("big"), atRevision: nil) == nil)
        }
    }

    @Test("the default limit is etcd's 1.5 MiB", arguments: StoreBackend.all)
    func defaultLimit(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            _ = try await s.store.create(s.key("fits"), value: [UInt8](repeating: 1, count: 1024 * 1024))
            await expectStoreError({ if case .valueTooLarge = $0 { true } else { false } }) {
                _ = try await s.store.create(s.key("big"), value: [UInt8](repeating: 1, count: 3 * 512 * 1024 + 1))
            }
        }
    }

    @Test("empty keys and keys with NUL are invalid", arguments: StoreBackend.all)
    func invalidKeys(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            await expectStoreError({ if case .invalidKey = $0 { true } else { false } }) {
                _ = try await s.store.create("", value: bytes("1"))
            }
            await expectStoreError({ if case .invalidKey = $0 { true } else { false } }) {
                _ = try await s.store.create(s.key("a\u{0}b"), value: bytes("1"))
            }
        }
    }

    @Test("empty values and binary values round-trip", arguments: StoreBackend.all)
    func binaryValues(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            let binary: [UInt8] = [0, 255, 1, 0, 128]
            _ = try await s.store.create(s.key("empty"), value: [])
            _ = try await s.store.create(s.key("binary"), value: binary)
            #expect(try await s.store.get(s.key("empty"), atRevision: nil)?.value == [])
            #expect(try await s.store.get(s.key("binary"), atRevision: nil)?.value == binary)
        }
    }
}
