import Foundation
import SkiffAPI
import Synchronization
import Testing
@testable import SkiffScheduler

/// Records what the scheduler asked for, and lets a test fail bindings.
final class RecordingEffects: SchedulerEffects {
    struct Log {
        var bindings: [String: String] = [:]
        var events: [(pod: String, reason: String, message: String)] = []
        var statuses: [(pod: String, reason: String, message: String, nominated: String?)] = []
        var evicted: [String] = []
        var failBindings = 0
    }

    let log = Mutex(Log())

    func bind(_ pod: PodInfo, to node: String) async throws {
        struct Rejected: Error, CustomStringConvertible { var description: String { "conflict" } }
        let fail = log.withLock { l -> Bool in
            if l.failBindings > 0 {
                l.failBindings -= 1
                return true
            }
            l.bindings[pod.name] = node
            return false
        }
        if fail { throw Rejected() }
    }

    func updatePodStatus(_ pod: PodInfo, reason: String, message: String, nominatedNodeName: String?) async throws {
        log.withLock { $0.statuses.append((pod.name, reason, message, nominatedNodeName)) }
    }

    func recordEvent(_ pod: PodInfo, type: String, reason: String, action: String, message: String) async {
        log.withLock { $0.events.append((pod.name, reason, message)) }
    }

    func evict(_ victim: PodInfo, preemptor: PodInfo, node: String) async throws {
        log.withLock { $0.evicted.append(victim.name) }
    }

    func snapshot() -> Log { log.withLock { $0 } }
}

/// Polls `condition` until it holds or 10 s pass.
func eventually(_ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return false
}

@Suite("Scheduler loop (fake effects, no I/O)", .timeLimit(.minutes(2)))
struct SchedulerCoreTests {
    func withCore(_ body: (SchedulerCore, RecordingEffects) async throws -> Void) async rethrows {
        let effects = RecordingEffects()
        let core = SchedulerCore(effects: effects)
        let loop = Task { await core.run() }
        defer { loop.cancel() }
        try await body(core, effects)
        loop.cancel()
        await loop.value
    }

    @Test("pending pods are bound and get a Scheduled event")
    func binds() async {
        await withCore { core, effects in
            await core.handle(.nodeAdded(NodeBuilder("a").build))
            await core.handle(.podAdded(PodBuilder("p", cpu: "1").build))
            #expect(await eventually { effects.snapshot().bindings["p"] == "a" })
            #expect(await eventually { effects.snapshot().events.contains { $0.reason == "Scheduled" && $0.message == "Successfully assigned default/p to a" } })
        }
    }

    @Test("a pod that fits nowhere gets FailedScheduling and PodScheduled=False, then is bound when a node fits")
    func unschedulableThenBound() async {
        await withCore { core, effects in
            await core.handle(.nodeAdded(NodeBuilder("small", cpu: "1").build))
            await core.handle(.podAdded(PodBuilder("big", cpu: "2").build))
            let message = "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
            #expect(await eventually { effects.snapshot().events.contains { $0.reason == "FailedScheduling" && $0.message == message } })
            #expect(await eventually { effects.snapshot().statuses.contains { $0.reason == "Unschedulable" && $0.message == message } })
            await core.handle(.nodeAdded(NodeBuilder("large", cpu: "4").build))
            #expect(await eventually { effects.snapshot().bindings["big"] == "large" })
        }
    }

    @Test("pods for another scheduler are left alone")
    func otherScheduler() async {
        await withCore { core, effects in
            await core.handle(.nodeAdded(NodeBuilder("a").build))
            var pod = PodBuilder("mine")
            pod.pod.spec?.schedulerName = "my-scheduler"
            await core.handle(.podAdded(pod.build))
            await core.handle(.podAdded(PodBuilder("ours").build))
            #expect(await eventually { effects.snapshot().bindings["ours"] != nil })
            #expect(effects.snapshot().bindings["mine"] == nil)
        }
    }

    @Test("a failed binding is forgotten and retried")
    func bindingRetry() async {
        await withCore { core, effects in
            effects.log.withLock { $0.failBindings = 1 }
            await core.handle(.nodeAdded(NodeBuilder("a", cpu: "1").build))
            await core.handle(.podAdded(PodBuilder("p", cpu: "1").build))
            #expect(await eventually { effects.snapshot().events.contains { $0.message == "Binding rejected: conflict" } })
            #expect(await eventually { effects.snapshot().bindings["p"] == "a" })
        }
    }

    @Test("a high-priority pod preempts a low-priority one and is nominated")
    func preempts() async {
        await withCore { core, effects in
            await core.handle(.nodeAdded(NodeBuilder("a", cpu: "1").build))
            await core.handle(.podAdded(PodBuilder("low", cpu: "1").priority(0).on("a").build))
            var high = PodBuilder("high", cpu: "1")
            high.pod.spec?.priorityClassName = "important"
            await core.handle(.priorityClass(SchedulingV1.PriorityClass(metadata: MetaV1.ObjectMeta(name: "important"), value: 1000), deleted: false))
            await core.handle(.podAdded(high.build))
            #expect(await eventually { effects.snapshot().evicted == ["low"] })
            #expect(await eventually { effects.snapshot().statuses.contains { $0.pod == "high" && $0.nominated == "a" } })
            await core.handle(.podDeleted(PodBuilder("low", cpu: "1").on("a").build))
            #expect(await eventually { effects.snapshot().bindings["high"] == "a" })
        }
    }
}

@Suite("Priority resolution", .timeLimit(.minutes(1)))
struct PriorityResolverTests {
    @Test("priorityClassName sets priority and preemptionPolicy even over the server's default 0")
    func resolves() {
        var r = PriorityResolver()
        r.apply(SchedulingV1.PriorityClass(metadata: MetaV1.ObjectMeta(name: "high"), preemptionPolicy: "Never", value: 1000), deleted: false)
        var pod = PodBuilder("p").priority(0)
        pod.pod.spec?.priorityClassName = "high"
        let resolved = r.resolve(pod.build)
        #expect(resolved.spec?.priority == 1000)
        #expect(resolved.spec?.preemptionPolicy == "Never")
        pod.pod.spec?.priorityClassName = "system-node-critical"
        #expect(r.resolve(pod.build).spec?.priority == 2_000_001_000)
        pod.pod.spec?.priorityClassName = "unknown"
        #expect(r.resolve(pod.build).spec?.priority == 0)
    }

    @Test("a pod without a class gets the global default class")
    func globalDefault() {
        var r = PriorityResolver()
        #expect(r.resolve(PodBuilder("p").build).spec?.priority == 0)
        r.apply(SchedulingV1.PriorityClass(globalDefault: true, metadata: MetaV1.ObjectMeta(name: "default-prio"), value: 50), deleted: false)
        #expect(r.resolve(PodBuilder("p").priority(0).build).spec?.priority == 50)
    }
}
