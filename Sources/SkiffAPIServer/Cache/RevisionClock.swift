import Synchronization

/// The highest store revision every watch cache has applied. Readers wait on it to get
/// read-your-writes and consistent reads from the caches.
///
/// Every write waits here once, so a wait is kept cheap: one continuation, no child tasks and
/// no timer of its own. Timeouts are enforced by one sweeper task that runs only while waiters
/// exist (a waiter may time out up to `sweepInterval` late).
final class RevisionClock: Sendable {
    private struct Waiter {
        var revision: Int64
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Bool, Never>
    }
    private struct State {
        var current: Int64 = -1
        var waiters: [Int: Waiter] = [:]
        var nextID = 0
        var sweeping = false
    }
    private let state = Mutex(State())
    static let sweepInterval: Duration = .milliseconds(250)

    var current: Int64 { state.withLock { $0.current } }

    func advance(to revision: Int64) {
        let ready: [CheckedContinuation<Bool, Never>] = state.withLock { s in
            guard revision > s.current else { return [] }
            s.current = revision
            guard !s.waiters.isEmpty else { return [] }
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
        let deadline = ContinuousClock.now + timeout
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let (resumeNow, startSweeper) = state.withLock { s -> (Bool, Bool) in
                    if s.current >= revision || Task.isCancelled { return (true, false) }
                    s.waiters[id] = Waiter(revision: revision, deadline: deadline, continuation: c)
                    if s.sweeping { return (false, false) }
                    s.sweeping = true
                    return (false, true)
                }
                if resumeNow { c.resume(returning: self.current >= revision) }
                if startSweeper { Task { await self.sweep() } }
            }
        } onCancel: {
            self.cancel(id)
        }
    }

    /// Fails waiters past their deadline; returns when none are left.
    private func sweep() async {
        while true {
            let now = ContinuousClock.now
            let (expired, more) = state.withLock { s -> ([CheckedContinuation<Bool, Never>], Bool) in
                var expired: [CheckedContinuation<Bool, Never>] = []
                for (id, w) in s.waiters where w.deadline <= now {
                    expired.append(w.continuation)
                    s.waiters.removeValue(forKey: id)
                }
                if s.waiters.isEmpty { s.sweeping = false }
                return (expired, !s.waiters.isEmpty)
            }
            for c in expired { c.resume(returning: false) }
            guard more else { return }
            try? await Task.sleep(for: Self.sweepInterval)
        }
    }

    private func cancel(_ id: Int) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume(returning: false)
    }
}
