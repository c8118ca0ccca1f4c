import SkiffStore
import Testing

@Suite("Periodic compaction", .timeLimit(.minutes(5)))
struct PeriodicCompactorTests {
    @Test("a pass keeps the last N revisions and forgets older ones", arguments: StoreBackend.all)
    func keepsRecentHistory(backend: StoreBackend) async throws {
        try await withStore(backend) { s in
            var revision = try await s.store.create(s.key("x"), value: bytes("0"))
            for i in 1...20 {
                revision = try await s.store.update(s.key("x"), value: bytes("\(i)"), expectedModRevision: revision)
            }
            let compactor = PeriodicCompactor(store: s.store, retainedRevisions: 5)
            let compactedTo = try await compactor.compactOnce()
            #expect(compactedTo == revision - 5)
            #expect(try await compactor.compactOnce() == nil)
            #expect(try await s.store.get(s.key("x"), atRevision: revision - 5)?.value == bytes("15"))
            await expectStoreError({ if case .compacted = $0 { true } else { false } }) {
                _ = try await s.store.get(s.key("x"), atRevision: revision - 6)
            }
        }
    }
}
