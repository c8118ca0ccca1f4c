import Foundation
import SkiffAPI
import Testing
@testable import SkiffScheduler

@Suite("Scheduler cache", .timeLimit(.minutes(2)))
struct CacheTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    @Test("an assumed pod counts on its node until forgotten")
    func assumeAndForget() throws {
        var cache = SchedulerCache()
        cache.addNode(NodeBuilder("a").build)
        let pod = PodBuilder("p", cpu: "1").on("a").info
        try cache.assume(pod)
        #expect(cache.isAssumed(uid: pod.uid))
        #expect(cache.nodeInfo("a")?.requested.milliCPU == 1000)
        #expect(throws: SchedulerCache.CacheError.alreadyPresent("default/p")) { try cache.assume(pod) }
        try cache.forget(uid: pod.uid)
        #expect(cache.nodeInfo("a")?.requested.milliCPU == 0)
        #expect(cache.nodeInfo("a")?.pods.isEmpty == true)
        #expect(throws: SchedulerCache.CacheError.notAssumed(pod.uid)) { try cache.forget(uid: pod.uid) }
    }

    @Test("the informer's bound pod confirms the assumed one, even on another node")
    func confirm() throws {
        var cache = SchedulerCache(assumedPodTTL: 30)
        cache.addNode(NodeBuilder("a").build)
        cache.addNode(NodeBuilder("b").build)
        try cache.assume(PodBuilder("p", cpu: "1").on("a").info)
        cache.finishBinding(uid: "uid-default-p", now: t0)
        cache.addPod(PodBuilder("p", cpu: "1").on("b").info)
        #expect(!cache.isAssumed(uid: "uid-default-p"))
        #expect(cache.nodeInfo("a")?.requested.milliCPU == 0)
        #expect(cache.nodeInfo("b")?.requested.milliCPU == 1000)
        // Confirmed pods never expire.
        #expect(cache.cleanupExpiredAssumedPods(now: t0.addingTimeInterval(3600)).isEmpty)
    }

    @Test("an assumed pod whose binding never shows up expires after the TTL, counted from finishBinding")
    func expire() throws {
        var cache = SchedulerCache(assumedPodTTL: 30)
        cache.addNode(NodeBuilder("a").build)
        try cache.assume(PodBuilder("p", cpu: "1").on("a").info)
        // Not expired while binding is in flight, however long it takes.
        #expect(cache.cleanupExpiredAssumedPods(now: t0.addingTimeInterval(3600)).isEmpty)
        cache.finishBinding(uid: "uid-default-p", now: t0)
        #expect(cache.cleanupExpiredAssumedPods(now: t0.addingTimeInterval(29)).isEmpty)
        let expired = cache.cleanupExpiredAssumedPods(now: t0.addingTimeInterval(30))
        #expect(expired.map(\.name) == ["p"])
        #expect(cache.nodeInfo("a")?.pods.isEmpty == true)
    }

    @Test("NodeInfo sums requests, non-zero requests and host ports, and takes them back on removal")
    func nodeInfoAccounting() {
        var info = NodeInfo(node: NodeBuilder("a").build)
        let p1 = PodBuilder("p1", cpu: "1", memory: "1Gi").hostPort(80).on("a").info
        let p2 = PodBuilder("p2").on("a").info
        info.addPod(p1)
        info.addPod(p2)
        #expect(info.requested.milliCPU == 1000)
        #expect(info.nonZeroMilliCPU == 1100)
        #expect(info.nonZeroMemory == 1024 * 1024 * 1024 + 200 * 1024 * 1024)
        #expect(info.portConflicts(HostPort(ip: "0.0.0.0", proto: "TCP", port: 80)))
        info.removePod(uid: p1.uid)
        #expect(info.requested.milliCPU == 0)
        #expect(!info.portConflicts(HostPort(ip: "0.0.0.0", proto: "TCP", port: 80)))
        #expect(info.pods.map(\.name) == ["p2"])
    }

    @Test("the snapshot copies only what changed and drops removed nodes")
    func incrementalSnapshot() throws {
        var cache = SchedulerCache()
        cache.addNode(NodeBuilder("a").image("app:1", sizeMB: 100).build)
        cache.addNode(NodeBuilder("b").image("app:1", sizeMB: 100).build)
        var snapshot = Snapshot()
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodes.map(\.name) == ["a", "b"])
        #expect(snapshot.imageNodeCounts["app:1"] == 2)
        try cache.assume(PodBuilder("p", cpu: "1").on("b").info)
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodeInfo("b")?.requested.milliCPU == 1000)
        cache.removeNode("a")
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodes.map(\.name) == ["b"])
        #expect(snapshot.index["b"] == 0)
        #expect(snapshot.imageNodeCounts["app:1"] == 1)
        // A pod on an unknown node is kept, but the node is not schedulable until it appears.
        cache.addPod(PodBuilder("q").on("ghost").info)
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodeInfo("ghost") == nil)
        cache.addNode(NodeBuilder("ghost").build)
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodeInfo("ghost")?.pods.count == 1)
    }
}
