import Foundation
import SkiffAPI
import SkiffClient
import Testing
@testable import SkiffControllers

/// The Job, CronJob and TTL controllers against an in-process API server. There are no nodes:
/// the tests play the kubelet by writing pod status.
@Suite("Batch controllers against an in-process API server", .timeLimit(.minutes(3)))
struct BatchIntegrationTests {
    /// Runs the informers and `controllers` on `t`'s client while `body` runs.
    func withControllers(_ t: TestServer, _ make: (SharedInformerFactory) -> [Controller], collector: Bool = false,
                         _ body: (SharedInformerFactory) async throws -> Void) async throws {
        let factory = SharedInformerFactory(client: t.client)
        let controllers = make(factory)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await factory.run() }
            for c in controllers { group.addTask { try await c.run() } }
            if collector {
                let gc = GarbageCollector.standard(factory: factory)
                group.addTask { try await gc.run() }
            }
            do {
                try await body(factory)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    func newJob(_ name: String, completions: Int32, parallelism: Int32, indexed: Bool = false, ttl: Int32? = nil) -> BatchV1.Job {
        BatchV1.Job(metadata: MetaV1.ObjectMeta(name: name, namespace: "default"),
                    spec: BatchV1.JobSpec(completionMode: indexed ? "Indexed" : nil, completions: completions, parallelism: parallelism,
                                          template: CoreV1.PodTemplateSpec(spec: CoreV1.PodSpec(
                                              containers: [CoreV1.Container(image: "busybox", name: "main")], restartPolicy: "Never")),
                                          ttlSecondsAfterFinished: ttl))
    }

    func jobPods(_ t: TestServer, _ name: String) async throws -> [CoreV1.Pod] {
        try await t.client.list(CoreV1.Pod.self, namespace: "default", options: ListOptions(labelSelector: "batch.kubernetes.io/job-name=\(name)")).items
    }

    /// Plays the kubelet: the pod ran and exited with `code`.
    func finish(_ t: TestServer, _ pod: CoreV1.Pod, code: Int32) async throws {
        var p = try await t.client.get(CoreV1.Pod.self, pod.metadata?.name ?? "", namespace: "default")
        let ts = SkiffControllers.KubeTime.format(Date())
        p.status = CoreV1.PodStatus(containerStatuses: [CoreV1.ContainerStatus(
            image: "busybox", imageID: "", name: "main", ready: false, restartCount: 0,
            state: CoreV1.ContainerState(terminated: CoreV1.ContainerStateTerminated(exitCode: code, finishedAt: ts, reason: code == 0 ? "Completed" : "Error")))],
            phase: code == 0 ? "Succeeded" : "Failed")
        _ = try await t.client.updateStatus(p)
    }

    @Test("a Job runs its pods, counts each finished pod once, removes the tracking finalizers and completes")
    func jobCompletes() async throws {
        try await TestServer.with { t in
            try await withControllers(t, { [JobController.make(factory: $0)] }) { _ in
                _ = try await t.client.create(newJob("pi", completions: 3, parallelism: 2))
                #expect(try await eventually { try await jobPods(t, "pi").count == 2 })
                // Level-triggered and idempotent: once the status shows the pods, the same inputs
                // plan the same status (a status that changed on every sync would loop).
                #expect(try await eventually {
                    try await t.client.get(BatchV1.Job.self, "pi", namespace: "default").status?.active == 2
                })
                let stored = try await t.client.get(BatchV1.Job.self, "pi", namespace: "default")
                let again = JobSync.plan(stored, pods: try await jobPods(t, "pi"), now: Date())
                #expect(again.status == stored.status && again.create.isEmpty && again.uncountedStatus == nil)
                for p in try await jobPods(t, "pi") {
                    #expect(p.metadata?.finalizers == [JobNames.trackingFinalizer])
                    try await finish(t, p, code: 0)
                }
                #expect(try await eventually { try await jobPods(t, "pi").count == 3 })
                for p in try await jobPods(t, "pi") where p.status?.phase != "Succeeded" { try await finish(t, p, code: 0) }
                #expect(try await eventually {
                    let job = try await t.client.get(BatchV1.Job.self, "pi", namespace: "default")
                    return job.status?.conditions?.contains { $0.type == "Complete" && $0.status == "True" } ?? false
                })
                let job = try await t.client.get(BatchV1.Job.self, "pi", namespace: "default")
                #expect(job.status?.succeeded == 3)
                #expect(job.status?.failed == nil)
                #expect(job.status?.active == nil)
                #expect(job.status?.uncountedTerminatedPods?.succeeded == nil)
                #expect(job.status?.completionTime != nil)
                let pods = try await jobPods(t, "pi")
                #expect(pods.count == 3)
                #expect(pods.allSatisfy { ($0.metadata?.finalizers ?? []).isEmpty })
            }
        }
    }

    @Test("a Job whose pods fail past backoffLimit fails and stops creating pods")
    func jobFails() async throws {
        try await TestServer.with { t in
            try await withControllers(t, { [JobController.make(factory: $0)] }) { _ in
                var job = newJob("bad", completions: 1, parallelism: 1)
                job.spec?.backoffLimit = 0
                _ = try await t.client.create(job)
                #expect(try await eventually { try await jobPods(t, "bad").count == 1 })
                try await finish(t, try await jobPods(t, "bad")[0], code: 2)
                #expect(try await eventually {
                    let job = try await t.client.get(BatchV1.Job.self, "bad", namespace: "default")
                    return job.status?.conditions?.contains { $0.type == "Failed" && $0.reason == "BackoffLimitExceeded" } ?? false
                })
                let failed = try await t.client.get(BatchV1.Job.self, "bad", namespace: "default")
                #expect(failed.status?.failed == 1)
                #expect(try await jobPods(t, "bad").count == 1)
            }
        }
    }

    @Test("a CronJob on a moved clock creates the Job for its last due minute, once")
    func cronJobFires() async throws {
        try await TestServer.with { t in
            // Two minutes ahead: a schedule time has passed since the CronJob was created.
            let clock: @Sendable () -> Date = { Date().addingTimeInterval(120) }
            try await withControllers(t, { [CronJobController.make(factory: $0, clock: clock)] }) { _ in
                let cj = try await t.client.create(BatchV1.CronJob(
                    metadata: MetaV1.ObjectMeta(name: "tick", namespace: "default"),
                    spec: BatchV1.CronJobSpec(jobTemplate: BatchV1.JobTemplateSpec(spec: newJob("x", completions: 1, parallelism: 1).spec),
                                              schedule: "* * * * *")))
                #expect(try await eventually {
                    let s = try await t.client.get(BatchV1.CronJob.self, "tick", namespace: "default").status
                    return s?.lastScheduleTime != nil && s?.active?.count == 1
                })
                let jobs = try await t.client.list(BatchV1.Job.self, namespace: "default").items
                #expect(jobs.count == 1)
                let name = try #require(jobs.first?.metadata?.name)
                let status = try await t.client.get(BatchV1.CronJob.self, "tick", namespace: "default").status
                let scheduled = try #require(SkiffControllers.KubeTime.parse(status?.lastScheduleTime))
                #expect(name == "tick-\(Int(scheduled.timeIntervalSince1970) / 60)")
                #expect(jobs.first?.metadata?.ownerReferences?.first?.uid == cj.metadata?.uid)
            }
        }
    }

    @Test("deleting a running Job lets go of its pods' tracking finalizers: the collector removes them, or orphans keep none")
    func deletedJobReleasesPods() async throws {
        try await TestServer.with { t in
            try await withControllers(t, { [JobController.make(factory: $0)] }, collector: true) { _ in
                _ = try await t.client.create(newJob("gone", completions: 2, parallelism: 2))
                #expect(try await eventually { try await jobPods(t, "gone").count == 2 })
                try await t.client.delete(BatchV1.Job.self, "gone", namespace: "default")
                let empty = try await eventually { try await jobPods(t, "gone").isEmpty }
                // On failure, say what was left (finalizers, deletion, owners).
                let left = empty ? [] : try await jobPods(t, "gone").map { p in
                    "\(p.metadata?.name ?? "") finalizers=\(p.metadata?.finalizers ?? []) deleting=\(p.metadata?.deletionTimestamp ?? "-") owners=\(p.metadata?.ownerReferences?.compactMap(\.uid) ?? [])"
                }
                #expect(empty, "pods left: \(left)")

                // Orphan propagation: the pods stay, without owner and without our finalizer.
                _ = try await t.client.create(newJob("kept", completions: 1, parallelism: 1))
                #expect(try await eventually { try await jobPods(t, "kept").count == 1 })
                try await t.client.delete(BatchV1.Job.self, "kept", namespace: "default", options: DeleteOptions(propagationPolicy: .orphan))
                #expect(try await eventually {
                    let pods = try await jobPods(t, "kept")
                    return pods.count == 1 && (pods[0].metadata?.ownerReferences ?? []).isEmpty && (pods[0].metadata?.finalizers ?? []).isEmpty
                })
            }
        }
    }

    @Test("a finished Job with ttlSecondsAfterFinished 0 is deleted")
    func ttl() async throws {
        try await TestServer.with { t in
            try await withControllers(t, { [JobController.make(factory: $0), TTLAfterFinishedController.make(factory: $0)] }, collector: true) { _ in
                _ = try await t.client.create(newJob("short", completions: 1, parallelism: 1, ttl: 0))
                #expect(try await eventually { try await jobPods(t, "short").count == 1 })
                try await finish(t, try await jobPods(t, "short")[0], code: 0)
                #expect(try await eventually {
                    (try? await t.client.get(BatchV1.Job.self, "short", namespace: "default")) == nil
                })
            }
        }
    }
}
