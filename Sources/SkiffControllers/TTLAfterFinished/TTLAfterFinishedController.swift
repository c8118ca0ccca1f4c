import Foundation
import Logging
import SkiffAPI
import SkiffClient

/// The TTL-after-finished controller (`ttl-after-finished`): deletes a finished Job
/// `spec.ttlSecondsAfterFinished` after it finished, with its pods (foreground propagation),
/// re-checking a fresh copy first so a TTL changed meanwhile is honoured.
final class TTLAfterFinishedController: Reconciler {
    let client: Client
    let jobs: Lister<BatchV1.Job>
    let clock: @Sendable () -> Date
    let logger: Logger

    init(factory: SharedInformerFactory, clock: @escaping @Sendable () -> Date = { Date() },
         logger: Logger = Logger(label: "skiff.controller.ttl-after-finished")) {
        client = factory.client
        jobs = factory.informer(BatchV1.Job.self).lister
        self.clock = clock
        self.logger = logger
    }

    static func make(factory: SharedInformerFactory, clock: @escaping @Sendable () -> Date = { Date() }, workers: Int = 5) -> Controller {
        let r = TTLAfterFinishedController(factory: factory, clock: clock)
        let c = Controller(name: "ttl-after-finished", reconciler: r, workers: workers, logger: r.logger)
        c.watch(factory.informer(BatchV1.Job.self))
        return c
    }

    /// Seconds until `job` expires: nil when it has no TTL, is not finished or is being
    /// deleted; zero or less when it is due (upstream `timeLeft`).
    static func timeLeft(_ job: BatchV1.Job, now: Date) -> TimeInterval? {
        guard let ttl = job.spec?.ttlSecondsAfterFinished, job.metadata?.deletionTimestamp == nil,
              let finished = job.status?.conditions?.first(where: { ($0.type == "Complete" || $0.type == "Failed") && $0.status == "True" })
        else { return nil }
        // The finish time is the terminal condition's transition (completionTime for Complete).
        let finishedAt = KubeTime.parse(finished.lastTransitionTime) ?? KubeTime.parse(job.status?.completionTime) ?? now
        return finishedAt.addingTimeInterval(Double(ttl)).timeIntervalSince(now)
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        guard let cached = jobs.get(key), let left = Self.timeLeft(cached, now: clock()) else { return nil }
        if left > 0 { return .afterSeconds(left) }
        // The cache may be stale: decide again on the live object.
        let fresh: BatchV1.Job
        do {
            fresh = try await client.get(BatchV1.Job.self, key.name, namespace: key.namespace)
        } catch let e as ClientError where e.isNotFound {
            return nil
        }
        guard let freshLeft = Self.timeLeft(fresh, now: clock()) else { return nil }
        if freshLeft > 0 { return .afterSeconds(freshLeft) }
        do {
            try await client.delete(BatchV1.Job.self, key.name, namespace: key.namespace,
                                    options: DeleteOptions(propagationPolicy: .foreground, preconditionUID: fresh.metadata?.uid))
            logger.debug("deleted expired job \(key)")
        } catch let e as ClientError where e.isNotFound || e.isConflict {}
        return nil
    }
}
