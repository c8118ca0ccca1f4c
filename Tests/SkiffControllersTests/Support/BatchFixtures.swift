import Foundation
import SkiffAPI
@testable import SkiffControllers

/// Job, CronJob and pod fixtures for the batch controllers' decision tables.
enum BFx {
    static let t0 = Fx.t0

    static func job(_ name: String = "pi", completions: Int32? = 1, parallelism: Int32 = 1, backoffLimit: Int32 = 6,
                    indexed: Bool = false, status: BatchV1.JobStatus? = nil, started: Double? = 60) -> BatchV1.Job {
        var spec = BatchV1.JobSpec(backoffLimit: backoffLimit, completionMode: indexed ? "Indexed" : "NonIndexed",
                                   completions: completions, parallelism: parallelism,
                                   selector: MetaV1.LabelSelector(matchLabels: ["batch.kubernetes.io/controller-uid": "job-uid"]),
                                   suspend: false,
                                   template: CoreV1.PodTemplateSpec(
                                       metadata: MetaV1.ObjectMeta(labels: ["batch.kubernetes.io/controller-uid": "job-uid", "job-name": name]),
                                       spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "busybox", name: "main")], restartPolicy: "Never")))
        spec.podReplacementPolicy = "TerminatingOrFailed"
        var s = status ?? BatchV1.JobStatus()
        if s.startTime == nil, let started { s.startTime = Fx.ts(started) }
        return BatchV1.Job(metadata: MetaV1.ObjectMeta(creationTimestamp: Fx.ts(120), name: name, namespace: "default", uid: "job-uid"),
                           spec: spec, status: s)
    }

    static func pod(_ name: String, phase: String = "Running", exitCode: Int32? = nil, finishedAgo: Double = 30, index: Int? = nil,
                    finalizer: Bool = true, deleting: Bool = false, ready: Bool = true, annotations: [String: String] = [:],
                    conditions: [CoreV1.PodCondition] = []) -> CoreV1.Pod {
        var meta = MetaV1.ObjectMeta(creationTimestamp: Fx.ts(100), name: name, namespace: "default", uid: "uid-\(name)")
        meta.ownerReferences = [MetaV1.OwnerReference(apiVersion: "batch/v1", blockOwnerDeletion: true, controller: true, kind: "Job", name: "pi", uid: "job-uid")]
        if finalizer { meta.finalizers = [JobNames.trackingFinalizer] }
        if deleting { meta.deletionTimestamp = Fx.ts(1) }
        var ann = annotations
        if let index { ann[JobNames.completionIndex] = String(index) }
        meta.annotations = ann.isEmpty ? nil : ann
        var status = CoreV1.PodStatus()
        status.phase = phase
        status.conditions = [CoreV1.PodCondition(lastTransitionTime: Fx.ts(50), status: ready && phase == "Running" ? "True" : "False", type: "Ready")] + conditions
        var cs = CoreV1.ContainerStatus(name: "main", restartCount: 0)
        if phase == "Succeeded" || phase == "Failed" {
            cs.state = CoreV1.ContainerState(terminated: CoreV1.ContainerStateTerminated(exitCode: exitCode ?? (phase == "Succeeded" ? 0 : 1),
                                                                                      finishedAt: Fx.ts(finishedAgo)))
        }
        status.containerStatuses = [cs]
        return CoreV1.Pod(metadata: meta, spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "busybox", name: "main")], restartPolicy: "Never"),
                          status: status)
    }

    static func cronJob(from now: Date = t0, _ name: String = "tick", schedule: String = "*/5 * * * *", policy: String = "Allow", createdAgo: Double = 3600,
                        lastSchedule: Date? = nil, active: [CoreV1.ObjectReference]? = nil, deadline: Int64? = nil,
                        timeZone: String? = nil) -> BatchV1.CronJob {
        BatchV1.CronJob(
            metadata: MetaV1.ObjectMeta(creationTimestamp: Fx.ts(createdAgo, from: now), name: name, namespace: "default", uid: "cj-uid"),
            spec: BatchV1.CronJobSpec(concurrencyPolicy: policy, failedJobsHistoryLimit: 1,
                                      jobTemplate: BatchV1.JobTemplateSpec(metadata: MetaV1.ObjectMeta(labels: ["app": "tick"]),
                                                                           spec: BatchV1.JobSpec(template: CoreV1.PodTemplateSpec())),
                                      schedule: schedule, startingDeadlineSeconds: deadline, successfulJobsHistoryLimit: 3, suspend: false,
                                      timeZone: timeZone),
            status: BatchV1.CronJobStatus(active: active, lastScheduleTime: lastSchedule.map(SkiffControllers.KubeTime.format)))
    }

    /// A Job owned by the CronJob fixture; `finished` "Complete"/"Failed"/nil.
    static func childJob(_ name: String, uid: String? = nil, finished: String? = nil, startedAgo: Double = 600) -> BatchV1.Job {
        var meta = MetaV1.ObjectMeta(name: name, namespace: "default", uid: uid ?? "uid-\(name)")
        meta.ownerReferences = [MetaV1.OwnerReference(apiVersion: "batch/v1", blockOwnerDeletion: true, controller: true, kind: "CronJob", name: "tick", uid: "cj-uid")]
        var status = BatchV1.JobStatus(startTime: Fx.ts(startedAgo))
        if let finished {
            status.conditions = [BatchV1.JobCondition(lastTransitionTime: Fx.ts(startedAgo - 10), status: "True", type: finished)]
            if finished == "Complete" { status.completionTime = Fx.ts(startedAgo - 10) }
        }
        return BatchV1.Job(metadata: meta, spec: BatchV1.JobSpec(), status: status)
    }

    static func ref(_ job: BatchV1.Job) -> CoreV1.ObjectReference {
        CoreV1.ObjectReference(apiVersion: "batch/v1", kind: "Job", name: job.metadata?.name, namespace: "default", uid: job.metadata?.uid)
    }
}
