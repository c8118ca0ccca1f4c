import Synchronization

/// The highest store revision every watch cache has applied. Readers wait on it to get
/// read-your-writes and consistent reads from the caches.
final class RevisionClock: Sendable {
    private struct Waiter {
        var revision: Int64
        var continuation: CheckedContinuation<Bool, Never>
    }
    private struct State {
        var current: Int64 = -1
        var waiters: [Int: Waiter] = [:]
        var nextID = 0
    }
    private let state = Mutex(State())

    var current: Int64 { state.withLock { $0.current } }

    func advance(to revision: Int64) {
        let ready: [CheckedContinuation<Bool, Never>] = state.withLock { s in
            guard revision > s.current else { return [] }
            s.current = revision
            var ready: [CheckedContinuation<Bool, Never>] = []
            for (id, w) in s.waiters where w.revision <= revision {
                ready.append(w.continuation)
                s.waiters.removeValue(forKey: id)
            }
            return ready
        }
        for c in ready { c.resume(returning: true) }
    }

    /// Waits until `current >= revision`; false after `timeout` or on cancellation.
    func wait(for revision: Int64, timeout: Duration = .seconds(5)) async -> Bool {
        if current >= revision { return true }
        let id = state.withLock { s -> Int in s.nextID += 1; return s.nextID }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                        let resumeNow = self.state.withLock { s -> Bool in
                            if s.current >= revision || Task.isCancelled { return true }
                            s.waiters[id] = Waiter(revision: revision, continuation: c)
                            return false
                        }
                        if resumeNow { c.resume(returning: self.current >= revision) }
                    }
                } onCancel: {
                    self.cancel(id)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || self.current >= revision
        }
    }

    private func cancel(_ id: Int) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume(returning: false)
    }
}
