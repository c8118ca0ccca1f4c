import Foundation
import SkiffAPI

/// One event the controller records on the Job.
struct JobEvent: Equatable, Sendable {
    var warning = false
    var reason: String
    var message: String
}

/// What one reconcile of a Job should do, decided from lister contents alone (upstream
/// `syncJob`, `manageJob`, `trackJobStatusAndRemoveFinalizers`).
///
/// Pods are tracked in two phases so that none is counted twice or lost: a finished pod that
/// still carries the `batch.kubernetes.io/job-tracking` finalizer is first recorded by UID in
/// `status.uncountedTerminatedPods` (`uncountedStatus`, written before anything else), then
/// its finalizer is removed (`stripFinalizers`), and only then is it moved into the counters
/// (`status`). A crash between the steps leaves the UID in the uncounted list, from where the
/// next sync moves it once the finalizer is gone.
struct JobPlan: Sendable {
    /// Status to write first when new finished pods were found (their UIDs added to uncounted).
    var uncountedStatus: BatchV1.JobStatus?
    /// Pods (names) whose tracking finalizer must be removed before `status` is written.
    var stripFinalizers: [String] = []
    /// Pods to create.
    var create: [CoreV1.Pod] = []
    /// Pods (names) to delete.
    var delete: [String] = []
    /// The status once every finalizer above is removed.
    var status = BatchV1.JobStatus()
    var events: [JobEvent] = []
    /// Look again then (back-off or active deadline).
    var requeueAfter: TimeInterval?
}

enum JobSync {
    /// Upstream `MaxPodCreateDeletePerSync`.
    static let burst = 500

    /// `pods`: the pods this Job controls (finished ones too). `finalizersBeingRemoved`: UIDs
    /// whose finalizer removal was sent but not yet seen in the informer (never counted again).
    static func plan(_ job: BatchV1.Job, pods: [CoreV1.Pod], now: Date, expectationsSatisfied: Bool = true,
                     finalizersBeingRemoved: Set<String> = []) -> JobPlan {
        var plan = JobPlan()
        let old = job.status ?? BatchV1.JobStatus()
        var status = old
        let nowText = KubeTime.format(now)

        // A finished Job only lets go of its pods.
        if job.isFinished || job.metadata?.deletionTimestamp != nil {
            plan.stripFinalizers = pods.filter { $0.hasTrackingFinalizer && !finalizersBeingRemoved.contains($0.uid) }.map(\.name)
            plan.status = old
            return plan
        }

        let completions = job.completions
        let indexRange = job.isIndexed ? (completions ?? 0) : 0
        var uncountedSucceeded = Set(old.uncountedTerminatedPods?.succeeded ?? [])
        var uncountedFailed = Set(old.uncountedTerminatedPods?.failed ?? [])
        var succeededIndexes = job.isIndexed ? IndexIntervals.parse(old.completedIndexes, completions: indexRange) : []
        var failedIndexes = job.isIndexed && job.spec?.backoffLimitPerIndex != nil
            ? IndexIntervals.parse(old.failedIndexes, completions: indexRange) : []
        var failJobMessage: String?

        // The condition that ends the Job, if one was already decided.
        var finishing = old.conditions?.first { ($0.type == "FailureTarget" || $0.type == "SuccessCriteriaMet") && $0.status == "True" }

        let active = pods.filter(\.isActive)
        let terminating = pods.filter { $0.isTerminating && !$0.isFinished }

        // Phase 1: finished pods (and, once the Job is finishing, every pod) not yet recorded.
        var newUncounted = false
        for pod in pods where pod.hasTrackingFinalizer && !finalizersBeingRemoved.contains(pod.uid) {
            let failed = JobPodRules.isFailed(pod, job: job)
            let finished = pod.phase == "Succeeded" || failed
            guard finished || finishing != nil else { continue }
            plan.stripFinalizers.append(pod.name)
            if uncountedSucceeded.contains(pod.uid) || uncountedFailed.contains(pod.uid) { continue }
            if pod.phase == "Succeeded" {
                uncountedSucceeded.insert(pod.uid)
                newUncounted = true
                if let i = pod.completionIndex(completions: indexRange) { succeededIndexes.insert(i) }
            } else if failed || finishing?.type == "FailureTarget" {
                switch JobPodRules.action(for: pod, job: job) {
                case .ignore: continue
                case .failJob(let message):
                    failJobMessage = failJobMessage ?? message
                case .failIndex:
                    if let i = pod.completionIndex(completions: indexRange), job.spec?.backoffLimitPerIndex != nil { failedIndexes.insert(i) }
                case .count:
                    if let limit = job.spec?.backoffLimitPerIndex, let i = pod.completionIndex(completions: indexRange),
                       pod.annotationInt(JobNames.indexFailureCount) + 1 > Int(limit) {
                        failedIndexes.insert(i)
                    }
                }
                uncountedFailed.insert(pod.uid)
                newUncounted = true
            }
        }
        status.uncountedTerminatedPods = BatchV1.UncountedTerminatedPods(
            failed: uncountedFailed.isEmpty ? nil : uncountedFailed.sorted(),
            succeeded: uncountedSucceeded.isEmpty ? nil : uncountedSucceeded.sorted())
        if job.isIndexed {
            succeededIndexes.subtract(failedIndexes)
            // Go omits an empty completedIndexes (a plain string); failedIndexes is a pointer and stays "".
            status.completedIndexes = succeededIndexes.isEmpty ? nil : IndexIntervals.format(succeededIndexes)
            if job.spec?.backoffLimitPerIndex != nil { status.failedIndexes = IndexIntervals.format(failedIndexes) }
        }
        var recorded = status

        // Phase 3 (after the finalizers are gone): counters include everything recorded.
        let failedCount = Int(old.failed ?? 0) + uncountedFailed.count
        let succeededCount = job.isIndexed ? succeededIndexes.count : Int(old.succeeded ?? 0) + uncountedSucceeded.count
        status.uncountedTerminatedPods = BatchV1.UncountedTerminatedPods()
        status.failed = failedCount > 0 ? Int32(clamping: failedCount) : nil
        // Indexed Jobs count succeeded indexes, not pods (upstream).
        status.succeeded = succeededCount > 0 ? Int32(clamping: succeededCount) : nil
        if status.startTime == nil, !job.isSuspended { status.startTime = nowText }

        // Decide how the Job ends.
        if finishing == nil {
            if let message = failJobMessage {
                finishing = condition("FailureTarget", "PodFailurePolicy", message, nowText)
            } else if job.spec?.backoffLimitPerIndex == nil, failedCount > job.backoffLimit
                        || (job.spec?.template?.spec?.restartPolicy == "OnFailure" && job.backoffLimit > 0
                            && active.reduce(0, { $0 + Int($1.maxRestarts.regular) }) >= job.backoffLimit) {
                finishing = condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit", nowText)
            } else if let max = job.spec?.maxFailedIndexes, failedIndexes.count > Int(max) {
                finishing = condition("FailureTarget", "MaxFailedIndexesExceeded", "Job has exceeded the specified maximum number of failed indexes", nowText)
            } else if let deadline = job.spec?.activeDeadlineSeconds, !job.isSuspended,
                      let start = KubeTime.parse(status.startTime), now.timeIntervalSince(start) >= Double(deadline) {
                finishing = condition("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline", nowText)
            } else if let rule = successPolicyMatch(job, succeededIndexes) {
                finishing = condition("SuccessCriteriaMet", "SuccessPolicy", "Matched rules at index \(rule)", nowText)
            } else if isComplete(job, succeeded: succeededCount, active: active.count) {
                finishing = condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", nowText)
            } else if job.isIndexed, job.spec?.backoffLimitPerIndex != nil, let c = completions,
                      !failedIndexes.isEmpty, succeededIndexes.count + failedIndexes.count >= c {
                finishing = condition("FailureTarget", "FailedIndexes", "Job has failed indexes", nowText)
            }
            if let finishing {
                status.conditions = (status.conditions ?? []) + [finishing]
                // Every remaining pod is let go of now (upstream strips them in the same sync).
                plan.stripFinalizers = pods.filter { $0.hasTrackingFinalizer && !finalizersBeingRemoved.contains($0.uid) }.map(\.name)
                if finishing.type == "FailureTarget" {
                    // Non-finished pods count as failed once the Job is failing.
                    for pod in pods where pod.hasTrackingFinalizer && !pod.isFinished && !finalizersBeingRemoved.contains(pod.uid)
                        && !uncountedFailed.contains(pod.uid) {
                        uncountedFailed.insert(pod.uid)
                    }
                    let total = Int(old.failed ?? 0) + uncountedFailed.count
                    status.failed = total > 0 ? Int32(clamping: total) : nil
                }
                // The condition is recorded with the pods it makes count, before any finalizer goes.
                recorded.conditions = status.conditions
                newUncounted = true
                recorded.uncountedTerminatedPods = BatchV1.UncountedTerminatedPods(
                    failed: uncountedFailed.isEmpty ? nil : uncountedFailed.sorted(),
                    succeeded: uncountedSucceeded.isEmpty ? nil : uncountedSucceeded.sorted())
            }
        }

        if newUncounted { plan.uncountedStatus = recorded }

        var activeAfter = active
        if let finishing {
            // Terminate what still runs; the terminal condition waits until nothing does.
            if expectationsSatisfied { plan.delete = active.map(\.name) }
            activeAfter = []
            if active.isEmpty && terminating.isEmpty {
                let terminal = finishing.type == "FailureTarget" ? "Failed" : "Complete"
                status.conditions = (status.conditions ?? []) + [condition(terminal, finishing.reason ?? "", finishing.message ?? "", nowText)]
                if terminal == "Complete" {
                    status.completionTime = nowText
                    plan.events.append(JobEvent(reason: "Completed", message: "Job completed"))
                } else {
                    plan.events.append(JobEvent(warning: true, reason: finishing.reason ?? "", message: finishing.message ?? ""))
                }
            }
        } else if job.isSuspended {
            if expectationsSatisfied { plan.delete = active.map(\.name) }
            activeAfter = []
            if job.condition("Suspended") == nil {
                setCondition(&status, condition("Suspended", "JobSuspended", "Job suspended", nowText))
                plan.events.append(JobEvent(reason: "Suspended", message: "Job suspended"))
            }
        } else {
            if let c = status.conditions?.first(where: { $0.type == "Suspended" }), c.status == "True" {
                var resumed = condition("Suspended", "JobResumed", "Job resumed", nowText)
                resumed.status = "False"
                setCondition(&status, resumed)
                // The active deadline counts from the resume.
                status.startTime = nowText
                plan.events.append(JobEvent(reason: "Resumed", message: "Job resumed"))
            }
            if expectationsSatisfied {
                manage(job, pods: pods, active: active, terminating: terminating.count, succeeded: succeededCount,
                       succeededIndexes: succeededIndexes, failedIndexes: failedIndexes, now: now, plan: &plan)
                let deleted = Set(plan.delete)
                activeAfter = active.filter { !deleted.contains($0.name) }
            }
            if let deadline = job.spec?.activeDeadlineSeconds, let start = KubeTime.parse(status.startTime) {
                let left = Double(deadline) - now.timeIntervalSince(start)
                plan.requeueAfter = min(plan.requeueAfter ?? .infinity, max(left, 0.001))
            }
        }

        let activeCount = activeAfter.count + plan.create.count
        status.active = activeCount > 0 ? Int32(clamping: activeCount) : nil
        status.ready = Int32(clamping: activeAfter.filter(\.isReady).count)
        status.terminating = Int32(clamping: terminating.count + (active.count - activeAfter.count))
        if status.conditions?.isEmpty == true { status.conditions = nil }
        plan.status = status
        return plan
    }

    /// Upstream `manageJob`: how many pods should run, which to create (with which indexes,
    /// after the failure back-off) and which surplus ones to delete.
    static func manage(_ job: BatchV1.Job, pods: [CoreV1.Pod], active: [CoreV1.Pod], terminating: Int, succeeded: Int,
                       succeededIndexes: Set<Int>, failedIndexes: Set<Int>, now: Date, plan: inout JobPlan) {
        let parallelism = job.parallelism
        var wantActive: Int
        if let completions = job.completions {
            wantActive = max(0, min(completions - succeeded, parallelism))
        } else {
            wantActive = succeeded > 0 ? active.count : parallelism
        }
        var keep = active
        if job.isIndexed, let completions = job.completions {
            // Pods without a valid index, for a finished index, or a second pod for one index go.
            var seen = Set<Int>()
            var surplus: [CoreV1.Pod] = []
            keep = []
            for pod in active.sorted(by: { ($0.isReady ? 0 : 1, $0.name) < ($1.isReady ? 0 : 1, $1.name) }) {
                guard let i = pod.completionIndex(completions: completions), !succeededIndexes.contains(i),
                      !failedIndexes.contains(i), !seen.contains(i) else {
                    surplus.append(pod)
                    continue
                }
                seen.insert(i)
                keep.append(pod)
            }
            plan.delete = surplus.map(\.name)
        }
        if keep.count > wantActive {
            let order = PodRanking.deletionOrder(keep, related: keep, now: now)
            plan.delete += order.prefix(min(keep.count - wantActive, burst)).map(\.name)
            return
        }
        var diff = wantActive - keep.count
        if job.onlyReplaceFailedPods { diff -= terminating }
        diff = min(diff, burst)
        guard diff > 0 else { return }

        if job.isIndexed, let completions = job.completions {
            let running = Set(keep.compactMap { $0.completionIndex(completions: completions) })
            var created = 0
            for i in 0..<completions where created < diff {
                if succeededIndexes.contains(i) || failedIndexes.contains(i) || running.contains(i) { continue }
                // The last failed pod of this index decides its back-off and failure count.
                let previous = pods.filter { $0.completionIndex(completions: completions) == i && JobPodRules.isFailed($0, job: job) }
                    .max { $0.finishedTime(fallback: now) < $1.finishedTime(fallback: now) }
                var failures = 0, ignored = 0
                if let previous {
                    failures = previous.annotationInt(JobNames.indexFailureCount)
                    ignored = previous.annotationInt(JobNames.indexIgnoredFailureCount)
                    if JobPodRules.action(for: previous, job: job) == .ignore { ignored += 1 } else { failures += 1 }
                    let wait = JobPodRules.backoffRemaining(failures: failures, lastFailure: previous.finishedTime(fallback: now), now: now)
                    if wait > 0 {
                        plan.requeueAfter = min(plan.requeueAfter ?? .infinity, wait)
                        continue
                    }
                }
                plan.create.append(pod(for: job, index: i, failures: job.spec?.backoffLimitPerIndex != nil ? (failures, ignored) : nil))
                created += 1
            }
        } else {
            let (failures, last) = failuresAfterLastSuccess(job, pods: pods, now: now)
            let wait = JobPodRules.backoffRemaining(failures: failures, lastFailure: last, now: now)
            if wait > 0 {
                plan.requeueAfter = min(plan.requeueAfter ?? .infinity, wait)
                return
            }
            plan.create = Array(repeating: pod(for: job, index: nil, failures: nil), count: diff)
        }
    }

    /// Counted failures since the last success and the time of the last one (upstream's
    /// back-off record, rebuilt from the pods in the cache).
    static func failuresAfterLastSuccess(_ job: BatchV1.Job, pods: [CoreV1.Pod], now: Date) -> (Int, Date?) {
        let finished = pods.filter { $0.phase == "Succeeded" || JobPodRules.isFailed($0, job: job) }
            .sorted { $0.finishedTime(fallback: now) < $1.finishedTime(fallback: now) }
        var failures = 0
        var last: Date?
        for pod in finished {
            if pod.phase == "Succeeded" {
                failures = 0
                last = nil
            } else if JobPodRules.action(for: pod, job: job) != .ignore {
                failures += 1
                last = pod.finishedTime(fallback: now)
            }
        }
        return (failures, last)
    }

    static func isComplete(_ job: BatchV1.Job, succeeded: Int, active: Int) -> Bool {
        guard let completions = job.completions else { return succeeded > 0 && active == 0 }
        return succeeded >= completions
    }

    /// The index of the first success-policy rule met (Indexed Jobs only).
    static func successPolicyMatch(_ job: BatchV1.Job, _ succeeded: Set<Int>) -> Int? {
        guard job.isIndexed, let rules = job.spec?.successPolicy?.rules, let completions = job.completions else { return nil }
        for (i, rule) in rules.enumerated() {
            if let text = rule.succeededIndexes {
                let wanted = IndexIntervals.parse(text, completions: completions)
                let done = wanted.intersection(succeeded).count
                if let count = rule.succeededCount {
                    if done >= Int(count) { return i }
                } else if !wanted.isEmpty, done == wanted.count {
                    return i
                }
            } else if let count = rule.succeededCount, succeeded.count >= Int(count) {
                return i
            }
        }
        return nil
    }

    static func condition(_ type: String, _ reason: String, _ message: String, _ now: String) -> BatchV1.JobCondition {
        BatchV1.JobCondition(lastProbeTime: now, lastTransitionTime: now, message: message, reason: reason, status: "True", type: type)
    }

    /// Replaces the condition of the same type (keeping its transition time when the status is unchanged).
    static func setCondition(_ status: inout BatchV1.JobStatus, _ c: BatchV1.JobCondition) {
        var conditions = status.conditions ?? []
        if let i = conditions.firstIndex(where: { $0.type == c.type }) {
            var updated = c
            if conditions[i].status == c.status { updated.lastTransitionTime = conditions[i].lastTransitionTime }
            conditions[i] = updated
        } else {
            conditions.append(c)
        }
        status.conditions = conditions
    }

    /// The pod a Job creates (upstream `podTemplate` + `addCompletionIndexEnvVariables`):
    /// the template with the tracking finalizer, a controller reference, and for Indexed Jobs
    /// the index as annotation, label, hostname and `JOB_COMPLETION_INDEX`.
    static func pod(for job: BatchV1.Job, index: Int?, failures: (count: Int, ignored: Int)?) -> CoreV1.Pod {
        let template = job.spec?.template
        let name = job.metadata?.name ?? ""
        var meta = MetaV1.ObjectMeta()
        meta.labels = template?.metadata?.labels
        meta.annotations = template?.metadata?.annotations
        meta.finalizers = (template?.metadata?.finalizers ?? []) + [JobNames.trackingFinalizer]
        meta.namespace = job.metadata?.namespace
        meta.ownerReferences = [MetaV1.OwnerReference(apiVersion: "batch/v1", blockOwnerDeletion: true, controller: true,
                                                      kind: "Job", name: name, uid: job.metadata?.uid)]
        var spec = template?.spec ?? CoreV1.PodSpec()
        if let index {
            meta.generateName = "\(name)-\(index)-"
            meta.annotations = (meta.annotations ?? [:]).merging([JobNames.completionIndex: String(index)]) { _, b in b }
            meta.labels = (meta.labels ?? [:]).merging([JobNames.completionIndex: String(index)]) { _, b in b }
            if let failures {
                meta.annotations?[JobNames.indexFailureCount] = String(failures.count)
                if failures.ignored > 0 { meta.annotations?[JobNames.indexIgnoredFailureCount] = String(failures.ignored) }
            }
            if spec.hostname == nil { spec.hostname = "\(name)-\(index)" }
            let env = CoreV1.EnvVar(name: JobNames.completionIndexEnv, valueFrom: CoreV1.EnvVarSource(
                fieldRef: CoreV1.ObjectFieldSelector(fieldPath: "metadata.annotations['\(JobNames.completionIndex)']")))
            func addEnv(_ c: inout CoreV1.Container) {
                if c.env?.contains(where: { $0.name == JobNames.completionIndexEnv }) == true { return }
                c.env = (c.env ?? []) + [env]
            }
            if spec.containers != nil { for i in spec.containers!.indices { addEnv(&spec.containers![i]) } }
            if spec.initContainers != nil { for i in spec.initContainers!.indices { addEnv(&spec.initContainers![i]) } }
        } else {
            meta.generateName = "\(name)-"
        }
        return CoreV1.Pod(metadata: meta, spec: spec)
    }
}
