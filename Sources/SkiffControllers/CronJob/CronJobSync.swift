import Foundation
import SkiffAPI

/// What one reconcile of a CronJob should do (upstream cronjob controller v2 `syncCronJob`
/// and `cleanupFinishedJobs`), decided from the CronJob, its Jobs in the cache and the time.
struct CronJobPlan: Sendable {
    /// The Job to create for the schedule that is due (name `<cronjob>-<minutes since epoch>`).
    var create: BatchV1.Job?
    /// The schedule time `create` is for.
    var scheduledTime: Date?
    /// Active Jobs to delete first (concurrencyPolicy Replace), then finished Jobs beyond the
    /// history limits; both with background propagation.
    var deleteActive: [String] = []
    var deleteFinished: [String] = []
    /// Status to write (`create` adds its reference and lastScheduleTime once it exists).
    var status = BatchV1.CronJobStatus()
    var events: [JobEvent] = []
    /// Active references whose Job is not in the cache: confirmed with a GET before dropping.
    var missing: [CoreV1.ObjectReference] = []
    /// When to look again (the next schedule time).
    var requeueAfter: TimeInterval?
}

enum CronJobSync {
    static let scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

    static func plan(_ cj: BatchV1.CronJob, jobs: [BatchV1.Job], now: Date) -> CronJobPlan {
        var plan = CronJobPlan()
        var status = cj.status ?? BatchV1.CronJobStatus()
        var active = status.active ?? []
        let byUID = Dictionary(jobs.compactMap { j in j.metadata?.uid.map { ($0, j) } }, uniquingKeysWith: { a, _ in a })

        // Reconcile the active list with the Jobs that exist.
        for job in jobs {
            let uid = job.metadata?.uid ?? ""
            let listed = active.contains { $0.uid == uid }
            let finished = job.finishedCondition
            if !listed && finished == nil {
                plan.events.append(JobEvent(warning: true, reason: "UnexpectedJob",
                                            message: "Saw a job that the controller did not create or forgot: \(job.metadata?.name ?? "")"))
            } else if listed, let finished {
                active.removeAll { $0.uid == uid }
                plan.events.append(JobEvent(reason: "SawCompletedJob", message: "Saw completed job: \(job.metadata?.name ?? ""), condition: \(finished)"))
            }
            if finished == "Complete", let done = KubeTime.parse(job.status?.completionTime) {
                if let last = KubeTime.parse(status.lastSuccessfulTime), last >= done {} else {
                    status.lastSuccessfulTime = job.status?.completionTime
                }
            }
        }
        plan.missing = active.filter { byUID[$0.uid ?? ""] == nil }
        status.active = active.isEmpty ? nil : active
        plan.status = status

        if cj.metadata?.deletionTimestamp != nil { return plan }

        // History limits apply whatever the schedule says.
        cleanup(cj, jobs: jobs, plan: &plan)

        var zone = TimeZone(identifier: "UTC")!
        if let name = cj.spec?.timeZone {
            guard let z = TimeZone(identifier: name) else {
                plan.events.append(JobEvent(warning: true, reason: "UnknownTimeZone", message: "invalid timeZone: \"\(name)\": unknown time zone \(name)"))
                return plan
            }
            zone = z
        }
        let schedule: CronSchedule
        do {
            schedule = try CronSchedule(cj.spec?.schedule ?? "", timeZone: zone)
        } catch {
            plan.events.append(JobEvent(warning: true, reason: "UnparseableSchedule",
                                        message: "unparseable schedule: \"\(cj.spec?.schedule ?? "")\" : \(error)"))
            return plan
        }
        if cj.spec?.suspend == true { return plan }

        let next = { (t: Date) -> TimeInterval? in schedule.next(after: t).map { $0.timeIntervalSince(now) + 0.1 } }
        let (scheduled, missed) = mostRecentScheduleTime(cj, schedule: schedule, now: now)
        guard let scheduled else {
            plan.requeueAfter = next(now)
            return plan
        }
        if missed > 100 {
            plan.events.append(JobEvent(warning: true, reason: "TooManyMissedTimes",
                                        message: "too many missed start times: \(missed). Set or decrease .spec.startingDeadlineSeconds or check clock skew"))
        }
        plan.requeueAfter = next(now)
        if let deadline = cj.spec?.startingDeadlineSeconds, scheduled.addingTimeInterval(Double(deadline)) < now {
            plan.events.append(JobEvent(warning: true, reason: "MissSchedule",
                                        message: "Missed scheduled time to start a job: \(rfc1123Z(scheduled, zone))"))
            return plan
        }
        let name = jobName(cj, scheduled)
        if active.contains(where: { $0.name == name }) || KubeTime.parse(status.lastScheduleTime) == scheduled {
            return plan
        }
        switch cj.spec?.concurrencyPolicy ?? "Allow" {
        case "Forbid" where !active.isEmpty:
            plan.events.append(JobEvent(reason: "JobAlreadyActive",
                                        message: "Not starting job because prior execution is running and concurrency policy is Forbid"))
            return plan
        case "Replace":
            plan.deleteActive = active.compactMap(\.name)
        default: break
        }
        plan.create = job(for: cj, scheduled: scheduled, zone: zone)
        plan.scheduledTime = scheduled
        return plan
    }

    /// Upstream `mostRecentScheduleTime`: the latest schedule time not after `now`, counted
    /// from the last schedule (or creation), no earlier than `startingDeadlineSeconds` ago;
    /// and roughly how many were missed.
    static func mostRecentScheduleTime(_ cj: BatchV1.CronJob, schedule: CronSchedule, now: Date) -> (Date?, Int) {
        var earliest = KubeTime.parse(cj.status?.lastScheduleTime) ?? KubeTime.parse(cj.metadata?.creationTimestamp) ?? now
        if let deadline = cj.spec?.startingDeadlineSeconds {
            let limit = now.addingTimeInterval(-Double(deadline))
            if limit > earliest { earliest = limit }
        }
        guard let t1 = schedule.next(after: earliest), t1 <= now else { return (nil, 0) }
        guard let t2 = schedule.next(after: t1), t2 <= now else { return (t1, 1) }
        let between = max(1, t2.timeIntervalSince(t1).rounded())
        let missed = Int(now.timeIntervalSince(t1) / between) + 1
        // Walk the last stretch exactly (irregular schedules), from a little before the estimate.
        var t = max(t1, t1.addingTimeInterval(Double(missed - 2) * between))
        var latest = t
        var steps = 0
        while let n = schedule.next(after: t), n <= now, steps < 10_000 {
            latest = n
            t = n
            steps += 1
        }
        return (latest, missed)
    }

    static func jobName(_ cj: BatchV1.CronJob, _ scheduled: Date) -> String {
        "\(cj.metadata?.name ?? "")-\(Int64(scheduled.timeIntervalSince1970 / 60))"
    }

    /// Upstream `getJobFromTemplate2`.
    static func job(for cj: BatchV1.CronJob, scheduled: Date, zone: TimeZone) -> BatchV1.Job {
        let template = cj.spec?.jobTemplate
        var meta = MetaV1.ObjectMeta()
        meta.name = jobName(cj, scheduled)
        meta.namespace = cj.metadata?.namespace
        meta.labels = template?.metadata?.labels
        var annotations = template?.metadata?.annotations ?? [:]
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        annotations[scheduledTimestampAnnotation] = formatter.string(from: scheduled)
        meta.annotations = annotations
        meta.ownerReferences = [MetaV1.OwnerReference(apiVersion: "batch/v1", blockOwnerDeletion: true, controller: true,
                                                      kind: "CronJob", name: cj.metadata?.name, uid: cj.metadata?.uid)]
        return BatchV1.Job(apiVersion: "batch/v1", kind: "Job", metadata: meta, spec: template?.spec)
    }

    /// Finished Jobs beyond `successfulJobsHistoryLimit` (3) and `failedJobsHistoryLimit` (1),
    /// oldest first by start time.
    static func cleanup(_ cj: BatchV1.CronJob, jobs: [BatchV1.Job], plan: inout CronJobPlan) {
        func oldest(_ finished: [BatchV1.Job], keep: Int) -> [String] {
            guard finished.count > keep else { return [] }
            let sorted = finished.sorted { a, b in
                let ta = KubeTime.parse(a.status?.startTime) ?? .distantPast, tb = KubeTime.parse(b.status?.startTime) ?? .distantPast
                return ta == tb ? (a.metadata?.name ?? "") < (b.metadata?.name ?? "") : ta < tb
            }
            return sorted.prefix(finished.count - keep).compactMap(\.metadata?.name)
        }
        let live = jobs.filter { $0.metadata?.deletionTimestamp == nil }
        plan.deleteFinished = oldest(live.filter { $0.finishedCondition == "Complete" }, keep: Int(max(0, cj.spec?.successfulJobsHistoryLimit ?? 3)))
            + oldest(live.filter { $0.finishedCondition == "Failed" }, keep: Int(max(0, cj.spec?.failedJobsHistoryLimit ?? 1)))
    }

    /// Go's RFC1123Z layout ("Mon, 02 Jan 2006 15:04:05 -0700").
    static func rfc1123Z(_ date: Date, _ zone: TimeZone) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }
}

extension BatchV1.Job {
    /// "Complete" or "Failed" when the Job has that condition True.
    var finishedCondition: String? {
        status?.conditions?.first { ($0.type == "Complete" || $0.type == "Failed") && $0.status == "True" }?.type
    }
}
