import Foundation
import Synchronization
import Testing
@testable import SkiffClient

@Suite("Work queue: de-duplication, one worker per key, back-off, shutdown", .timeLimit(.minutes(1)))
struct WorkQueueTests {
    @Test("a key added several times before it is taken is handed out once")
    func deduplicates() async {
        let q = WorkQueue<String>()
        q.add("a")
        q.add("b")
        q.add("a")
        q.add("a")
        #expect(q.count == 2)
        #expect(await q.get() == "a")
        #expect(await q.get() == "b")
        #expect(q.count == 0)
    }

    @Test("a key added while a worker processes it is held back until done, then handed out again")
    func oneWorkerPerKey() async {
        let q = WorkQueue<String>()
        q.add("a")
        let first = await q.get()
        #expect(first == "a")
        q.add("a")
        #expect(q.count == 0)  // not queued while processing
        q.add("b")
        #expect(await q.get() == "b")
        q.done("a")
        #expect(q.count == 1)
        #expect(await q.get() == "a")
    }

    @Test("with many workers no key is processed by two at once and every add is seen")
    func concurrentWorkers() async {
        let q = WorkQueue<Int>()
        let inFlight = Locked<Set<Int>>([])
        let overlaps = Locked(0)
        let processed = Locked(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    while let key = await q.get() {
                        let clash = inFlight.update { !$0.insert(key).inserted }
                        if clash { overlaps.update { $0 += 1 } }
                        await Task.yield()
                        inFlight.update { _ = $0.remove(key) }
                        processed.update { $0 += 1 }
                        q.done(key)
                    }
                }
            }
            for i in 0..<2000 { q.add(i % 10) }
            await q.shutDownWithDrain()
        }
        #expect(overlaps.value == 0)
        #expect(processed.value >= 10)
    }

    @Test("the controller rate limiter backs off 5 ms doubling per failure up to 1000 s; forget resets")
    func backoff() {
        var limiter = ControllerRateLimiter<String>(qps: 1_000_000, burst: 1_000_000)
        let now = ContinuousClock.now
        #expect(limiter.when("k", now: now) == .milliseconds(5))
        #expect(limiter.when("k", now: now) == .milliseconds(10))
        #expect(limiter.when("k", now: now) == .milliseconds(20))
        #expect(limiter.numRequeues("k") == 3)
        #expect(limiter.when("other", now: now) == .milliseconds(5))
        for _ in 0..<30 { _ = limiter.when("k", now: now) }
        #expect(limiter.when("k", now: now) == .seconds(1000))
        limiter.forget("k")
        #expect(limiter.numRequeues("k") == 0)
        #expect(limiter.when("k", now: now) == .milliseconds(5))
    }

    @Test("the overall token bucket (10 qps, burst 100) limits many distinct keys")
    func overallBucket() {
        var limiter = ControllerRateLimiter<Int>()
        let now = ContinuousClock.now
        for i in 0..<100 { #expect(limiter.when(i, now: now) == .milliseconds(5)) }
        #expect(limiter.when(100, now: now) == .milliseconds(100))
        #expect(limiter.when(101, now: now) == .milliseconds(200))
    }

    @Test("addAfter hands the key out only after the delay; addRateLimited counts requeues")
    func delayed() async {
        let q = WorkQueue<String>()
        let start = ContinuousClock.now
        q.addAfter("later", .milliseconds(50))
        #expect(q.count == 0)
        #expect(await q.get() == "later")
        #expect(ContinuousClock.now - start >= .milliseconds(50))
        q.done("later")
        q.addRateLimited("later")
        q.addRateLimited("later")
        #expect(q.numRequeues("later") == 2)
        #expect(await q.get() == "later")
        q.forget("later")
        #expect(q.numRequeues("later") == 0)
    }

    @Test("an earlier addAfter wakes a worker already waiting for a later one")
    func earlierDelayRearms() async {
        let q = WorkQueue<String>()
        q.addAfter("slow", .seconds(30))
        await withTaskGroup(of: String?.self) { group in
            group.addTask { await q.get() }
            _ = try? await eventually { q.waitingWorkers == 1 }
            q.addAfter("fast", .milliseconds(10))
            #expect(await group.next() == "fast")
            q.shutDown()
        }
    }

    @Test("shutDown lets workers take what is queued, then get returns nil; adds are ignored")
    func shutdownDrains() async {
        let q = WorkQueue<String>()
        q.add("a")
        q.add("b")
        q.shutDown()
        q.add("c")
        #expect(await q.get() == "a")
        #expect(await q.get() == "b")
        #expect(await q.get() == nil)
        #expect(q.isShuttingDown)
    }

    @Test("a waiting get returns nil when the queue shuts down or the task is cancelled")
    func waitingGetEnds() async {
        let q = WorkQueue<String>()
        await withTaskGroup(of: String?.self) { group in
            group.addTask { await q.get() }
            _ = try? await eventually { q.waitingWorkers == 1 }
            q.shutDown()
            #expect(await group.next() == .some(nil))
        }
        let q2 = WorkQueue<String>()
        let task = Task { await q2.get() }
        _ = try? await eventually { q2.waitingWorkers == 1 }
        task.cancel()
        #expect(await task.value == nil)
    }
}
