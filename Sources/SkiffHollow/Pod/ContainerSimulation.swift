import Foundation
import SkiffAPI

/// One hollow container's life: running until its `exit-after` elapses, then either waiting in
/// crash-loop back-off before the next attempt or terminated for good, as the restart policy says.
struct ContainerSimulation: Sendable, Equatable {
    enum State: Sendable, Equatable {
        case running(startedAt: Date, containerID: String)
        /// Exited and waiting for the restart at `until` (CrashLoopBackOff when `delay` > 0).
        case backOff(until: Date, delay: TimeInterval)
        case terminated(CoreV1.ContainerStateTerminated)
    }

    let name: String
    let image: String
    var restartCount: Int32 = 0
    var state: State
    var lastTerminated: CoreV1.ContainerStateTerminated?

    init(name: String, image: String, podUID: String, startedAt: Date) {
        self.name = name
        self.image = image
        state = .running(startedAt: startedAt, containerID: Digest.containerID(podUID: podUID, container: name, attempt: 0))
    }

    var isRunning: Bool {
        if case .running = state { return true }
        return false
    }

    var isTerminated: Bool {
        if case .terminated = state { return true }
        return false
    }

    /// The exit code that counts for the pod phase: the final one when terminated, the last one
    /// while waiting to restart; nil while running.
    var stoppedExitCode: Int32? {
        switch state {
        case .running: nil
        case .backOff: lastTerminated?.exitCode
        case .terminated(let terminated): terminated.exitCode
        }
    }

    /// Plays the container forward to `now`. Returns when it next changes by itself (nil: never).
    mutating func advance(to now: Date, behavior: HollowBehavior, policy: RestartPolicy, podUID: String) -> Date? {
        // Bounded: after the first restart every cycle lasts at least the 10 s back-off.
        for _ in 0 ..< 100_000 {
            switch state {
            case .running(let startedAt, let containerID):
                guard let exitAfter = behavior.exitAfter else { return nil }
                let finishedAt = startedAt.addingTimeInterval(exitAfter)
                guard now >= finishedAt else { return finishedAt }
                let exit = exit(containerID: containerID, code: behavior.exitCode, startedAt: startedAt, finishedAt: finishedAt)
                guard policy.restarts(exitCode: behavior.exitCode) else {
                    state = .terminated(exit)
                    return nil
                }
                lastTerminated = exit
                let delay = CrashLoopBackOff.delay(restartCount: restartCount)
                state = .backOff(until: finishedAt.addingTimeInterval(delay), delay: delay)
            case .backOff(let until, _):
                guard now >= until else { return until }
                restartCount += 1
                state = .running(startedAt: until, containerID: Digest.containerID(podUID: podUID, container: name, attempt: restartCount))
            case .terminated:
                return nil
            }
        }
        return now
    }

    /// The kill at the end of a graceful deletion: a container still running gets SIGKILL
    /// (hollow processes ignore SIGTERM, so the whole grace period is used) and exits 137.
    mutating func kill(at time: Date) {
        switch state {
        case .running(let startedAt, let containerID):
            var killed = exit(containerID: containerID, code: 137, startedAt: startedAt, finishedAt: time)
            killed.reason = "Error"
            state = .terminated(killed)
        case .backOff:
            if let lastTerminated { state = .terminated(lastTerminated) }
        case .terminated:
            break
        }
    }

    private func exit(containerID: String, code: Int32, startedAt: Date, finishedAt: Date) -> CoreV1.ContainerStateTerminated {
        CoreV1.ContainerStateTerminated(
            containerID: containerID, exitCode: code, finishedAt: KubeTime.format(finishedAt),
            reason: code == 0 ? "Completed" : "Error", startedAt: KubeTime.format(startedAt))
    }

    /// The `containerStatuses[]` entry, as the kubelet converts runtime state
    /// (convertToAPIContainerStatuses). `message` fills the CrashLoopBackOff waiting message.
    func status(ready: Bool, podDescription: String) -> CoreV1.ContainerStatus {
        var status = CoreV1.ContainerStatus(
            image: Digest.normalizedImage(image), imageID: Digest.imageID(image),
            lastState: CoreV1.ContainerState(terminated: lastTerminated), name: name,
            ready: false, restartCount: restartCount, started: false)
        switch state {
        case .running(let startedAt, let containerID):
            status.containerID = containerID
            status.state = CoreV1.ContainerState(running: CoreV1.ContainerStateRunning(startedAt: KubeTime.format(startedAt)))
            status.started = true
            status.ready = ready
        case .backOff(_, let delay):
            status.containerID = lastTerminated?.containerID
            let message = "back-off \(CrashLoopBackOff.format(delay)) restarting failed container=\(name) pod=\(podDescription)"
            status.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(message: message, reason: "CrashLoopBackOff"))
        case .terminated(let terminated):
            status.containerID = terminated.containerID
            status.state = CoreV1.ContainerState(terminated: terminated)
        }
        return status
    }
}
