import Synchronization

/// An in-memory `Store` with full history, for unit tests. Same semantics as the durable
/// backends (it runs the same conformance suite), nothing survives the process.
public final class MemoryStore: Store {
    private struct Version {
        var revision: Int64
        var createRevision: Int64
        /// nil marks a deletion.
        var value: [UInt8]?
    }

    private struct State {
        var revision: Int64 = 0
        var compacted: Int64 = 0
        var history: [String: [Version]] = [:]
        var events: [WatchEvent] = []
        var closed = false

        func latest(_ key: String) -> Version? {
            guard let last = history[key]?.last, last.value != nil else { return nil }
            return last
        }

        func version(of key: String, at revision: Int64) -> Version? {
            guard let versions = history[key] else { return nil }
            guard let found = versions.last(where: { $0.revision <= revision }), found.value != nil else { return nil }
            return found
        }

        func keyValue(_ key: String, _ version: Version) -> KeyValue {
            KeyValue(key: key, value: version.value ?? [], createRevision: version.createRevision, modRevision: version.revision)
        }

        func checkReadable(_ revision: Int64) throws(StoreError) {
            if closed { throw .unavailable("store is closed") }
            if revision > self.revision { throw .futureRevision(requested: revision, currentRevision: self.revision) }
            if revision < compacted { throw .compacted(requested: revision, compactedRevision: compacted) }
        }
    }

    private let state = Mutex(State())
    private let hub = WatchHub(currentRevision: 0)
    private let limits: StoreLimits

    public init(limits: StoreLimits = .init()) {
        self.limits = limits
    }

    public func currentRevision() async throws -> Int64 {
        try state.withLock { state throws(StoreError) in
            if state.closed { throw .unavailable("store is closed") }
            return state.revision
        }
    }

    public func get(_ key: String, atRevision revision: Int64?) async throws -> KeyValue? {
        try limits.check(key: key)
        return try state.withLock { state throws(StoreError) in
            let at = revision ?? state.revision
            try state.checkReadable(at)
            return state.version(of: key, at: at).map { state.keyValue(key, $0) }
        }
    }

    public func list(prefix: String, atRevision revision: Int64?, limit: Int?, continueAfter: String?) async throws -> ListResult {
        try state.withLock { state throws(StoreError) in
            let at = revision ?? state.revision
            try state.checkReadable(at)
            var keys = state.history.keys.filter { key in
                key.hasKeyPrefix(prefix) && (continueAfter.map { $0.keyPrecedes(key) } ?? true)
            }
            keys.sort { $0.keyPrecedes($1) }
            var items: [KeyValue] = []
            let max = (limit ?? 0) > 0 ? limit! : Int.max
            for key in keys {
                guard let version = state.version(of: key, at: at) else { continue }
                if items.count == max { return ListResult(items: items, revision: at, more: true) }
                items.append(state.keyValue(key, version))
            }
            return ListResult(items: items, revision: at, more: false)
        }
    }

    public func create(_ key: String, value: [UInt8]) async throws -> Int64 {
        try limits.check(key: key, value: value)
        return try commit { state throws(StoreError) in
            if state.latest(key) != nil { throw .alreadyExists(key: key) }
            return (key, value, nil)
        }
    }

    public func update(_ key: String, value: [UInt8], expectedModRevision: Int64) async throws -> Int64 {
        try limits.check(key: key, value: value)
        return try commit { state throws(StoreError) in
            guard let current = state.latest(key) else { throw .notFound(key: key) }
            if current.revision != expectedModRevision { throw .conflict(key: key, currentModRevision: current.revision) }
            return (key, value, current)
        }
    }

    public func delete(_ key: String, expectedModRevision: Int64?) async throws -> (revision: Int64, deleted: KeyValue) {
        try limits.check(key: key)
        var deleted: KeyValue?
        let revision = try commit { state throws(StoreError) in
            guard let current = state.latest(key) else { throw .notFound(key: key) }
            if let expected = expectedModRevision, current.revision != expected {
                throw .conflict(key: key, currentModRevision: current.revision)
            }
            deleted = state.keyValue(key, current)
            return (key, nil, current)
        }
        return (revision, deleted!)
    }

    /// Applies one write under the lock and publishes its event. `decide` returns the key, the
    /// new value (nil to delete) and the current version, or throws to refuse the write.
    private func commit(_ decide: (inout State) throws(StoreError) -> (String, [UInt8]?, Version?)) throws(StoreError) -> Int64 {
        try state.withLock { state throws(StoreError) in
            if state.closed { throw .unavailable("store is closed") }
            let (key, value, current) = try decide(&state)
            state.revision += 1
            let revision = state.revision
            let createRevision = value == nil ? current!.createRevision : (current?.createRevision ?? revision)
            state.history[key, default: []].append(Version(revision: revision, createRevision: createRevision, value: value))
            let previous = current.map { state.keyValue(key, $0) }
            let event = WatchEvent(
                kind: value == nil ? .delete : .put,
                kv: KeyValue(key: key, value: value ?? [], createRevision: createRevision, modRevision: revision),
                previous: previous
            )
            state.events.append(event)
            // Publishing under the lock keeps events in revision order across concurrent writers.
            hub.publish([event])
            return revision
        }
    }

    public func watch(prefix: String, startRevision: Int64?) async throws -> WatchStream {
        if let start = startRevision {
            try state.withLock { state throws(StoreError) in
                if state.closed { throw .unavailable("store is closed") }
                if start <= state.compacted { throw .compacted(requested: start, compactedRevision: state.compacted) }
            }
        }
        return try await hub.subscribe(prefix: prefix, startRevision: startRevision) { prefix, from, through in
            try self.state.withLock { state throws(StoreError) in
                if from <= state.compacted { throw .compacted(requested: from, compactedRevision: state.compacted) }
                return state.events.filter { $0.revision >= from && $0.revision <= through && $0.kv.key.hasKeyPrefix(prefix) }
            }
        }
    }

    public func compact(_ revision: Int64) async throws {
        try state.withLock { state throws(StoreError) in
            if state.closed { throw .unavailable("store is closed") }
            if revision > state.revision { throw .futureRevision(requested: revision, currentRevision: state.revision) }
            if revision <= state.compacted { throw .compacted(requested: revision, compactedRevision: state.compacted) }
            state.compacted = revision
            for (key, versions) in state.history {
                // Keep the version visible at `revision` and everything after it.
                let keepFrom = versions.lastIndex(where: { $0.revision <= revision }) ?? 0
                var kept = Array(versions[keepFrom...])
                if let first = kept.first, first.value == nil, first.revision <= revision { kept.removeFirst() }
                state.history[key] = kept.isEmpty ? nil : kept
            }
            state.events.removeAll { $0.revision <= revision }
        }
    }

    public func compactedRevision() async throws -> Int64 {
        state.withLock { $0.compacted }
    }

    public func close() async {
        state.withLock { $0.closed = true }
        hub.close()
    }
}
