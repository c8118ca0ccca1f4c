/// Compacts a store on a schedule, keeping the most recent `retainedRevisions` revisions of
/// history (what watchers that fell behind and paginated lists still need). kube-apiserver
/// does the same against etcd every five minutes.
public struct PeriodicCompactor: Sendable {
    public var store: any Store
    public var interval: Duration
    public var retainedRevisions: Int64

    public init(store: any Store, interval: Duration = .seconds(300), retainedRevisions: Int64 = 10_000) {
        self.store = store
        self.interval = interval
        self.retainedRevisions = retainedRevisions
    }

    /// One pass: compacts to `current - retainedRevisions` if that is ahead of the last compaction.
    /// Returns the revision compacted to, or nil when there was nothing to do.
    @discardableResult
    public func compactOnce() async throws -> Int64? {
        let target = try await store.currentRevision() - retainedRevisions
        guard target > 0, target > (try await store.compactedRevision()) else { return nil }
        do {
            try await store.compact(target)
        } catch StoreError.compacted {
            return nil // another server compacted further meanwhile
        }
        return target
    }

    /// Runs until the task is cancelled. Failures are retried at the next tick: compaction is
    /// housekeeping and must never take the server down.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            _ = try? await compactOnce()
        }
    }
}
