import Foundation
import GRPCCore
import SkiffStore

// Reads, writes and compaction: each is one etcd call (a Txn where a compare is needed).
extension EtcdStore {
    func rangeRaw(_ request: Etcdserverpb_RangeRequest, options: CallOptions? = nil) async throws(StoreError) -> Etcdserverpb_RangeResponse {
        let options = options ?? unaryOptions
        return try await perform(revision: request.revision) {
            try await kv.range(request, options: options)
        }
    }

    func txnRaw(_ request: Etcdserverpb_TxnRequest, valueSize: Int = 0) async throws(StoreError) -> Etcdserverpb_TxnResponse {
        try await perform(valueSize: valueSize) {
            try await kv.txn(request, options: unaryOptions)
        }
    }

    // MARK: StoreReader

    public func currentRevision() async throws -> Int64 {
        try await rangeRaw(.revisionProbe).header.revision
    }

    public func get(_ key: String, atRevision revision: Int64?) async throws -> KeyValue? {
        try limits.check(key: key)
        var request = Etcdserverpb_RangeRequest()
        request.key = key.etcdKey
        request.revision = Self.etcdRevision(revision)
        let response = try await rangeRaw(request)
        return response.kvs.first.map(KeyValue.init)
    }

    public func list(prefix: String, atRevision revision: Int64?, limit: Int?, continueAfter: String?) async throws -> ListResult {
        var request = Etcdserverpb_RangeRequest()
        var start = Array(prefix.utf8)
        if let continueAfter {
            // The smallest key strictly greater than `continueAfter`.
            let next = Array(continueAfter.utf8) + [0]
            if start.lexicographicallyPrecedes(next) { start = next }
        }
        // etcd refuses an empty key; "\0" is the smallest key there is.
        request.key = start.isEmpty ? Data([0]) : Data(start)
        // No end (from `start` to the last key) is etcd's range end "\0".
        request.rangeEnd = Data(prefix.prefixRangeEnd ?? [0])
        request.revision = Self.etcdRevision(revision)
        let pageSize = limit.flatMap { $0 > 0 ? $0 : nil }
        if let pageSize {
            // One more than asked tells whether more keys follow.
            request.limit = Int64(pageSize) + 1
        }
        if let end = prefix.prefixRangeEnd, !start.lexicographicallyPrecedes(end) {
            // `continueAfter` is past the prefix: nothing left, but still a consistent answer.
            request.key = Data([0])
            request.rangeEnd = Data()
            request.countOnly = true
            let response = try await rangeRaw(request)
            return ListResult(items: [], revision: request.revision == 0 ? response.header.revision : request.revision, more: false)
        }
        let response = try await rangeRaw(request)
        var items = response.kvs.map(KeyValue.init)
        var more = false
        if let pageSize, items.count > pageSize {
            items.removeLast(items.count - pageSize)
            more = true
        }
        // A read at an explicit revision is consistent at that revision (the header carries the
        // current one); a read at the latest is consistent at the header's.
        let listRevision = request.revision == 0 ? response.header.revision : request.revision
        return ListResult(items: items, revision: listRevision, more: more)
    }

    /// etcd reads "0" as the latest revision.
    static func etcdRevision(_ revision: Int64?) -> Int64 {
        guard let revision, revision > 0 else { return 0 }
        return revision
    }

    // MARK: StoreWriter

    public func create(_ key: String, value: [UInt8]) async throws -> Int64 {
        try limits.check(key: key, value: value)
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [.init(key: key, target: .create, createRevision: 0)]
        txn.success = [.put(key: key, value: value)]
        let response = try await txnRaw(txn, valueSize: value.count)
        guard response.succeeded else { throw StoreError.alreadyExists(key: key) }
        return response.header.revision
    }

    public func update(_ key: String, value: [UInt8], expectedModRevision: Int64) async throws -> Int64 {
        try limits.check(key: key, value: value)
        guard expectedModRevision > 0 else {
            // No live key has mod revision 0; etcd would compare an absent key as 0 and create it.
            if let current = try await get(key, atRevision: nil) {
                throw StoreError.conflict(key: key, currentModRevision: current.modRevision)
            }
            throw StoreError.notFound(key: key)
        }
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [.init(key: key, target: .mod, modRevision: expectedModRevision)]
        txn.success = [.put(key: key, value: value)]
        txn.failure = [.range(key: key)]
        let response = try await txnRaw(txn, valueSize: value.count)
        if response.succeeded { return response.header.revision }
        throw Self.casFailure(key: key, response)
    }

    public func delete(_ key: String, expectedModRevision: Int64?) async throws -> (revision: Int64, deleted: KeyValue) {
        try limits.check(key: key)
        guard let expectedModRevision else {
            var request = Etcdserverpb_DeleteRangeRequest()
            request.key = key.etcdKey
            request.prevKv = true
            let response = try await perform { try await kv.deleteRange(request, options: unaryOptions) }
            guard let deleted = response.prevKvs.first else { throw StoreError.notFound(key: key) }
            return (response.header.revision, KeyValue(deleted))
        }
        var txn = Etcdserverpb_TxnRequest()
        txn.compare = [.init(key: key, target: .mod, modRevision: expectedModRevision)]
        txn.success = [.deleteRange(key: key)]
        txn.failure = [.range(key: key)]
        let response = try await txnRaw(txn)
        guard response.succeeded else { throw Self.casFailure(key: key, response) }
        // An absent key compares as mod revision 0, so `expectedModRevision: 0` "succeeds" on it
        // without deleting anything.
        guard let deleted = response.responses.first?.responseDeleteRange.prevKvs.first else {
            throw StoreError.notFound(key: key)
        }
        return (response.header.revision, KeyValue(deleted))
    }

    /// The error for a failed compare: the failure branch read the key's current state.
    static func casFailure(key: String, _ response: Etcdserverpb_TxnResponse) -> StoreError {
        guard let current = response.responses.first?.responseRange.kvs.first else {
            return .notFound(key: key)
        }
        return .conflict(key: key, currentModRevision: current.modRevision)
    }

    // MARK: StoreCompactor

    public func compact(_ revision: Int64) async throws {
        try checkOpen()
        if revision <= knownCompactedRevision { return }
        var request = Etcdserverpb_CompactionRequest()
        request.revision = revision
        do {
            _ = try await kv.compact(request, options: unaryOptions)
        } catch {
            switch EtcdFailure(error) {
            case .compacted:
                // Already compacted at or beyond `revision` (by another client): nothing to do.
                break
            case .futureRevision:
                let current = (try? await currentRevision()) ?? revision - 1
                throw StoreError.futureRevision(requested: revision, currentRevision: current)
            case .requestTooLarge:
                throw StoreError.unavailable("etcd refused the compaction request")
            case .other(let error):
                throw error
            }
        }
        noteCompacted(revision)
    }

    public func compactedRevision() async throws -> Int64 {
        try checkOpen()
        return knownCompactedRevision
    }
}

extension Etcdserverpb_Compare {
    init(key: String, target: CompareTarget, createRevision: Int64) {
        self.init()
        self.key = key.etcdKey
        self.target = target
        self.result = .equal
        self.createRevision = createRevision
    }

    init(key: String, target: CompareTarget, modRevision: Int64) {
        self.init()
        self.key = key.etcdKey
        self.target = target
        self.result = .equal
        self.modRevision = modRevision
    }
}

extension Etcdserverpb_RequestOp {
    static func put(key: String, value: [UInt8]) -> Self {
        var put = Etcdserverpb_PutRequest()
        put.key = key.etcdKey
        put.value = Data(value)
        var op = Self()
        op.requestPut = put
        return op
    }

    static func range(key: String) -> Self {
        var range = Etcdserverpb_RangeRequest()
        range.key = key.etcdKey
        var op = Self()
        op.requestRange = range
        return op
    }

    static func deleteRange(key: String) -> Self {
        var delete = Etcdserverpb_DeleteRangeRequest()
        delete.key = key.etcdKey
        delete.prevKv = true
        var op = Self()
        op.requestDeleteRange = delete
        return op
    }
}
