import Foundation
import Synchronization

/// What a controller is waiting to see in its informer after its own writes (upstream
/// `UIDTrackingControllerExpectations`): while creations or deletions are outstanding the
/// controller must not act on the (stale) cache again, or a slow informer would make it
/// create or delete twice. Records expire after `timeout` so a lost event cannot wedge a key.
final class Expectations: Sendable {
    private struct Record {
        var adds: Int
        var deletes: Set<String>
        var since: ContinuousClock.Instant
    }

    private let records = Mutex<[String: Record]>([:])
    let timeout: Duration

    init(timeout: Duration = .seconds(300)) { self.timeout = timeout }

    /// True when nothing is outstanding for `key` (or the expectation is older than `timeout`).
    func satisfied(_ key: String) -> Bool {
        records.withLock { r in
            guard let e = r[key] else { return true }
            if e.adds <= 0 && e.deletes.isEmpty { return true }
            return ContinuousClock.now - e.since > timeout
        }
    }

    func expectCreations(_ key: String, _ count: Int) {
        records.withLock { $0[key] = Record(adds: count, deletes: [], since: .now) }
    }

    func expectDeletions(_ key: String, _ podKeys: [String]) {
        records.withLock { $0[key] = Record(adds: 0, deletes: Set(podKeys), since: .now) }
    }

    /// Creations and deletions at once (a DaemonSet sync may do both).
    func expect(_ key: String, creations: Int, deletions podKeys: [String]) {
        records.withLock { $0[key] = Record(adds: creations, deletes: Set(podKeys), since: .now) }
    }

    func creationObserved(_ key: String) {
        records.withLock { r in r[key]?.adds -= 1 }
    }

    func deletionObserved(_ key: String, podKey: String) {
        records.withLock { r in _ = r[key]?.deletes.remove(podKey) }
    }

    func forget(_ key: String) {
        records.withLock { _ = $0.removeValue(forKey: key) }
    }

    /// (outstanding creations, outstanding deletions) for tests and logs.
    func pending(_ key: String) -> (adds: Int, deletes: Int) {
        records.withLock { r in (r[key]?.adds ?? 0, r[key]?.deletes.count ?? 0) }
    }
}
