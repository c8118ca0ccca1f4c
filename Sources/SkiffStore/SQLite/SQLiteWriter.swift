import Dispatch
import Synchronization

/// Group commit: the one writer connection. Writes queue up while a transaction is being
/// committed; the next drain takes them all (up to `maxBatch`) into one transaction and one
/// fsync, so throughput grows with the number of concurrent writers. Each write is still
/// checked and applied on its own: a conflict fails that write only.
final class SQLiteWriter: Sendable {
    enum Operation: Sendable {
        case create(key: String, value: [UInt8])
        case update(key: String, value: [UInt8], expected: Int64)
        case delete(key: String, expected: Int64?)
        case compact(revision: Int64)
    }

    struct Outcome: Sendable {
        var revision: Int64
        var previous: KeyValue?
    }

    private struct Pending {
        var operation: Operation
        var continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct Queue {
        var pending: [Pending] = []
        var draining = false
        var closed = false
    }

    private let queue = Mutex(Queue())
    private let connection: SQLiteConnection
    /// Only touched on `dispatch` (serial), so plain storage behind a lock-free box is safe.
    /// The last committed revision and the compacted revision. Only this process writes the
    /// file, so memory is the truth; readers use them instead of reading `meta` each time.
    private let revision: Mutex<Int64>
    private let compacted: Mutex<Int64>
    private let maxBatch: Int
    private let hub: WatchHub
    private let dispatch = DispatchQueue(label: "skiff.sqlite.writer")

    init(connection: SQLiteConnection, revision: Int64, compacted: Int64, maxBatch: Int, hub: WatchHub) {
        self.connection = connection
        self.revision = Mutex(revision)
        self.compacted = Mutex(compacted)
        self.maxBatch = max(1, maxBatch)
        self.hub = hub
    }

    var isClosed: Bool { queue.withLock { $0.closed } }
    var committedRevision: Int64 { revision.withLock { $0 } }
    var compactedRevision: Int64 { compacted.withLock { $0 } }

    func submit(_ operation: Operation) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let startDrain = queue.withLock { state -> Bool? in
                if state.closed { return nil }
                state.pending.append(Pending(operation: operation, continuation: continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            switch startDrain {
            case nil: continuation.resume(throwing: StoreError.unavailable("store is closed"))
            case true?: dispatch.async { self.drain() }
            case false?: break
            }
        }
    }

    /// Runs on `dispatch` until the queue is empty.
    private func drain() {
        while true {
            let batch = queue.withLock { state -> [Pending] in
                let count = min(state.pending.count, maxBatch)
                if count == 0 {
                    state.draining = false
                    return []
                }
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            // Compaction runs alone: it is a different kind of transaction.
            var writes: [Pending] = []
            for item in batch {
                if case .compact(let target) = item.operation {
                    commitWrites(writes)
                    writes.removeAll()
                    item.continuation.resume(with: Result { try compact(to: target) })
                } else {
                    writes.append(item)
                }
            }
            commitWrites(writes)
        }
    }

    private struct Row {
        var revision: Int64
        var createRevision: Int64
        var deleted: Bool
        var value: [UInt8]
    }

    private func latestRow(_ key: String) throws(StoreError) -> Row? {
        let statement = try connection.statement(SQLiteSchema.latest)
        statement.bind(1, text: key)
        guard try statement.step() else { return nil }
        return Row(revision: statement.int64(0), createRevision: statement.int64(1), deleted: statement.int64(2) != 0, value: statement.blob(3))
    }

    private func commitWrites(_ writes: [Pending]) {
        guard !writes.isEmpty else { return }
        let startRevision = revision.withLock { $0 }
        var next = startRevision
        var results: [Result<Outcome, any Error>] = []
        var events: [WatchEvent] = []
        do {
            try connection.execute("BEGIN IMMEDIATE")
            for item in writes {
                do {
                    let (outcome, event) = try apply(item.operation, at: next + 1)
                    next += 1
                    results.append(.success(outcome))
                    events.append(event)
                } catch {
                    results.append(.failure(error))
                }
            }
            if next > startRevision {
                let statement = try connection.statement(SQLiteSchema.writeMeta)
                statement.bind(1, text: "revision")
                statement.bind(2, next)
                try statement.run()
            }
            connection.resetAll()
            try connection.execute("COMMIT")
        } catch {
            connection.resetAll()
            try? connection.execute("ROLLBACK")
            let failure = error
            for item in writes { item.continuation.resume(throwing: failure) }
            return
        }
        revision.withLock { $0 = next }
        // Publish before replying, so a writer that reads its own write through a watch sees it.
        hub.publish(events)
        for (item, result) in zip(writes, results) { item.continuation.resume(with: result) }
    }

    /// Checks and inserts one write inside the open transaction.
    private func apply(_ operation: Operation, at revision: Int64) throws(StoreError) -> (Outcome, WatchEvent) {
        let key: String
        let newValue: [UInt8]?
        let current: Row?
        switch operation {
        case .create(let k, let value):
            key = k
            let row = try latestRow(k)
            if let row, !row.deleted { throw .alreadyExists(key: k) }
            newValue = value
            current = nil
        case .update(let k, let value, let expected):
            key = k
            guard let row = try latestRow(k), !row.deleted else { throw .notFound(key: k) }
            if row.revision != expected { throw .conflict(key: k, currentModRevision: row.revision) }
            newValue = value
            current = row
        case .delete(let k, let expected):
            key = k
            guard let row = try latestRow(k), !row.deleted else { throw .notFound(key: k) }
            if let expected, row.revision != expected { throw .conflict(key: k, currentModRevision: row.revision) }
            newValue = nil
            current = row
        case .compact:
            throw .unavailable("compaction is not a write")
        }
        let createRevision = current?.createRevision ?? revision
        let statement = try connection.statement(SQLiteSchema.insert)
        statement.bind(1, revision)
        statement.bind(2, text: key)
        statement.bind(3, createRevision)
        statement.bind(4, current?.revision ?? 0)
        statement.bind(5, newValue == nil ? 1 : 0)
        statement.bind(6, blob: newValue ?? [])
        try statement.run()
        let previous = current.map { KeyValue(key: key, value: $0.value, createRevision: $0.createRevision, modRevision: $0.revision) }
        let kv = KeyValue(key: key, value: newValue ?? [], createRevision: createRevision, modRevision: revision)
        return (Outcome(revision: revision, previous: previous), WatchEvent(kind: newValue == nil ? .delete : .put, kv: kv, previous: previous))
    }

    private func compact(to target: Int64) throws -> Outcome {
        let current = revision.withLock { $0 }
        if target > current { throw StoreError.futureRevision(requested: target, currentRevision: current) }
        try connection.execute("BEGIN IMMEDIATE")
        do {
            let previous = try SQLiteStore.meta("compacted", on: connection)
            if target <= previous { throw StoreError.compacted(requested: target, compactedRevision: previous) }
            for sql in [SQLiteSchema.compactSuperseded, SQLiteSchema.compactTombstones] {
                let statement = try connection.statement(sql)
                statement.bind(1, target)
                try statement.run()
            }
            let statement = try connection.statement(SQLiteSchema.writeMeta)
            statement.bind(1, text: "compacted")
            statement.bind(2, target)
            try statement.run()
            // Publish the new bound before rows go, so a read that overlaps the delete notices.
            compacted.withLock { $0 = target }
            connection.resetAll()
            try connection.execute("COMMIT")
        } catch {
            connection.resetAll()
            try? connection.execute("ROLLBACK")
            compacted.withLock { $0 = (try? SQLiteStore.meta("compacted", on: connection)) ?? $0 }
            throw error
        }
        return Outcome(revision: current, previous: nil)
    }

    /// Refuses new writes, lets queued ones finish, then returns.
    func close() async {
        let alreadyClosed = queue.withLock { state -> Bool in
            defer { state.closed = true }
            return state.closed
        }
        if alreadyClosed { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            dispatch.async { continuation.resume() }
        }
        // Anything still queued was submitted before close and never drained.
        let leftover = queue.withLock { state -> [Pending] in
            defer { state.pending.removeAll() }
            return state.pending
        }
        for item in leftover { item.continuation.resume(throwing: StoreError.unavailable("store is closed")) }
    }
}
