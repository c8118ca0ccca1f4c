import CSQLite
import Dispatch
import Foundation
import Synchronization

/// The embedded default store (DESIGN.md §3): SQLite in WAL mode with `synchronous=FULL`, so a
/// write is on disk before its call returns. Concurrent writers are grouped into one transaction
/// by `SQLiteWriter` (one fsync per group); reads run on a small pool of connections off the
/// cooperative thread pool, each inside a read transaction so it sees one revision.
public final class SQLiteStore: Store {
    public struct Options: Sendable {
        public var limits: StoreLimits
        /// At most this many writes share one transaction.
        public var maxBatch: Int
        /// Read connections kept open.
        public var readConnections: Int

        public init(limits: StoreLimits = .init(), maxBatch: Int = 512, readConnections: Int = 4) {
            self.limits = limits
            self.maxBatch = maxBatch
            self.readConnections = readConnections
        }
    }

    public let path: String
    let options: Options
    let writer: SQLiteWriter
    let hub: WatchHub
    private let readers: SQLiteConnectionPool

    /// Opens (creating if needed) the database at `path`. Throws `.unavailable` when the file
    /// cannot be opened or was written by a newer schema version.
    public static func open(path: String, options: Options = .init()) async throws -> SQLiteStore {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try SQLiteStore(path: path, options: options) })
            }
        }
    }

    public static func open(path: String, limits: StoreLimits) async throws -> SQLiteStore {
        try await open(path: path, options: Options(limits: limits))
    }

    private init(path: String, options: Options) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA journal_mode=WAL")
        // FULL: the WAL is fsynced at every commit, so an acknowledged write survives power loss.
        try connection.execute("PRAGMA synchronous=FULL")
        try connection.execute("BEGIN IMMEDIATE")
        do {
            try connection.execute(SQLiteSchema.create)
            let schema = try Self.meta("schema_version", on: connection)
            if schema > SQLiteSchema.version {
                throw StoreError.unavailable("\(path) has schema version \(schema), newer than this Skiff (\(SQLiteSchema.version))")
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        let revision = try Self.meta("revision", on: connection)
        let compacted = try Self.meta("compacted", on: connection)
        self.path = path
        self.options = options
        self.hub = WatchHub(currentRevision: revision)
        self.writer = SQLiteWriter(connection: connection, revision: revision, compacted: compacted, maxBatch: options.maxBatch, hub: hub)
        self.readers = SQLiteConnectionPool(path: path, size: options.readConnections)
    }

    static func meta(_ name: String, on connection: SQLiteConnection) throws(StoreError) -> Int64 {
        let statement = try connection.statement(SQLiteSchema.readMeta)
        statement.bind(1, text: name)
        guard try statement.step() else { throw .unavailable("sqlite: meta row \(name) missing") }
        return statement.int64(0)
    }

    // MARK: reads

    /// Runs `body` on a pooled connection, off the cooperative pool. `body` gets the committed
    /// revision and the compacted revision; every query filters on `revision <= R`, and the log
    /// is append-only, so a read at a committed R is consistent without a transaction. Only a
    /// compaction racing past R can change old rows: the compacted bound is checked again after.
    func read<T: Sendable>(atLeast requested: Int64? = nil, _ body: @escaping @Sendable (SQLiteConnection, _ revision: Int64, _ compacted: Int64) throws -> T) async throws -> T {
        if writer.isClosed { throw StoreError.unavailable("store is closed") }
        return try await readers.withConnection { [writer] connection in
            defer { connection.resetAll() }
            let revision = writer.committedRevision
            let result = try body(connection, revision, writer.compactedRevision)
            let compactedAfter = writer.compactedRevision
            if let requested, requested < compactedAfter {
                throw StoreError.compacted(requested: requested, compactedRevision: compactedAfter)
            }
            return result
        }
    }

    static func checkReadable(_ requested: Int64, current: Int64, compacted: Int64) throws(StoreError) {
        if requested > current { throw .futureRevision(requested: requested, currentRevision: current) }
        if requested < compacted { throw .compacted(requested: requested, compactedRevision: compacted) }
    }

    public func currentRevision() async throws -> Int64 {
        if writer.isClosed { throw StoreError.unavailable("store is closed") }
        return writer.committedRevision
    }

    public func compactedRevision() async throws -> Int64 {
        if writer.isClosed { throw StoreError.unavailable("store is closed") }
        return writer.compactedRevision
    }

    public func get(_ key: String, atRevision revision: Int64?) async throws -> KeyValue? {
        try options.limits.check(key: key)
        return try await read(atLeast: revision) { connection, current, compacted in
            let at = revision ?? current
            try Self.checkReadable(at, current: current, compacted: compacted)
            let statement = try connection.statement(SQLiteSchema.latestAt)
            statement.bind(1, text: key)
            statement.bind(2, at)
            guard try statement.step(), statement.int64(2) == 0 else { return nil }
            return KeyValue(key: key, value: statement.blob(3), createRevision: statement.int64(1), modRevision: statement.int64(0))
        }
    }

    public func list(prefix: String, atRevision revision: Int64?, limit: Int?, continueAfter: String?) async throws -> ListResult {
        let pageSize = (limit ?? 0) > 0 ? limit! : Int.max
        return try await read(atLeast: revision) { connection, current, compacted in
            let at = revision ?? current
            try Self.checkReadable(at, current: current, compacted: compacted)
            let upper = prefix.prefixRangeEnd
            let statement = try connection.statement(upper == nil ? SQLiteSchema.listFrom : SQLiteSchema.listRange)
            statement.bind(1, text: prefix)
            if let upper { statement.bind(2, textBytes: upper) }
            statement.bind(4, text: continueAfter ?? "")
            statement.bind(3, at)
            var items: [KeyValue] = []
            while try statement.step() {
                if statement.int64(3) != 0 { continue }
                if items.count == pageSize { return ListResult(items: items, revision: at, more: true) }
                items.append(KeyValue(key: statement.text(0), value: statement.blob(4), createRevision: statement.int64(2), modRevision: statement.int64(1)))
            }
            return ListResult(items: items, revision: at, more: false)
        }
    }

    /// Events under `prefix` with `from ≤ revision ≤ through` (watch replay).
    func history(prefix: String, from: Int64, through: Int64) async throws -> [WatchEvent] {
        try await read(atLeast: from) { connection, _, compacted in
            if from <= compacted { throw StoreError.compacted(requested: from, compactedRevision: compacted) }
            let upper = prefix.prefixRangeEnd
            let statement = try connection.statement(upper == nil ? SQLiteSchema.historyFrom : SQLiteSchema.historyRange)
            statement.bind(1, from)
            statement.bind(2, through)
            statement.bind(3, text: prefix)
            if let upper { statement.bind(4, textBytes: upper) }
            var events: [WatchEvent] = []
            while try statement.step() {
                let key = statement.text(1)
                let deleted = statement.int64(3) != 0
                let kv = KeyValue(key: key, value: deleted ? [] : statement.blob(4), createRevision: statement.int64(2), modRevision: statement.int64(0))
                let previous = statement.isNull(5) ? nil : KeyValue(key: key, value: statement.blob(7), createRevision: statement.int64(6), modRevision: statement.int64(5))
                events.append(WatchEvent(kind: deleted ? .delete : .put, kv: kv, previous: previous))
            }
            return events
        }
    }

    // MARK: writes

    public func create(_ key: String, value: [UInt8]) async throws -> Int64 {
        try options.limits.check(key: key, value: value)
        return try await writer.submit(.create(key: key, value: value)).revision
    }

    public func update(_ key: String, value: [UInt8], expectedModRevision: Int64) async throws -> Int64 {
        try options.limits.check(key: key, value: value)
        return try await writer.submit(.update(key: key, value: value, expected: expectedModRevision)).revision
    }

    public func delete(_ key: String, expectedModRevision: Int64?) async throws -> (revision: Int64, deleted: KeyValue) {
        try options.limits.check(key: key)
        let outcome = try await writer.submit(.delete(key: key, expected: expectedModRevision))
        guard let deleted = outcome.previous else { throw StoreError.unavailable("delete returned no value") }
        return (outcome.revision, deleted)
    }

    public func compact(_ revision: Int64) async throws {
        _ = try await writer.submit(.compact(revision: revision))
    }

    // MARK: watch

    public func watch(prefix: String, startRevision: Int64?) async throws -> WatchStream {
        if writer.isClosed { throw StoreError.unavailable("store is closed") }
        if let start = startRevision {
            let compacted = try await compactedRevision()
            if start <= compacted { throw StoreError.compacted(requested: start, compactedRevision: compacted) }
        }
        return try await hub.subscribe(prefix: prefix, startRevision: startRevision) { [self] prefix, from, through in
            try await self.history(prefix: prefix, from: from, through: through)
        }
    }

    public func close() async {
        await writer.close()
        readers.close()
        hub.close()
    }
}

/// A fixed set of reader threads, each owning one connection, fed from one queue. Fixed
/// threads rather than a dispatch queue: blocking reads would make Dispatch grow threads, and
/// connections would churn.
final class SQLiteConnectionPool: Sendable {
    typealias Job = @Sendable (SQLiteConnection?) -> Void

    private struct Queue {
        var jobs: [Job] = []
        var head = 0
        var closed = false
    }

    private let queue = Mutex(Queue())
    private let wakeup = NSCondition()
    private let path: String

    init(path: String, size: Int) {
        self.path = path
        for index in 0..<max(1, size) {
            let thread = Thread { [self] in self.work() }
            thread.name = "skiff.sqlite.reader.\(index)"
            thread.start()
        }
    }

    /// Runs `body` on a reader thread with its connection; suspends the caller meanwhile.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = queue.withLock { state -> Bool in
                if state.closed { return false }
                state.jobs.append { connection in
                    guard let connection else {
                        continuation.resume(throwing: StoreError.unavailable("cannot open a read connection"))
                        return
                    }
                    continuation.resume(with: Result { try body(connection) })
                }
                return true
            }
            if accepted {
                wakeup.lock()
                wakeup.signal()
                wakeup.unlock()
            } else {
                continuation.resume(throwing: StoreError.unavailable("store is closed"))
            }
        }
    }

    private func next() -> Job?? {
        queue.withLock { state -> Job?? in
            if state.head < state.jobs.count {
                let job = state.jobs[state.head]
                state.head += 1
                if state.head > 1024 && state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return .some(job)
            }
            return state.closed ? .some(nil) : .none
        }
    }

    private func work() {
        let connection = try? SQLiteConnection(path: path)
        while true {
            wakeup.lock()
            var job = next()
            while job == nil {
                wakeup.wait()
                job = next()
            }
            wakeup.unlock()
            guard let runnable = job! else { return }
            runnable(connection)
        }
    }

    /// Lets queued reads finish, then stops the threads.
    func close() {
        queue.withLock { $0.closed = true }
        wakeup.lock()
        wakeup.broadcast()
        wakeup.unlock()
    }
}
