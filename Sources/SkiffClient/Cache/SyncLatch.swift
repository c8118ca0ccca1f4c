import Synchronization

/// A one-way latch: `wait()` returns once `open()` was called (at once if it was already).
/// Cancelling a waiter makes its `wait()` throw `CancellationError`.
final class SyncLatch: Sendable {
    private struct State {
        var open = false
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var cancelled: Set<Int> = []
        var nextID = 0
    }
    private let state = Mutex(State())

    var isOpen: Bool { state.withLock { $0.open } }

    func open() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.open = true
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    func wait() async throws {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let action = state.withLock { s -> Int in
                    if s.open { return 1 }
                    if s.cancelled.remove(id) != nil { return 2 }
                    s.waiters[id] = c
                    return 0
                }
                if action == 1 { c.resume() } else if action == 2 { c.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                if let c = s.waiters.removeValue(forKey: id) { return c }
                s.cancelled.insert(id)
                return nil
            }
            c?.resume(throwing: CancellationError())
        }
    }
}
