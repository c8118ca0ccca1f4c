import Foundation
import SkiffAPI
import Testing
@testable import SkiffControllers

@Suite("Cron schedules and CronJob decisions on a fixed clock", .timeLimit(.minutes(1)))
struct CronJobSyncTests {
    func date(_ text: String) -> Date { SkiffControllers.KubeTime.parse(text)! }

    @Test("five fields, names, steps, ranges and macros give robfig's next times")
    func nextTimes() throws {
        let base = date("2026-03-10T10:02:30Z")  // a Tuesday
        let table: [(String, String)] = [
            ("* * * * *", "2026-03-10T10:03:00Z"),
            ("*/15 * * * *", "2026-03-10T10:15:00Z"),
            ("0 9-17/4 * * mon-fri", "2026-03-10T13:00:00Z"),
            ("30 2 1 * *", "2026-04-01T02:30:00Z"),
            ("0 0 * * sun", "2026-03-15T00:00:00Z"),
            ("0 0 * * 7", "2026-03-15T00:00:00Z"),
            ("0 0 13 * 5", "2026-03-13T00:00:00Z"),  // day-of-month OR day-of-week when both restricted
            ("0 0 1 jan *", "2027-01-01T00:00:00Z"),
            ("@hourly", "2026-03-10T11:00:00Z"),
            ("@daily", "2026-03-11T00:00:00Z"),
            ("@weekly", "2026-03-15T00:00:00Z"),
            ("@monthly", "2026-04-01T00:00:00Z"),
            ("@yearly", "2027-01-01T00:00:00Z"),
        ]
        for (spec, expected) in table {
            let s = try CronSchedule(spec)
            #expect(s.next(after: base) == date(expected), "\(spec)")
        }
        #expect(try CronSchedule("0 0 30 2 *").next(after: base) == nil)
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule("61 * * * *") }
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule("* * *") }
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule("@fortnightly") }
    }

    @Test("schedules are read in the CronJob's time zone")
    func timeZone() throws {
        let s = try CronSchedule("0 9 * * *", timeZone: TimeZone(identifier: "Asia/Tokyo")!)
        #expect(s.next(after: date("2026-03-10T10:02:30Z")) == date("2026-03-11T00:00:00Z"))
    }

    @Test("a due schedule creates <name>-<minutes since epoch> owned by the CronJob and records lastScheduleTime")
    func createsDueJob() throws {
        let now = date("2026-03-10T10:07:10Z")
        let plan = CronJobSync.plan(BFx.cronJob(from: now, createdAgo: 600), jobs: [], now: now)
        let job = try #require(plan.create)
        let scheduled = date("2026-03-10T10:05:00Z")
        #expect(job.metadata?.name == "tick-\(Int(scheduled.timeIntervalSince1970) / 60)")
        #expect(job.metadata?.ownerReferences?.first?.kind == "CronJob")
        #expect(job.metadata?.annotations?[CronJobSync.scheduledTimestampAnnotation] == "2026-03-10T10:05:00Z")
        #expect(job.metadata?.labels == ["app": "tick"])
        #expect(plan.scheduledTime == scheduled)
        #expect(abs((plan.requeueAfter ?? 0) - (170 + 0.1)) < 0.01)
    }

    @Test("nothing runs twice for one schedule time, nor before it is due")
    func notTwice() {
        let now = date("2026-03-10T10:07:10Z")
        let done = CronJobSync.plan(BFx.cronJob(from: now, lastSchedule: date("2026-03-10T10:05:00Z")), jobs: [], now: now)
        #expect(done.create == nil)
        let fresh = CronJobSync.plan(BFx.cronJob(from: now, createdAgo: 60), jobs: [], now: date("2026-03-10T10:07:10Z"))
        #expect(fresh.create == nil)
    }

    @Test("Forbid skips while a Job runs; Replace deletes the running Job and starts the new one")
    func concurrency() {
        let now = date("2026-03-10T10:07:10Z")
        let running = BFx.childJob("tick-1")
        let forbid = CronJobSync.plan(BFx.cronJob(from: now, policy: "Forbid", lastSchedule: date("2026-03-10T10:00:00Z"), active: [BFx.ref(running)]),
                                      jobs: [running], now: now)
        #expect(forbid.create == nil)
        #expect(forbid.events.contains { $0.reason == "JobAlreadyActive" })
        let replace = CronJobSync.plan(BFx.cronJob(from: now, policy: "Replace", lastSchedule: date("2026-03-10T10:00:00Z"), active: [BFx.ref(running)]),
                                       jobs: [running], now: now)
        #expect(replace.deleteActive == ["tick-1"] && replace.create != nil)
        let allow = CronJobSync.plan(BFx.cronJob(from: now, lastSchedule: date("2026-03-10T10:00:00Z"), active: [BFx.ref(running)]), jobs: [running], now: now)
        #expect(allow.deleteActive.isEmpty && allow.create != nil)
    }

    @Test("a schedule missed by more than startingDeadlineSeconds is skipped with MissSchedule")
    func startingDeadline() {
        let now = date("2026-03-10T10:07:10Z")
        let plan = CronJobSync.plan(BFx.cronJob(from: now, lastSchedule: date("2026-03-10T10:00:00Z"), deadline: 60), jobs: [], now: now)
        #expect(plan.create == nil)
        let ok = CronJobSync.plan(BFx.cronJob(from: now, lastSchedule: date("2026-03-10T10:00:00Z"), deadline: 200), jobs: [], now: now)
        #expect(ok.create != nil)
    }

    @Test("more than 100 missed schedules raise TooManyMissedTimes and only the latest runs")
    func tooManyMissed() {
        let now = date("2026-03-10T10:07:10Z")
        let plan = CronJobSync.plan(BFx.cronJob(from: now, schedule: "* * * * *", createdAgo: 200 * 60), jobs: [], now: now)
        #expect(plan.events.contains { $0.reason == "TooManyMissedTimes" && $0.warning })
        #expect(plan.scheduledTime == date("2026-03-10T10:07:00Z"))
    }

    @Test("finished Jobs leave the active list, set lastSuccessfulTime, and beyond the history limits are deleted oldest first")
    func history() {
        let now = date("2026-03-10T10:07:10Z")
        let jobs = [BFx.childJob("ok-1", finished: "Complete", startedAgo: 500), BFx.childJob("ok-2", finished: "Complete", startedAgo: 400),
                    BFx.childJob("ok-3", finished: "Complete", startedAgo: 300), BFx.childJob("ok-4", finished: "Complete", startedAgo: 200),
                    BFx.childJob("bad-1", finished: "Failed", startedAgo: 450), BFx.childJob("bad-2", finished: "Failed", startedAgo: 250)]
        let cj = BFx.cronJob(from: now, lastSchedule: date("2026-03-10T10:05:00Z"), active: [BFx.ref(jobs[3])])
        let plan = CronJobSync.plan(cj, jobs: jobs, now: now)
        #expect(plan.deleteFinished == ["ok-1", "bad-1"])
        #expect(plan.status.active == nil)
        #expect(plan.status.lastSuccessfulTime == jobs[3].status?.completionTime)
        #expect(plan.events.contains { $0.reason == "SawCompletedJob" })
    }

    @Test("an unknown time zone and a suspended CronJob create nothing")
    func refusals() {
        let now = date("2026-03-10T10:07:10Z")
        let bad = CronJobSync.plan(BFx.cronJob(from: now, timeZone: "Mars/Olympus"), jobs: [], now: now)
        #expect(bad.create == nil && bad.events.contains { $0.reason == "UnknownTimeZone" })
        var suspended = BFx.cronJob(from: now)
        suspended.spec?.suspend = true
        #expect(CronJobSync.plan(suspended, jobs: [], now: now).create == nil)
    }
}

@Suite("TTL-after-finished and pod GC decisions", .timeLimit(.minutes(1)))
struct CleanupSyncTests {
    let now = Fx.t0

    @Test("a finished Job expires ttlSecondsAfterFinished after its terminal condition")
    func ttl() {
        var job = BFx.job()
        job.spec?.ttlSecondsAfterFinished = 100
        #expect(TTLAfterFinishedController.timeLeft(job, now: now) == nil)
        job.status?.conditions = [BatchV1.JobCondition(lastTransitionTime: Fx.ts(30), status: "True", type: "Complete")]
        #expect(TTLAfterFinishedController.timeLeft(job, now: now) == 70)
        job.spec?.ttlSecondsAfterFinished = 0
        #expect(TTLAfterFinishedController.timeLeft(job, now: now) == -30)
        job.metadata?.deletionTimestamp = Fx.ts(1)
        #expect(TTLAfterFinishedController.timeLeft(job, now: now) == nil)
    }

    func node(_ name: String) -> CoreV1.Node { CoreV1.Node(metadata: MetaV1.ObjectMeta(name: name)) }

    @Test("pod GC removes the oldest terminated pods past the threshold, orphans after quarantine, unscheduled terminating pods")
    func podGC() {
        var pods: [CoreV1.Pod] = []
        for i in 0..<5 { pods.append(Fx.pod("done-\(i)", node: "n1", phase: i % 2 == 0 ? "Succeeded" : "Failed", age: Double(100 - i))) }
        pods.append(Fx.pod("live", node: "n1", phase: "Running"))
        pods.append(Fx.pod("orphan", node: "gone", phase: "Running"))
        pods.append(Fx.pod("unscheduled-terminating", deleting: true))
        pods.append(Fx.pod("unscheduled"))
        let first = PodGCSync.plan(pods: pods, nodes: [node("n1")], threshold: 3, missingSince: [:], now: now)
        #expect(first.terminated == ["default/done-0", "default/done-1"])
        #expect(first.orphaned.isEmpty && first.missingNodes == ["gone"])
        #expect(first.unscheduledTerminating == ["default/unscheduled-terminating"])
        let later = PodGCSync.plan(pods: pods, nodes: [node("n1")], threshold: 3, missingSince: ["gone": now.addingTimeInterval(-41)], now: now)
        #expect(later.orphaned == ["default/orphan"])
        let off = PodGCSync.plan(pods: pods, nodes: [node("n1")], threshold: 0, missingSince: [:], now: now)
        #expect(off.terminated.isEmpty)
    }
}
