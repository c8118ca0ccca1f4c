/// A revisioned key/value store with etcd's semantics (DESIGN.md §3).
///
/// Contract shared by every backend:
/// - Keys are non-empty strings without NUL bytes; values are bytes up to `valueSizeLimit`.
/// - One store-wide revision increases by exactly one on every successful write.
/// - Writes are compare-and-swap on the key's mod revision; a successful write returns the
///   revision it was committed at, and is durable when the call returns.
/// - Reads are consistent at one revision; a `list` with a continue token stays at the
///   revision of its first page.
/// - Watches deliver every event of the prefix in revision order, exactly once, each with the
///   previous value of the key.
/// - Errors are always `StoreError`.
public protocol StoreReader: Sendable {
    /// The latest committed revision.
    func currentRevision() async throws -> Int64

    /// The key's value at `revision` (the latest when `nil`), or `nil` if it did not exist then.
    /// Throws `.compacted` when `revision` is below the compacted revision and `.futureRevision`
    /// when it is above the current one.
    func get(_ key: String, atRevision revision: Int64?) async throws -> KeyValue?

    /// Keys starting with `prefix`, in key order, consistent at one revision.
    /// - Parameters:
    ///   - revision: read at this revision; `nil` means the current revision.
    ///   - limit: at most this many items (`nil` or 0: no limit).
    ///   - continueAfter: only keys strictly greater than this (the last key of the previous page).
    func list(prefix: String, atRevision revision: Int64?, limit: Int?, continueAfter: String?) async throws -> ListResult
}

public protocol StoreWriter: Sendable {
    /// Creates `key`; throws `.alreadyExists` if it is present. Returns the new revision.
    func create(_ key: String, value: [UInt8]) async throws -> Int64

    /// Replaces `key` if its mod revision is still `expectedModRevision`; otherwise throws
    /// `.conflict` carrying the key's current mod revision (0 if absent) — or `.notFound` when the key
    /// does not exist. Returns the new revision.
    func update(_ key: String, value: [UInt8], expectedModRevision: Int64) async throws -> Int64

    /// Deletes `key`, if `expectedModRevision` is given only when it still matches (else `.conflict`).
    /// Throws `.notFound` when absent. Returns the deletion revision and the value deleted.
    func delete(_ key: String, expectedModRevision: Int64?) async throws -> (revision: Int64, deleted: KeyValue)
}

public protocol StoreWatcher: Sendable {
    /// An ordered stream of the events under `prefix`.
    /// - Parameter startRevision: deliver events with revision ≥ this; `nil` means only events
    ///   after the current revision. Throws `.compacted` if `startRevision` ≤ the compacted revision.
    /// The stream ends (with an error) only if the store is closed or the backend fails; cancelling
    /// the consuming task releases the watch.
    func watch(prefix: String, startRevision: Int64?) async throws -> WatchStream
}

public protocol StoreCompactor: Sendable {
    /// Forgets history: after it, reads below `revision` and watches from `revision` or below
    /// fail with `.compacted`. The state at `revision` itself stays readable.
    func compact(_ revision: Int64) async throws
    /// The highest revision compacted so far (0 if none).
    func compactedRevision() async throws -> Int64
}

/// The full store: what the API server and the benchmarks use.
public protocol Store: StoreReader, StoreWriter, StoreWatcher, StoreCompactor {
    /// Releases connections and ends all watches.
    func close() async
}

/// One stored key at one revision.
public struct KeyValue: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]
    /// Revision at which the key was (last) created.
    public var createRevision: Int64
    /// Revision of the write that produced this value.
    public var modRevision: Int64

    public init(key: String, value: [UInt8], createRevision: Int64, modRevision: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
    }
}

public struct ListResult: Sendable, Equatable {
    public var items: [KeyValue]
    /// The revision the list is consistent at (pass it back for the next page).
    public var revision: Int64
    /// Whether more keys follow the last item.
    public var more: Bool

    public init(items: [KeyValue], revision: Int64, more: Bool) {
        self.items = items
        self.revision = revision
        self.more = more
    }
}

public struct WatchEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case put, delete }
    public var kind: Kind
    /// For a put, the new value. For a delete, the key with an empty value, its
    /// `modRevision` being the deletion revision.
    public var kv: KeyValue
    /// The value before this event (nil for a create).
    public var previous: KeyValue?

    public var revision: Int64 { kv.modRevision }

    public init(kind: Kind, kv: KeyValue, previous: KeyValue?) {
        self.kind = kind
        self.kv = kv
        self.previous = previous
    }
}

public typealias WatchStream = AsyncThrowingStream<WatchEvent, any Error>
