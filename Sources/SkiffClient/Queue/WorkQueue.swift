import Synchronization

/// A rate-limited, de-duplicating work queue with client-go's workqueue semantics:
/// - a key added several times before a worker takes it is processed once (`dirty` set);
/// - a key is handed to at most one worker at a time: added while processing, it is queued
///   again only when that worker calls `done` (`processing` set);
/// - `addAfter` delays a key; `addRateLimited` delays it by the controller rate limiter
///   (per-key exponential back-off and an overall token bucket); `forget` resets the back-off;
/// - `shutDown` stops new adds, lets workers take what is queued, then `get` returns nil;
///   `shutDownWithDrain` also waits for keys being processed.
/// Delayed keys are moved to the queue by waiting `get` calls (no task of its own).
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    enum Wake: Sendable { case item(Key), recheck }
    private enum GetStep { case item(Key), shutdown, wait(ContinuousClock.Instant?, Int) }

    struct State {
        var queue: [Key] = []
        var head = 0
        var dirty: Set<Key> = []
        var processing: Set<Key> = []
        var waiters: [(id: Int, continuation: CheckedContinuation<Wake, Never>)] = []
        var earlyWakes: Set<Int> = []
        var nextID = 0
        var delayed: [Key: ContinuousClock.Instant] = [:]
        var heap = DueHeap<Key>()
        var shuttingDown = false
        var limiter: ControllerRateLimiter<Key>
        var drainWaiters: [CheckedContinuation<Void, Never>] = []

        var queuedCount: Int { queue.count - head }

        mutating func pop() -> Key? {
            guard head < queue.count else { return nil }
            let key = queue[head]
            head += 1
            if head > 1024, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            dirty.remove(key)
            processing.insert(key)
            return key
        }

        /// Adds a key; returns a waiter to hand it to (the key is then already taken).
        mutating func insert(_ key: Key) -> (CheckedContinuation<Wake, Never>, Wake)? {
            guard !shuttingDown, !dirty.contains(key) else { return nil }
            dirty.insert(key)
            if processing.contains(key) { return nil }
            if !waiters.isEmpty {
                let w = waiters.removeFirst()
                dirty.remove(key)
                processing.insert(key)
                return (w.continuation, .item(key))
            }
            queue.append(key)
            return nil
        }

        /// Moves due delayed keys to the queue.
        mutating func promote(now: ContinuousClock.Instant) -> [(CheckedContinuation<Wake, Never>, Wake)] {
            var wakes: [(CheckedContinuation<Wake, Never>, Wake)] = []
            while let top = heap.peek(), top.due <= now {
                heap.pop()
                guard delayed[top.key] == top.due else { continue }
                delayed[top.key] = nil
                if let w = insert(top.key) { wakes.append(w) }
            }
            return wakes
        }

        mutating func nextDue() -> ContinuousClock.Instant? {
            while let top = heap.peek() {
                if delayed[top.key] == top.due { return top.due }
                heap.pop()
            }
            return nil
        }

        mutating func drainedWaiters() -> [CheckedContinuation<Void, Never>] {
            guard shuttingDown, processing.isEmpty, queuedCount == 0 else { return [] }
            defer { drainWaiters = [] }
            return drainWaiters
        }
    }

    private let state: Mutex<State>

    public init(rateLimiter: ControllerRateLimiter<Key> = ControllerRateLimiter()) {
        state = Mutex(State(limiter: rateLimiter))
    }

    private static func resume(_ wakes: [(CheckedContinuation<Wake, Never>, Wake)]) {
        for (c, w) in wakes { c.resume(returning: w) }
    }

    /// Queues `key` unless it is already waiting; ignored after `shutDown`.
    public func add(_ key: Key) {
        let wake = state.withLock { $0.insert(key) }
        if let wake { Self.resume([wake]) }
    }

    /// Queues `key` after `delay` (at once when not positive). An earlier pending delay wins.
    public func addAfter(_ key: Key, _ delay: Duration) {
        guard delay > .zero else { return add(key) }
        let due = ContinuousClock.now + delay
        let wake = state.withLock { s -> (CheckedContinuation<Wake, Never>, Wake)? in
            guard !s.shuttingDown else { return nil }
            if let existing = s.delayed[key], existing <= due { return nil }
            let earliest = s.nextDue()
            s.delayed[key] = due
            s.heap.push(due: due, key: key)
            // A waiter may be sleeping until a later deadline: wake one to re-arm its timer.
            guard earliest.map({ due < $0 }) ?? true, !s.waiters.isEmpty else { return nil }
            return (s.waiters.removeFirst().continuation, .recheck)
        }
        if let wake { Self.resume([wake]) }
    }

    /// Queues `key` after its rate-limited back-off (a failed reconcile).
    public func addRateLimited(_ key: Key) {
        let delay = state.withLock { $0.limiter.when(key, now: .now) }
        addAfter(key, delay)
    }

    /// Clears `key`'s failure count (a successful reconcile).
    public func forget(_ key: Key) { state.withLock { $0.limiter.forget(key) } }

    public func numRequeues(_ key: Key) -> Int { state.withLock { $0.limiter.numRequeues(key) } }

    /// Keys ready to be taken (not counting delayed or processing ones).
    public var count: Int { state.withLock { $0.queuedCount } }

    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    /// Workers blocked in `get()` (for tests and metrics).
    var waitingWorkers: Int { state.withLock { $0.waiters.count } }

    /// Marks `key` finished; if it was added meanwhile it is queued again.
    public func done(_ key: Key) {
        let (wakes, drained) = state.withLock { s -> ([(CheckedContinuation<Wake, Never>, Wake)], [CheckedContinuation<Void, Never>]) in
            s.processing.remove(key)
            var wakes: [(CheckedContinuation<Wake, Never>, Wake)] = []
            if s.dirty.contains(key) {
                if !s.waiters.isEmpty {
                    let w = s.waiters.removeFirst()
                    s.dirty.remove(key)
                    s.processing.insert(key)
                    wakes.append((w.continuation, .item(key)))
                } else {
                    s.queue.append(key)
                }
            }
            return (wakes, s.drainedWaiters())
        }
        Self.resume(wakes)
        for d in drained { d.resume() }
    }

    /// The next key, waiting for one; nil once the queue is shut down and empty, or when the
    /// calling task is cancelled. Call `done` with the key when finished.
    public func get() async -> Key? {
        while !Task.isCancelled {
            let (step, wakes) = state.withLock { s -> (GetStep, [(CheckedContinuation<Wake, Never>, Wake)]) in
                let wakes = s.promote(now: .now)
                if let key = s.pop() { return (.item(key), wakes) }
                if s.shuttingDown { return (.shutdown, wakes) }
                s.nextID += 1
                return (.wait(s.nextDue(), s.nextID), wakes)
            }
            Self.resume(wakes)
            switch step {
            case .item(let key): return key
            case .shutdown: return nil
            case .wait(let due, let id):
                if case .item(let key) = await wait(id: id, until: due) { return key }
            }
        }
        return nil
    }

    private func wait(id: Int, until due: ContinuousClock.Instant?) async -> Wake {
        defer { state.withLock { _ = $0.earlyWakes.remove(id) } }
        return await withTaskGroup(of: Void.self) { group in
            if let due {
                group.addTask {
                    do {
                        try await Task.sleep(until: due)
                        self.wake(id)
                    } catch {}
                }
            }
            let result = await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Wake, Never>) in
                    let early = state.withLock { s -> Bool in
                        if s.earlyWakes.remove(id) != nil || s.shuttingDown { return true }
                        s.waiters.append((id, c))
                        return false
                    }
                    if early { c.resume(returning: .recheck) }
                }
            } onCancel: {
                self.wake(id)
            }
            group.cancelAll()
            return result
        }
    }

    /// Wakes waiter `id` to re-check the queue (its timer fired, or it was cancelled).
    private func wake(_ id: Int) {
        let c = state.withLock { s -> CheckedContinuation<Wake, Never>? in
            if let i = s.waiters.firstIndex(where: { $0.id == id }) { return s.waiters.remove(at: i).continuation }
            s.earlyWakes.insert(id)
            return nil
        }
        c?.resume(returning: .recheck)
    }

    /// Stops accepting keys and drops delayed ones; workers still get what is queued, then nil.
    public func shutDown() {
        let (waiters, drained) = state.withLock { s -> ([CheckedContinuation<Wake, Never>], [CheckedContinuation<Void, Never>]) in
            s.shuttingDown = true
            s.delayed = [:]
            s.heap = DueHeap()
            // Waiters exist only when nothing is queued, so all of them can be told to stop.
            defer { s.waiters = [] }
            return (s.waiters.map(\.continuation), s.drainedWaiters())
        }
        for w in waiters { w.resume(returning: .recheck) }
        for d in drained { d.resume() }
    }

    /// `shutDown`, then waits until every queued and processing key is done.
    public func shutDownWithDrain() async {
        shutDown()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                if s.processing.isEmpty, s.queuedCount == 0 { return true }
                s.drainWaiters.append(c)
                return false
            }
            if done { c.resume() }
        }
    }
}

/// A binary min-heap of (due, key); stale entries are skipped by the queue.
struct DueHeap<Key: Sendable>: Sendable {
    private var items: [(due: ContinuousClock.Instant, key: Key)] = []

    func peek() -> (due: ContinuousClock.Instant, key: Key)? { items.first }

    mutating func push(due: ContinuousClock.Instant, key: Key) {
        items.append((due, key))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].due < items[parent].due else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count, items[l].due < items[m].due { m = l }
            if r < items.count, items[r].due < items[m].due { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
    }
}
