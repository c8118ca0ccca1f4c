import CSQLite

/// One SQLite connection with a cache of prepared statements. Not thread-safe: the writer owns
/// one, readers borrow one from `SQLiteConnectionPool` for the length of a read.
final class SQLiteConnection: @unchecked Sendable {
    let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    init(path: String) throws(StoreError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "code \(rc)"
            if let db { sqlite3_close_v2(db) }
            throw .unavailable("cannot open \(path): \(message)")
        }
        handle = db
        sqlite3_busy_timeout(db, 10_000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Ends every cached statement's pending step. A stepped-but-not-reset statement keeps its
    /// read snapshot open, which would pin readers to an old revision and block checkpoints.
    func resetAll() {
        for statement in statements.values { sqlite3_reset(statement) }
    }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    func execute(_ sql: String) throws(StoreError) {
        var message: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &message) != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? lastError
            sqlite3_free(message)
            throw .unavailable("sqlite: \(text) (in \(sql.prefix(60)))")
        }
    }

    /// A prepared, reset statement for `sql` (compiled once per connection).
    func statement(_ sql: String) throws(StoreError) -> Statement {
        if let cached = statements[sql] {
            sqlite3_reset(cached)
            sqlite3_clear_bindings(cached)
            return Statement(handle: cached, connection: self)
        }
        var prepared: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &prepared, nil) == SQLITE_OK, let prepared else {
            throw .unavailable("sqlite prepare: \(lastError)")
        }
        statements[sql] = prepared
        return Statement(handle: prepared, connection: self)
    }
}

/// SQLite copies bound values at once (SQLITE_TRANSIENT), so callers may pass temporaries.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

struct Statement {
    let handle: OpaquePointer
    let connection: SQLiteConnection

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, text: String) {
        sqlite3_bind_text(handle, index, text, -1, transient)
    }

    /// Binds raw bytes as TEXT: range ends need not be valid UTF-8, and BINARY collation
    /// compares TEXT with memcmp, so they order exactly like keys.
    func bind(_ index: Int32, textBytes: [UInt8]) {
        if textBytes.isEmpty {
            sqlite3_bind_text(handle, index, "", 0, transient)
            return
        }
        textBytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                _ = sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), transient)
            }
        }
    }

    func bind(_ index: Int32, blob: [UInt8]) {
        if blob.isEmpty {
            sqlite3_bind_zeroblob(handle, index, 0)
            return
        }
        blob.withUnsafeBytes { _ = sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
    }

    /// Advances; true when a row is available.
    func step() throws(StoreError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw .unavailable("sqlite: \(connection.lastError)")
        }
    }

    func run() throws(StoreError) {
        while try step() {}
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
