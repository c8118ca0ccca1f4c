import Foundation
import SkiffAPI
import Testing
@testable import SkiffScheduler

@Suite("Scheduling queue", .timeLimit(.minutes(2)))
struct QueueTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    @Test("the active queue pops higher priority first, then the earlier arrival")
    func ordering() {
        var q = SchedulingQueue()
        q.add(PodBuilder("low1").priority(1).info, now: t0)
        q.add(PodBuilder("high").priority(100).info, now: t0.addingTimeInterval(5))
        q.add(PodBuilder("low0").priority(1).info, now: t0.addingTimeInterval(-1))
        let popped1 = q.pop(now: t0)

        #expect(popped1?.pod.name == "high")
        let poppedLow0 = q.pop(now: t0)
        #expect(poppedLow0?.pod.name == "low0")
        let popped2 = q.pop(now: t0)

        #expect(popped2?.pod.name == "low1")
        let poppedNone = q.pop(now: t0)
        #expect(poppedNone == nil)
        #expect(q.schedulingCycle == 3)
    }

    @Test("back-off starts at 1 s and doubles to at most 10 s")
    func backoffDurations() {
        let q = SchedulingQueue()
        #expect((1 ... 6).map { q.backoffDuration(attempts: $0) } == [1, 2, 4, 8, 10, 10])
    }

    @Test("an unschedulable pod waits for a relevant event, then backs off before returning")
    func unschedulableMovesOnEvent() throws {
        var q = SchedulingQueue()
        q.add(PodBuilder("p").info, now: t0)
        let next = q.pop(now: t0)
        let popped = try #require(next)
        q.addUnschedulable(popped, plugins: [.nodeResourcesFit], cycle: q.schedulingCycle, now: t0)
        #expect(q.unschedulableCount == 1)
        // A label change cannot help a pod that lacked cpu.
        q.move(on: .nodeUpdated(.labels), now: t0.addingTimeInterval(0.1))
        #expect(q.unschedulableCount == 1)
        q.move(on: .assignedPodDeleted, now: t0.addingTimeInterval(0.2))
        #expect(q.unschedulableCount == 0)
        #expect(q.backoffCount == 1)
        let popped3 = q.pop(now: t0.addingTimeInterval(0.3))

        #expect(popped3 == nil)
        q.flushBackoffCompleted(now: t0.addingTimeInterval(0.5))
        #expect(q.backoffCount == 1)
        q.flushBackoffCompleted(now: t0.addingTimeInterval(1))
        let popped4 = q.pop(now: t0.addingTimeInterval(1))

        #expect(popped4?.attempts == 2)
    }

    @Test("a node being added retries pods rejected by any filter")
    func nodeAddMovesAll() throws {
        var q = SchedulingQueue()
        q.add(PodBuilder("p").info, now: t0)
        let next = q.pop(now: t0)
        let popped = try #require(next)
        q.addUnschedulable(popped, plugins: [.taintToleration], cycle: q.schedulingCycle, now: t0)
        q.move(on: .nodeAdded, now: t0.addingTimeInterval(5))
        #expect(q.activeCount == 1)
    }

    @Test("a move request during the pod's cycle sends it to back-off instead of the pool")
    func moveRequestDuringCycle() throws {
        var q = SchedulingQueue()
        q.add(PodBuilder("p").info, now: t0)
        let next = q.pop(now: t0)
        let popped = try #require(next)
        q.move(on: .nodeAdded, now: t0)
        q.addUnschedulable(popped, plugins: [.nodeResourcesFit], cycle: popped.attempts == 1 ? q.schedulingCycle : 0, now: t0)
        #expect(q.unschedulableCount == 0)
        #expect(q.backoffCount == 1)
    }

    @Test("pods left unschedulable for 5 minutes are flushed back")
    func leftoverFlush() throws {
        var q = SchedulingQueue()
        q.add(PodBuilder("p").info, now: t0)
        let next = q.pop(now: t0)
        let popped = try #require(next)
        q.addUnschedulable(popped, plugins: [.nodeAffinity], cycle: q.schedulingCycle, now: t0)
        q.flushUnschedulableLeftover(now: t0.addingTimeInterval(299))
        #expect(q.unschedulableCount == 1)
        q.flushUnschedulableLeftover(now: t0.addingTimeInterval(300))
        #expect(q.activeCount == 1)
    }

    @Test("scheduling-gated pods stay out of the active queue until their gates are removed")
    func gated() {
        var q = SchedulingQueue()
        var pod = PodBuilder("p")
        pod.pod.spec?.schedulingGates = [CoreV1.PodSchedulingGate(name: "example.com/wait")]
        q.add(pod.info, now: t0)
        #expect(q.gatedCount == 1)
        q.move(on: .nodeAdded, now: t0)
        q.flushUnschedulableLeftover(now: t0.addingTimeInterval(1000))
        let popped5 = q.pop(now: t0)

        #expect(popped5 == nil)
        pod.pod.spec?.schedulingGates = []
        q.update(pod.info, now: t0)
        let popped6 = q.pop(now: t0)

        #expect(popped6?.pod.name == "p")
    }

    @Test("updating an unschedulable pod retries it; deleting removes it everywhere")
    func updateAndDelete() throws {
        var q = SchedulingQueue()
        q.add(PodBuilder("p").info, now: t0)
        let next = q.pop(now: t0)
        let popped = try #require(next)
        q.addUnschedulable(popped, plugins: [.nodeAffinity], cycle: q.schedulingCycle, now: t0)
        q.update(PodBuilder("p").nodeSelector(["a": "b"]).info, now: t0.addingTimeInterval(2))
        #expect(q.activeCount == 1)
        q.delete(uid: "uid-default-p")
        #expect(q.isEmpty)
    }

    @Test("the nominator tracks pods nominated to nodes")
    func nominator() {
        var q = SchedulingQueue()
        let p = PodBuilder("p").info
        q.nominate(p, node: "a")
        #expect(q.nominatedPods["a"]?.map(\.name) == ["p"])
        q.nominate(p, node: "b")
        #expect(q.nominatedPods["a"] == nil)
        q.delete(uid: p.uid)
        #expect(q.nominatedPods.isEmpty)
    }
}
