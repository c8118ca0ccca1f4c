import Foundation
import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient
import Synchronization

/// The pod garbage collector (`podgc`): every 20 s removes terminated pods beyond
/// `--terminated-pod-gc-threshold` (12,500), pods bound to nodes that no longer exist,
/// terminating pods that were never scheduled, and terminating pods on out-of-service nodes.
final class PodGCController: Service, Sendable {
    static let defaultThreshold = 12_500

    let client: Client
    let podInformer: Informer<CoreV1.Pod>
    let nodeInformer: Informer<CoreV1.Node>
    let threshold: Int
    let period: Duration
    let quarantine: TimeInterval
    let clock: @Sendable () -> Date
    let logger: Logger
    /// When each absent node was first noticed (upstream's quarantine before trusting the cache).
    let missingSince = Mutex<[String: Date]>([:])

    init(factory: SharedInformerFactory, threshold: Int = PodGCController.defaultThreshold, period: Duration = .seconds(20),
         quarantine: TimeInterval = 40, clock: @escaping @Sendable () -> Date = { Date() },
         logger: Logger = Logger(label: "skiff.controller.podgc")) {
        client = factory.client
        podInformer = factory.informer(CoreV1.Pod.self)
        nodeInformer = factory.informer(CoreV1.Node.self)
        self.threshold = threshold
        self.period = period
        self.quarantine = quarantine
        self.clock = clock
        self.logger = logger
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await self.podInformer.waitForSync()
                try await self.nodeInformer.waitForSync()
                while true {
                    await self.gc()
                    try await Task.sleep(for: self.period)
                }
            }
        } catch is CancellationError {
        }
    }

    /// One pass; errors are logged and retried on the next pass.
    func gc() async {
        let now = clock()
        let pods = podInformer.lister.list()
        let plan = PodGCSync.plan(pods: pods, nodes: nodeInformer.lister.list(), threshold: threshold,
                                  missingSince: missingSince.withLock { $0 }, quarantine: quarantine, now: now)
        missingSince.withLock { m in
            m = m.filter { plan.missingNodes.contains($0.key) }
            for n in plan.missingNodes where m[n] == nil { m[n] = now }
        }
        let byKey = Dictionary(pods.map { ("\($0.namespace)/\($0.name)", $0) }, uniquingKeysWith: { a, _ in a })

        for key in plan.terminated { await forceDelete(byKey[key]) }
        var confirmedGone = Set<String>()
        for node in plan.missingNodes {
            do {
                _ = try await client.get(CoreV1.Node.self, node)
                missingSince.withLock { _ = $0.removeValue(forKey: node) }
            } catch let e as ClientError where e.isNotFound {
                confirmedGone.insert(node)
            } catch {
                logger.debug("podgc: checking node \(node): \(error)")
            }
        }
        for key in plan.orphaned {
            guard let pod = byKey[key], confirmedGone.contains(pod.spec?.nodeName ?? "") else { continue }
            await markFailed(pod, condition: CoreV1.PodCondition(lastTransitionTime: KubeTime.format(now), message: "PodGC: node no longer exists",
                                                                 reason: "DeletionByPodGC", status: "True", type: "DisruptionTarget"))
            await forceDelete(pod)
        }
        for key in plan.unscheduledTerminating {
            guard let pod = byKey[key] else { continue }
            await markFailed(pod, condition: nil)
            await forceDelete(pod)
        }
        for key in plan.outOfService {
            guard let pod = byKey[key] else { continue }
            await markFailed(pod, condition: CoreV1.PodCondition(lastTransitionTime: KubeTime.format(now), message: "PodGC: node is out of service",
                                                                 reason: "DeletionByPodGC", status: "True", type: "DisruptionTarget"))
            await forceDelete(pod)
        }
    }

    /// Upstream `markFailedAndDeletePodWithCondition`: a pod not yet terminal becomes Failed
    /// (so owners such as Jobs see the failure) before it is deleted.
    func markFailed(_ pod: CoreV1.Pod, condition: CoreV1.PodCondition?) async {
        guard !pod.isFinished else { return }
        var status: [String: JSONValue] = ["phase": .string("Failed")]
        if let condition {
            var conditions = (pod.status?.conditions ?? []).filter { $0.type != condition.type }
            conditions.append(condition)
            status["conditions"] = .array(conditions.map { c in
                var o: [String: JSONValue] = ["type": .string(c.type ?? ""), "status": .string(c.status ?? "")]
                if let r = c.reason { o["reason"] = .string(r) }
                if let m = c.message { o["message"] = .string(m) }
                if let t = c.lastTransitionTime { o["lastTransitionTime"] = .string(t) }
                return .object(o)
            })
        }
        do {
            _ = try await client.patch(CoreV1.Pod.self, pod.name, namespace: pod.namespace,
                                       Patch(.merge, .object(["status": .object(status)])), subresource: "status")
        } catch {
            logger.debug("podgc: marking \(pod.namespace)/\(pod.name) failed: \(error)")
        }
    }

    func forceDelete(_ pod: CoreV1.Pod?) async {
        guard let pod else { return }
        do {
            try await client.delete(CoreV1.Pod.self, pod.name, namespace: pod.namespace,
                                    options: DeleteOptions(gracePeriodSeconds: 0, preconditionUID: pod.uid))
            logger.info("podgc: deleted pod \(pod.namespace)/\(pod.name)")
        } catch let e as ClientError where e.isNotFound || e.isConflict {
        } catch {
            logger.debug("podgc: deleting \(pod.namespace)/\(pod.name): \(error)")
        }
    }
}
