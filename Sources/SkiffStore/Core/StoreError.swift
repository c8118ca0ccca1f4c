/// The closed set of store failures. The API server maps each to a Kubernetes `Status` reason
/// (`.notFound` → NotFound, `.conflict` → Conflict, `.compacted` → Gone/Expired, …).
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(key: String)
    case alreadyExists(key: String)
    /// A compare-and-swap lost: `currentModRevision` is the key's mod revision now (0 if absent).
    case conflict(key: String, currentModRevision: Int64)
    /// The requested revision is at or below the compacted revision.
    case compacted(requested: Int64, compactedRevision: Int64)
    /// The requested revision has not been written yet.
    case futureRevision(requested: Int64, currentRevision: Int64)
    case valueTooLarge(size: Int, limit: Int)
    case invalidKey(String)
    /// The backend cannot serve the request now (closed, disconnected, I/O failure).
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound(let key): "key not found: \(key)"
        case .alreadyExists(let key): "key already exists: \(key)"
        case .conflict(let key, let rev): "conflict on \(key): current mod revision is \(rev)"
        case .compacted(let requested, let compacted): "revision \(requested) has been compacted (compacted revision \(compacted))"
        case .futureRevision(let requested, let current): "revision \(requested) is newer than the current revision \(current)"
        case .valueTooLarge(let size, let limit): "value of \(size) bytes exceeds the limit of \(limit) bytes"
        case .invalidKey(let why): "invalid key: \(why)"
        case .unavailable(let why): "store unavailable: \(why)"
        }
    }
}
