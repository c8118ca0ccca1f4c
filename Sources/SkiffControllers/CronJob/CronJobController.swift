import Foundation
import Logging
import SkiffAPI
import SkiffClient

/// The CronJob controller (kube-controller-manager's `cronjob`, upstream's v2 controller):
/// creates a Job for each due schedule time and keeps the CronJob's status. Time comes from
/// `clock` so tests can move it.
final class CronJobController: Reconciler {
    let client: Client
    let cronJobs: Lister<BatchV1.CronJob>
    let jobs: Lister<BatchV1.Job>
    let recorder: EventRecorder?
    let clock: @Sendable () -> Date
    let logger: Logger

    init(factory: SharedInformerFactory, recorder: EventRecorder? = nil, clock: @escaping @Sendable () -> Date = { Date() },
         logger: Logger = Logger(label: "skiff.controller.cronjob")) {
        client = factory.client
        cronJobs = factory.informer(BatchV1.CronJob.self).lister
        let jobInformer = factory.informer(BatchV1.Job.self)
        jobInformer.addIndex(.ownerUID)
        jobs = jobInformer.lister
        self.recorder = recorder
        self.clock = clock
        self.logger = logger
    }

    static func make(factory: SharedInformerFactory, recorder: EventRecorder? = nil, clock: @escaping @Sendable () -> Date = { Date() },
                     workers: Int = 5) -> Controller {
        let r = CronJobController(factory: factory, recorder: recorder, clock: clock)
        let c = Controller(name: "cronjob", reconciler: r, workers: workers, logger: r.logger)
        c.watch(factory.informer(BatchV1.CronJob.self))
        c.watchOwned(factory.informer(BatchV1.Job.self), ownerKind: "CronJob")
        return c
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        guard let cj = cronJobs.get(key) else { return nil }
        let uid = cj.metadata?.uid ?? ""
        let owned = jobs.byIndex(.ownerUID, uid).filter { $0.controllerReference?.uid == uid }
        let now = clock()
        var plan = CronJobSync.plan(cj, jobs: owned, now: now)
        var status = plan.status

        // An active Job missing from the cache may just be new to it: ask the server.
        for ref in plan.missing {
            do {
                let job = try await client.get(BatchV1.Job.self, ref.name ?? "", namespace: key.namespace)
                if job.metadata?.uid == ref.uid { continue }
            } catch let e as ClientError where e.isNotFound {}
            status.active?.removeAll { $0.uid == ref.uid }
            if status.active?.isEmpty == true { status.active = nil }
            recorder?.event(cj, type: .normal, reason: "MissingJob", message: "Active job went missing: \(ref.name ?? "")")
        }
        for e in plan.events { recorder?.event(cj, type: e.warning ? .warning : .normal, reason: e.reason, message: e.message) }

        for name in plan.deleteActive {
            if try await deleteJob(cj, name) {
                status.active?.removeAll { $0.name == name }
                if status.active?.isEmpty == true { status.active = nil }
            }
        }
        if var job = plan.create {
            do {
                job = try await client.create(job)
                recorder?.event(cj, type: .normal, reason: "SuccessfulCreate", message: "Created job \(job.metadata?.name ?? "")")
            } catch let e as ClientError where e.isAlreadyExists {
                // Created by an earlier sync whose status write was lost, or by someone else.
                let existing = try await client.get(BatchV1.Job.self, job.metadata?.name ?? "", namespace: key.namespace)
                guard existing.controllerReference?.uid == uid else { plan.create = nil; return after(plan) }
                job = existing
            } catch {
                recorder?.event(cj, type: .warning, reason: "FailedCreate", message: "Error creating job: \(ErrorMessage.of(error))")
                throw error
            }
            if job.finishedCondition == nil, !(status.active ?? []).contains(where: { $0.uid == job.metadata?.uid }) {
                status.active = (status.active ?? []) + [CoreV1.ObjectReference(
                    apiVersion: "batch/v1", kind: "Job", name: job.metadata?.name, namespace: job.metadata?.namespace,
                    resourceVersion: job.metadata?.resourceVersion, uid: job.metadata?.uid)]
            }
            status.lastScheduleTime = KubeTime.format(plan.scheduledTime ?? now)
        }
        if status != cj.status {
            var updated = cj
            updated.status = status
            do {
                _ = try await client.updateStatus(updated)
            } catch let e as ClientError where e.isConflict {
                return .rateLimited
            } catch let e as ClientError where e.isNotFound {
                return nil
            }
        }
        for name in plan.deleteFinished { _ = try await deleteJob(cj, name) }
        return after(plan)
    }

    func after(_ plan: CronJobPlan) -> Requeue? {
        guard let t = plan.requeueAfter, t.isFinite else { return nil }
        return .afterSeconds(t)
    }

    /// Deletes a Job with its pods (background propagation); false when it failed.
    func deleteJob(_ cj: BatchV1.CronJob, _ name: String) async throws -> Bool {
        do {
            try await client.delete(BatchV1.Job.self, name, namespace: cj.metadata?.namespace,
                                    options: DeleteOptions(propagationPolicy: .background))
            recorder?.event(cj, type: .normal, reason: "SuccessfulDelete", message: "Deleted job \(name)")
            return true
        } catch let e as ClientError where e.isNotFound {
            return true
        } catch {
            recorder?.event(cj, type: .warning, reason: "FailedDelete", message: "Deleted job: \(ErrorMessage.of(error))")
            return false
        }
    }
}
