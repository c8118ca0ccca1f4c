import Foundation
import SkiffAPI
import SkiffClient
import Testing
@testable import SkiffControllers

@Suite("Job decisions from lister contents", .timeLimit(.minutes(1)))
struct JobSyncTests {
    let now = Fx.t0

    func condition(_ status: BatchV1.JobStatus, _ type: String) -> BatchV1.JobCondition? {
        status.conditions?.first { $0.type == type && $0.status == "True" }
    }

    @Test("a new Job creates min(parallelism, completions) tracked, owned pods and starts")
    func creates() {
        let plan = JobSync.plan(BFx.job(completions: 3, parallelism: 2, started: nil), pods: [], now: now)
        #expect(plan.create.count == 2)
        let pod = plan.create[0]
        #expect(pod.metadata?.generateName == "pi-")
        #expect(pod.metadata?.finalizers == [JobNames.trackingFinalizer])
        #expect(pod.metadata?.ownerReferences?.first?.kind == "Job" && pod.metadata?.ownerReferences?.first?.controller == true)
        #expect(plan.status.startTime == SkiffControllers.KubeTime.format(now))
        #expect(plan.status.active == 2 && plan.status.ready == 0 && plan.status.terminating == 0)
        #expect(plan.uncountedStatus == nil)
    }

    @Test("a finished pod is first recorded as uncounted, then its finalizer removed, then counted once")
    func twoPhaseTracking() {
        let job = BFx.job(completions: 3, parallelism: 1)
        let plan = JobSync.plan(job, pods: [BFx.pod("a", phase: "Succeeded")], now: now)
        #expect(plan.uncountedStatus?.uncountedTerminatedPods?.succeeded == ["uid-a"])
        #expect(plan.uncountedStatus?.succeeded == nil)
        #expect(plan.stripFinalizers == ["a"])
        #expect(plan.status.succeeded == 1)
        #expect(plan.status.uncountedTerminatedPods == BatchV1.UncountedTerminatedPods())
        #expect(plan.create.count == 1)

        // Crash after phase 1: the UID is already uncounted; it is not recorded again.
        var recorded = job
        recorded.status = plan.uncountedStatus
        let again = JobSync.plan(recorded, pods: [BFx.pod("a", phase: "Succeeded")], now: now)
        #expect(again.uncountedStatus == nil)
        #expect(again.stripFinalizers == ["a"])
        #expect(again.status.succeeded == 1)

        // Counted, finalizer gone: nothing more.
        var counted = job
        counted.status = plan.status
        let done = JobSync.plan(counted, pods: [BFx.pod("a", phase: "Succeeded", finalizer: false)], now: now)
        #expect(done.stripFinalizers.isEmpty && done.uncountedStatus == nil && done.status.succeeded == 1)

        // Counted, but the informer still shows the finalizer whose removal was sent: not counted twice.
        let lagging = JobSync.plan(counted, pods: [BFx.pod("a", phase: "Succeeded")], now: now, finalizersBeingRemoved: ["uid-a"])
        #expect(lagging.stripFinalizers.isEmpty && lagging.status.succeeded == 1)
    }

    @Test("reaching completions adds SuccessCriteriaMet and Complete with CompletionsReached and completionTime")
    func completes() {
        let plan = JobSync.plan(BFx.job(completions: 1), pods: [BFx.pod("a", phase: "Succeeded")], now: now)
        let met = condition(plan.status, "SuccessCriteriaMet")
        let complete = condition(plan.status, "Complete")
        #expect(met?.reason == "CompletionsReached" && met?.message == "Reached expected number of succeeded pods")
        #expect(complete?.reason == "CompletionsReached")
        #expect(plan.status.completionTime == SkiffControllers.KubeTime.format(now))
        #expect(plan.events.contains(JobEvent(reason: "Completed", message: "Job completed")))
        #expect(plan.create.isEmpty)
    }

    @Test("failures past backoffLimit fail the Job with BackoffLimitExceeded")
    func backoffLimit() {
        let job = BFx.job(completions: 1, backoffLimit: 1, status: BatchV1.JobStatus(failed: 1))
        let plan = JobSync.plan(job, pods: [BFx.pod("b", phase: "Failed")], now: now)
        #expect(condition(plan.status, "FailureTarget")?.reason == "BackoffLimitExceeded")
        #expect(condition(plan.status, "Failed")?.message == "Job has reached the specified backoff limit")
        #expect(plan.status.failed == 2)
        #expect(plan.status.completionTime == nil)
        #expect(plan.create.isEmpty)
        #expect(plan.events.contains(JobEvent(warning: true, reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit")))
    }

    @Test("replacements wait 10 s doubling per failure since the last success, capped at 6 minutes")
    func backoffDelay() {
        let job = BFx.job(completions: 1, backoffLimit: 6)
        let one = JobSync.plan(job, pods: [BFx.pod("f1", phase: "Failed", finishedAgo: 4)], now: now)
        #expect(one.create.isEmpty)
        #expect(abs((one.requeueAfter ?? 0) - 6) < 0.01)
        let two = JobSync.plan(job, pods: [BFx.pod("f1", phase: "Failed", finishedAgo: 40), BFx.pod("f2", phase: "Failed", finishedAgo: 15)], now: now)
        #expect(two.create.isEmpty && abs((two.requeueAfter ?? 0) - 5) < 0.01)
        let due = JobSync.plan(job, pods: [BFx.pod("f1", phase: "Failed", finishedAgo: 11)], now: now)
        #expect(due.create.count == 1)
        #expect(JobPodRules.backoffRemaining(failures: 10, lastFailure: now, now: now) == 360)
        #expect(JobPodRules.backoffRemaining(failures: 3, lastFailure: now, now: now) == 40)
    }

    @Test("past activeDeadlineSeconds the running pods are deleted and the Job fails once they are gone")
    func deadline() {
        var job = BFx.job(completions: 1, started: 100)
        job.spec?.activeDeadlineSeconds = 60
        let plan = JobSync.plan(job, pods: [BFx.pod("r")], now: now)
        #expect(condition(plan.status, "FailureTarget")?.reason == "DeadlineExceeded")
        #expect(condition(plan.status, "Failed") == nil)
        #expect(plan.delete == ["r"])
        #expect(plan.stripFinalizers == ["r"])
        #expect(plan.status.failed == 1)
        var next = job
        next.status = plan.status
        let later = JobSync.plan(next, pods: [BFx.pod("r", finalizer: false, deleting: true)], now: now)
        #expect(condition(later.status, "Failed") == nil)
        let gone = JobSync.plan(next, pods: [], now: now)
        #expect(condition(gone.status, "Failed")?.message == "Job was active longer than specified deadline")
    }

    @Test("an Indexed Job creates the missing indexes with annotation, label, hostname and JOB_COMPLETION_INDEX")
    func indexed() {
        let job = BFx.job(completions: 4, parallelism: 3, indexed: true)
        let plan = JobSync.plan(job, pods: [BFx.pod("p1", phase: "Succeeded", index: 1), BFx.pod("p3", index: 3)], now: now)
        let indexes = plan.create.compactMap { $0.metadata?.annotations?[JobNames.completionIndex] }
        #expect(indexes == ["0", "2"])
        let p0 = plan.create[0]
        #expect(p0.metadata?.generateName == "pi-0-")
        #expect(p0.metadata?.labels?[JobNames.completionIndex] == "0")
        #expect(p0.spec?.hostname == "pi-0")
        #expect(p0.spec?.containers?.first?.env?.first { $0.name == "JOB_COMPLETION_INDEX" }?.valueFrom?.fieldRef?.fieldPath
                == "metadata.annotations['batch.kubernetes.io/job-completion-index']")
        #expect(plan.status.completedIndexes == "1")
        #expect(plan.status.succeeded == 1)
    }

    @Test("podFailurePolicy: FailJob on an exit code fails the Job, Ignore does not count the failure")
    func podFailurePolicy() {
        var job = BFx.job(completions: 1)
        job.spec?.podFailurePolicy = BatchV1.PodFailurePolicy(rules: [
            BatchV1.PodFailurePolicyRule(action: "FailJob", onExitCodes: BatchV1.PodFailurePolicyOnExitCodesRequirement(operator: "In", values: [42])),
            BatchV1.PodFailurePolicyRule(action: "Ignore", onPodConditions: [BatchV1.PodFailurePolicyOnPodConditionsPattern(status: "True", type: "DisruptionTarget")]),
        ])
        let fail = JobSync.plan(job, pods: [BFx.pod("x", phase: "Failed", exitCode: 42)], now: now)
        #expect(condition(fail.status, "FailureTarget")?.reason == "PodFailurePolicy")
        #expect(condition(fail.status, "Failed")?.message == "Container main for pod default/x failed with exit code 42 matching FailJob rule at index 0")
        let disrupted = BFx.pod("y", phase: "Failed", exitCode: 137, finishedAgo: 1000,
                                conditions: [CoreV1.PodCondition(status: "True", type: "DisruptionTarget")])
        let ignore = JobSync.plan(job, pods: [disrupted], now: now)
        #expect(ignore.status.failed == nil)
        #expect(ignore.stripFinalizers == ["y"])
        #expect(ignore.create.count == 1)
        let count = JobSync.plan(job, pods: [BFx.pod("z", phase: "Failed", exitCode: 1, finishedAgo: 1000)], now: now)
        #expect(count.status.failed == 1 && condition(count.status, "FailureTarget") == nil)
    }

    @Test("a success policy met ends an Indexed Job early with SuccessPolicy")
    func successPolicy() {
        var job = BFx.job(completions: 3, parallelism: 3, indexed: true)
        job.spec?.successPolicy = BatchV1.SuccessPolicy(rules: [BatchV1.SuccessPolicyRule(succeededIndexes: "0")])
        let plan = JobSync.plan(job, pods: [BFx.pod("a", phase: "Succeeded", index: 0), BFx.pod("b", index: 1), BFx.pod("c", index: 2)], now: now)
        let met = condition(plan.status, "SuccessCriteriaMet")
        #expect(met?.reason == "SuccessPolicy" && met?.message == "Matched rules at index 0")
        #expect(Set(plan.delete) == ["b", "c"])
        #expect(condition(plan.status, "Complete") == nil)
        #expect(plan.status.failed == nil)
    }

    @Test("a suspended Job deletes its active pods and says Suspended; resuming restarts the deadline clock")
    func suspend() {
        var job = BFx.job(completions: 2, parallelism: 2)
        job.spec?.suspend = true
        let plan = JobSync.plan(job, pods: [BFx.pod("a"), BFx.pod("b")], now: now)
        #expect(Set(plan.delete) == ["a", "b"] && plan.create.isEmpty)
        #expect(condition(plan.status, "Suspended")?.reason == "JobSuspended")
        var resumed = job
        resumed.spec?.suspend = false
        resumed.status = plan.status
        let back = JobSync.plan(resumed, pods: [], now: now)
        let c = back.status.conditions?.first { $0.type == "Suspended" }
        #expect(c?.status == "False" && c?.reason == "JobResumed")
        #expect(back.status.startTime == SkiffControllers.KubeTime.format(now))
        #expect(back.create.count == 2)
    }

    @Test("backoffLimitPerIndex fails an index past its own limit and goes on with the others")
    func perIndex() {
        var job = BFx.job(completions: 2, parallelism: 2, indexed: true)
        job.spec?.backoffLimitPerIndex = 1
        job.spec?.backoffLimit = Int32.max
        let pods = [BFx.pod("a", phase: "Failed", finishedAgo: 1000, index: 0, annotations: [JobNames.indexFailureCount: "1"]),
                    BFx.pod("b", phase: "Failed", finishedAgo: 1000, index: 1)]
        let plan = JobSync.plan(job, pods: pods, now: now)
        #expect(plan.status.failedIndexes == "0")
        let created = plan.create.map { ($0.metadata?.annotations?[JobNames.completionIndex], $0.metadata?.annotations?[JobNames.indexFailureCount]) }
        #expect(created.count == 1)
        #expect(created.first?.0 == "1" && created.first?.1 == "1")
    }

    @Test("index intervals format and parse as the status writes them")
    func intervals() {
        #expect(IndexIntervals.format([0, 1, 2, 4, 6, 7]) == "0-2,4,6-7")
        #expect(IndexIntervals.format([]) == "")
        #expect(IndexIntervals.parse("0-2,4,6-7,x,9-3", completions: 7) == [0, 1, 2, 4, 6])
    }
}

@Suite("Batch controllers on extreme input", .timeLimit(.minutes(1)))
struct BatchExtremeInputTests {
    @Test("huge deadlines, TTLs and failure counts neither trap nor overflow")
    func extremes() {
        var job = BFx.job(completions: 1)
        job.spec?.activeDeadlineSeconds = Int64.max
        let plan = JobSync.plan(job, pods: [], now: Fx.t0)
        #expect(plan.create.count == 1)
        _ = Requeue.afterSeconds(plan.requeueAfter ?? 0)
        _ = Requeue.afterSeconds(.infinity)
        _ = Requeue.afterSeconds(-5)
        #expect(JobPodRules.backoffRemaining(failures: Int.max, lastFailure: Fx.t0, now: Fx.t0) == 360)
        #expect(IndexIntervals.parse("0-9223372036854775807,99999999999999999999", completions: 3) == [0, 1, 2])
    }
}
