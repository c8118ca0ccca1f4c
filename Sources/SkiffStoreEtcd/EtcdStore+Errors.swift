import GRPCCore
import SkiffStore

/// etcd's failures as they arrive in gRPC status messages (etcd's `rpctypes` error strings).
enum EtcdFailure: Equatable {
    /// "mvcc: required revision has been compacted"
    case compacted
    /// "mvcc: required revision is a future revision"
    case futureRevision
    /// "etcdserver: request is too large"
    case requestTooLarge
    case other(StoreError)

    init(_ error: any Error) {
        if let error = error as? StoreError {
            self = .other(error)
            return
        }
        guard let rpc = error as? RPCError else {
            if error is CancellationError {
                self = .other(.unavailable("request cancelled"))
            } else {
                self = .other(.unavailable("etcd client: \(error)"))
            }
            return
        }
        let message = rpc.message
        if message.contains("required revision has been compacted") {
            self = .compacted
        } else if message.contains("required revision is a future revision") {
            self = .futureRevision
        } else if message.contains("request is too large") {
            self = .requestTooLarge
        } else {
            switch rpc.code {
            case .cancelled: self = .other(.unavailable("request cancelled"))
            case .deadlineExceeded: self = .other(.unavailable("etcd did not answer in time: \(message)"))
            case .unavailable: self = .other(.unavailable("etcd unavailable: \(message)"))
            default: self = .other(.unavailable("etcd: \(rpc.code): \(message)"))
            }
        }
    }
}

extension EtcdStore {
    /// Runs one etcd call, turning any failure into a `StoreError`.
    /// - Parameters:
    ///   - revision: the revision the call reads at, reported in `.compacted`/`.futureRevision`.
    ///   - valueSize: the size of the value sent, reported in `.valueTooLarge`.
    func perform<R: Sendable>(
        revision: Int64? = nil,
        valueSize: Int = 0,
        _ body: () async throws -> R
    ) async throws(StoreError) -> R {
        try checkOpen()
        do {
            return try await body()
        } catch {
            throw await storeError(for: EtcdFailure(error), revision: revision, valueSize: valueSize)
        }
    }

    func storeError(for failure: EtcdFailure, revision: Int64?, valueSize: Int) async -> StoreError {
        switch failure {
        case .other(let error):
            return error
        case .requestTooLarge:
            return .valueTooLarge(size: valueSize, limit: limits.valueSizeLimit)
        case .compacted:
            let requested = revision ?? 0
            // etcd refuses a read at `requested` when requested < its compaction revision.
            let compacted = await learnCompactedRevision(below: requested)
            return .compacted(requested: requested, compactedRevision: compacted)
        case .futureRevision:
            let requested = revision ?? 0
            let current = (try? await currentRevision()) ?? max(requested - 1, 0)
            return .futureRevision(requested: requested, currentRevision: current)
        }
    }
}
