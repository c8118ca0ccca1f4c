import Foundation
import SkiffAPI
import Testing
@testable import SkiffHollow

@Suite("Hollow containers that exit", .timeLimit(.minutes(1)))
struct HollowPodExitTests {
    let t0 = Fixture.t0

    func start(_ pod: CoreV1.Pod) -> (HollowPod, CoreV1.Pod, [HollowPodAction]) {
        var sim = HollowPod(uid: "uid-1")
        let actions = sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0)
        return (sim, Fixture.applying(actions, to: pod), actions)
    }

    @Test("exit-after asks to be synced again when the container exits")
    func requeueAtExit() {
        let (_, _, actions) = start(Fixture.exiting(after: "3s", code: 1, restartPolicy: "Never"))
        #expect(actions.requeue == t0.addingTimeInterval(3))
    }

    @Test("restartPolicy Never with exit code 1 ends Failed with the terminated state kept")
    func neverFailed() throws {
        var (sim, pod, _) = start(Fixture.exiting(after: "3s", code: 1, restartPolicy: "Never"))
        let actions = sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(3.5))
        let status = try #require(actions.status)
        #expect(status.phase == "Failed")
        let app = try #require(status.container("app"))
        #expect(app.state?.terminated?.exitCode == 1)
        #expect(app.state?.terminated?.reason == "Error")
        #expect(app.state?.terminated?.startedAt == KubeTime.format(t0))
        #expect(app.state?.terminated?.finishedAt == KubeTime.format(t0.addingTimeInterval(3)))
        #expect(app.state?.terminated?.containerID == app.containerID)
        #expect(app.ready == false)
        #expect(app.started == false)
        #expect(app.restartCount == 0)
        #expect(status.condition("Ready")?.reason == "ContainersNotReady")
        #expect(status.condition("PodReadyToStartContainers")?.status == "False")
        #expect(status.podIP == "10.42.0.2")
        #expect(actions.requeue == nil)
        pod = Fixture.applying(actions, to: pod)
        #expect(sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(600)).isEmpty)
    }

    @Test("restartPolicy Never with exit code 0 ends Succeeded with PodCompleted conditions")
    func neverSucceeded() throws {
        var (sim, pod, _) = start(Fixture.exiting(after: "3s", code: 0, restartPolicy: "Never"))
        let status = try #require(sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(4)).status)
        #expect(status.phase == "Succeeded")
        #expect(status.container("app")?.state?.terminated?.reason == "Completed")
        #expect(status.condition("Ready")?.reason == "PodCompleted")
        #expect(status.condition("ContainersReady")?.reason == "PodCompleted")
        #expect(status.condition("Initialized")?.reason == "PodCompleted")
        #expect(status.condition("Initialized")?.status == "True")
        _ = pod
    }

    @Test("restartPolicy Always restarts at once the first time, then backs off 10 s in CrashLoopBackOff")
    func alwaysCrashLoop() throws {
        var (sim, pod, _) = start(Fixture.exiting(after: "3s", code: 2, restartPolicy: "Always"))
        // First exit at t0+3: restarted immediately.
        var actions = sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(4))
        var app = try #require(actions.status?.container("app"))
        #expect(actions.status?.phase == "Running")
        #expect(app.restartCount == 1)
        #expect(app.state?.running?.startedAt == KubeTime.format(t0.addingTimeInterval(3)))
        #expect(app.lastState?.terminated?.exitCode == 2)
        #expect(app.lastState?.terminated?.reason == "Error")
        #expect(app.containerID != app.lastState?.terminated?.containerID)
        #expect(actions.requeue == t0.addingTimeInterval(6))
        pod = Fixture.applying(actions, to: pod)
        // Second exit at t0+6: waits 10 s.
        actions = sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(7))
        app = try #require(actions.status?.container("app"))
        #expect(actions.status?.phase == "Running")
        #expect(app.state?.waiting?.reason == "CrashLoopBackOff")
        #expect(app.state?.waiting?.message == "back-off 10s restarting failed container=app pod=web_default(uid-1)")
        #expect(app.restartCount == 1)
        #expect(app.ready == false)
        #expect(actions.status?.condition("Ready")?.status == "False")
        #expect(actions.requeue == t0.addingTimeInterval(16))
        pod = Fixture.applying(actions, to: pod)
        // Restart at t0+16, exits at t0+19, next back-off 20 s.
        actions = sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(20))
        app = try #require(actions.status?.container("app"))
        #expect(app.restartCount == 2)
        #expect(app.state?.waiting?.message?.hasPrefix("back-off 20s") == true)
        #expect(app.lastState?.terminated?.startedAt == KubeTime.format(t0.addingTimeInterval(16)))
    }

    @Test("the crash-loop back-off doubles up to five minutes")
    func backOffCap() {
        #expect(CrashLoopBackOff.delay(restartCount: 0) == 0)
        #expect(CrashLoopBackOff.delay(restartCount: 1) == 10)
        #expect(CrashLoopBackOff.delay(restartCount: 3) == 40)
        #expect(CrashLoopBackOff.delay(restartCount: 6) == 300)
        #expect(CrashLoopBackOff.delay(restartCount: 1000) == 300)
        #expect(CrashLoopBackOff.format(300) == "5m0s")
        #expect(CrashLoopBackOff.format(160) == "2m40s")
    }

    @Test("restartPolicy OnFailure ends Succeeded on exit 0 and restarts on a failure")
    func onFailure() throws {
        var (sim, pod, _) = start(Fixture.exiting(after: "3s", code: 0, restartPolicy: "OnFailure"))
        #expect(sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(3)).status?.phase == "Succeeded")
        (sim, pod, _) = start(Fixture.exiting(after: "3s", code: 1, restartPolicy: "OnFailure"))
        let status = try #require(sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(3)).status)
        #expect(status.phase == "Running")
        #expect(status.container("app")?.restartCount == 1)
    }

    @Test("malformed behaviour annotations are ignored")
    func malformedAnnotations() {
        let behavior = HollowBehavior(annotations: [
            HollowBehavior.exitAfterAnnotation: "soon", HollowBehavior.exitCodeAnnotation: "99999999999",
            HollowBehavior.neverReadyAnnotation: "yes",
        ])
        #expect(behavior == HollowBehavior())
        #expect(GoDuration.parse("1m30s") == 90)
        #expect(GoDuration.parse("1.5s") == 1.5)
        #expect(GoDuration.parse("250ms") == 0.25)
        #expect(GoDuration.parse("-3s") == nil)
        #expect(GoDuration.parse("3") == nil)
        #expect(GoDuration.parse("100000000h") == nil)
    }
}

@Suite("Hollow pod graceful deletion", .timeLimit(.minutes(1)))
struct HollowPodDeletionTests {
    let t0 = Fixture.t0

    @Test("a running pod is deleted when its grace period is over, its containers killed")
    func waitsForGracePeriod() throws {
        var sim = HollowPod(uid: "uid-1")
        var pod = Fixture.applying(sim.sync(pod: Fixture.pod(), node: Fixture.node, podIP: "10.42.0.2", now: t0), to: Fixture.pod())
        pod = Fixture.deleting(pod, at: t0.addingTimeInterval(10), grace: 30)
        let waiting = sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(10))
        #expect(!waiting.deletes)
        #expect(waiting.status == nil)
        #expect(waiting.requeue == t0.addingTimeInterval(40))
        let done = sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(40))
        #expect(done.deletes)
        let status = try #require(done.status)
        #expect(status.phase == "Failed")
        #expect(status.container("app")?.state?.terminated?.exitCode == 137)
        // Asked once; again only after the runner reports a failed delete.
        #expect(!sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(41)).deletes)
        sim.deleteFailed()
        #expect(sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(42)).deletes)
    }

    @Test("a pod with nothing running, or with a zero grace period, is deleted at once")
    func deletesAtOnce() {
        var pending = HollowPod(uid: "uid-1")
        let actions = pending.sync(pod: Fixture.deleting(Fixture.pod(), at: t0, grace: 30), node: Fixture.node, podIP: nil, now: t0)
        #expect(actions == [.delete])

        var finished = HollowPod(uid: "uid-1")
        let exiting = Fixture.exiting(after: "1s", code: 0, restartPolicy: "Never")
        var pod = Fixture.applying(finished.sync(pod: exiting, node: Fixture.node, podIP: "10.42.0.2", now: t0), to: exiting)
        pod = Fixture.applying(finished.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(2)), to: pod)
        #expect(pod.status?.phase == "Succeeded")
        #expect(finished.sync(pod: Fixture.deleting(pod, at: t0.addingTimeInterval(3), grace: 30), node: Fixture.node,
                              podIP: "10.42.0.2", now: t0.addingTimeInterval(3)) == [.delete])

        var running = HollowPod(uid: "uid-1")
        let started = Fixture.applying(running.sync(pod: Fixture.pod(), node: Fixture.node, podIP: "10.42.0.2", now: t0), to: Fixture.pod())
        #expect(running.sync(pod: Fixture.deleting(started, at: t0.addingTimeInterval(1), grace: 0), node: Fixture.node,
                             podIP: "10.42.0.2", now: t0.addingTimeInterval(1)).deletes)
    }
}
