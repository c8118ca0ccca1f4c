import Foundation
import SkiffAPI

extension HollowPod {
    /// The pod status a kubelet would report for the simulated state (generateAPIPodStatus).
    /// Fields the kubelet does not own (nominatedNodeName, PodScheduled and other conditions,
    /// qosClass once set) are carried over from the pod.
    func generateStatus(pod: CoreV1.Pod, spec: CoreV1.PodSpec, behavior: HollowBehavior,
                        node: HollowNodeContext, podIP: String?, now: Date) -> CoreV1.PodStatus {
        let previous = lastWritten ?? pod.status ?? CoreV1.PodStatus()
        let existing = pod.status ?? CoreV1.PodStatus()
        let generation = pod.metadata?.generation
        let podDescription = "\(pod.metadata?.name ?? "")_\(pod.metadata?.namespace ?? "")(\(uid))"
        var status = CoreV1.PodStatus()
        status.nominatedNodeName = existing.nominatedNodeName
        status.qosClass = existing.qosClass ?? qosClass(of: spec)
        status.observedGeneration = generation
        status.hostIP = node.hostIP
        status.hostIPs = [CoreV1.HostIP(ip: node.hostIP)]
        status.startTime = startTime.map(KubeTime.format)
        let phase = self.phase(policy: RestartPolicy(rawValue: spec.restartPolicy ?? "Always") ?? .always)
        status.phase = phase
        let sandboxReady = sandboxStartedAt != nil && phase != "Succeeded" && phase != "Failed"
        if let podIP, sandboxStartedAt != nil {
            status.podIP = podIP
            status.podIPs = [CoreV1.PodIP(ip: podIP)]
        }

        // Init containers: all complete when the sandbox starts; sidecars (restartPolicy Always)
        // keep running beside the main containers.
        let initSpecs = spec.initContainers ?? []
        if !initSpecs.isEmpty {
            status.initContainerStatuses = initSpecs.map { container in
                initContainerStatus(container, behavior: behavior, running: sandboxReady)
            }
        }
        let mainSpecs = spec.containers ?? []
        if sandboxStartedAt == nil {
            let waitingReason = initSpecs.isEmpty ? "ContainerCreating" : "PodInitializing"
            status.containerStatuses = mainSpecs.map {
                CoreV1.ContainerStatus(
                    image: Digest.normalizedImage($0.image ?? ""), imageID: "", lastState: CoreV1.ContainerState(),
                    name: $0.name, ready: false, restartCount: 0, started: false,
                    state: CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(reason: waitingReason)))
            }
        } else {
            status.containerStatuses = containers.map {
                $0.status(ready: $0.isRunning && !behavior.neverReady, podDescription: podDescription)
            }
        }
        // The kubelet sorts container statuses by name (kubetypes.SortedContainerStatuses).
        status.containerStatuses?.sort { ($0.name ?? "") < ($1.name ?? "") }

        status.conditions = conditions(
            status: status, spec: spec, phase: phase, sandboxReady: sandboxReady,
            previous: previous.conditions ?? [], existing: existing.conditions ?? [], generation: generation, now: now)
        return status
    }

    private func initContainerStatus(_ container: CoreV1.Container, behavior: HollowBehavior, running: Bool) -> CoreV1.ContainerStatus {
        let name = container.name ?? ""
        var status = CoreV1.ContainerStatus(
            image: Digest.normalizedImage(container.image ?? ""), imageID: Digest.imageID(container.image ?? ""),
            lastState: CoreV1.ContainerState(), name: name, ready: false, restartCount: 0, started: false)
        guard let startedAt = sandboxStartedAt, let finishedAt = initContainersFinishedAt else {
            status.imageID = ""
            status.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(reason: "PodInitializing"))
            return status
        }
        let containerID = Digest.containerID(podUID: uid, container: name, attempt: 0)
        status.containerID = containerID
        if container.restartPolicy == "Always" {
            if running {
                status.state = CoreV1.ContainerState(running: CoreV1.ContainerStateRunning(startedAt: KubeTime.format(startedAt)))
                status.started = true
                status.ready = !behavior.neverReady
            } else {
                status.state = CoreV1.ContainerState(terminated: CoreV1.ContainerStateTerminated(
                    containerID: containerID, exitCode: 137, finishedAt: KubeTime.format(finishedAt), reason: "Error",
                    startedAt: KubeTime.format(startedAt)))
            }
        } else {
            status.state = CoreV1.ContainerState(terminated: CoreV1.ContainerStateTerminated(
                containerID: containerID, exitCode: 0, finishedAt: KubeTime.format(finishedAt), reason: "Completed",
                startedAt: KubeTime.format(startedAt)))
            status.ready = true
        }
        return status
    }

    /// getPhase: Pending until the containers exist; Running while any runs or (Always /
    /// OnFailure with failures) restarts; Succeeded when all exited 0 and none will restart;
    /// Failed when some exited non-zero and none will restart.
    func phase(policy: RestartPolicy) -> String {
        guard sandboxStartedAt != nil, !containers.isEmpty else { return sandboxStartedAt == nil ? "Pending" : "Running" }
        var running = 0, stopped = 0, succeeded = 0
        for container in containers {
            if container.isRunning {
                running += 1
            } else {
                stopped += 1
                if container.stoppedExitCode == 0 { succeeded += 1 }
            }
        }
        if terminalByDeletion || containers.allSatisfy(\.isTerminated) {
            return stopped == succeeded ? "Succeeded" : "Failed"
        }
        if running > 0 { return "Running" }
        switch policy {
        case .always: return "Running"
        case .onFailure: return stopped == succeeded ? "Succeeded" : "Running"
        case .never: return stopped == succeeded ? "Succeeded" : "Failed"
        }
    }
}
