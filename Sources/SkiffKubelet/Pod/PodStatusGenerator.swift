import Foundation
import SkiffAPI
import SkiffRuntime

/// Readiness and startup as the probe manager last saw them for one container attempt.
struct ContainerProbeState: Sendable, Equatable {
    var ready: Bool
    var started: Bool
}

/// The pod status a kubelet reports (kubelet_pods.go generateAPIPodStatus, getPhase,
/// convertToAPIContainerStatuses; status/generate.go). Pure: every input is passed in.
struct PodStatusGenerator {
    var pod: CoreV1.Pod
    /// The pod's current sandbox (nil before it exists).
    var sandbox: PodSandboxStatus?
    var containers: PodContainers
    var record: PodRecord
    /// By container id.
    var probes: [String: ContainerProbeState]
    var hostIP: String
    /// Image records by the image reference of the spec, for image and imageID.
    var images: [String: ImageRecord]
    var now: Date

    var spec: CoreV1.PodSpec { pod.spec ?? CoreV1.PodSpec() }
    var restartPolicy: String { spec.restartPolicy ?? "Always" }

    func generate() -> CoreV1.PodStatus {
        let existing = pod.status ?? CoreV1.PodStatus()
        var status = CoreV1.PodStatus()
        status.nominatedNodeName = existing.nominatedNodeName
        status.qosClass = existing.qosClass ?? Self.qosClass(spec)
        status.observedGeneration = pod.metadata?.generation
        status.hostIP = hostIP
        status.hostIPs = [CoreV1.HostIP(ip: hostIP)]
        status.startTime = record.startTime.map(KubeTime.format) ?? existing.startTime
        if let sandbox {
            let ip = sandbox.hostNetwork || sandbox.ip.isEmpty ? (spec.hostNetwork == true ? hostIP : sandbox.ip) : sandbox.ip
            if !ip.isEmpty {
                status.podIP = ip
                status.podIPs = ([ip] + sandbox.additionalIPs).map { CoreV1.PodIP(ip: $0) }
            }
        }
        let initSpecs = spec.initContainers ?? []
        let initDone = initializationDone()
        if !initSpecs.isEmpty {
            status.initContainerStatuses = initSpecs.map { containerStatus($0, isInit: true, initDone: true) }
        }
        status.containerStatuses = (spec.containers ?? []).map { containerStatus($0, isInit: false, initDone: initDone) }
            .sorted { ($0.name ?? "") < ($1.name ?? "") }
        status.phase = phase(initDone: initDone)
        if record.deadlineExceeded {
            status.phase = "Failed"
            status.reason = "DeadlineExceeded"
            status.message = "Pod was active on the node longer than the specified deadline"
        }
        status.conditions = conditions(status: status, existing: existing.conditions ?? [])
        return status
    }

    /// Regular init containers have all exited 0 (sidecars only need to run).
    func initializationDone() -> Bool {
        for container in spec.initContainers ?? [] {
            let latest = containers.latest[container.name ?? ""]
            if container.restartPolicy == "Always" {
                if latest == nil { return false }
                continue
            }
            guard let latest, latest.state == .exited, latest.exitCode == 0 else { return false }
        }
        return true
    }

    /// An init container failed for good (restartPolicy Never).
    func initializationFailed() -> Bool {
        guard restartPolicy == "Never" else { return false }
        return (spec.initContainers ?? []).contains { container in
            guard container.restartPolicy != "Always", let latest = containers.latest[container.name ?? ""] else { return false }
            return latest.state == .exited && latest.exitCode != 0
        }
    }

    /// getPhase.
    func phase(initDone: Bool) -> String {
        if initializationFailed() { return "Failed" }
        if !initDone { return "Pending" }
        var running = 0, waiting = 0, stopped = 0, succeeded = 0
        for container in spec.containers ?? [] {
            guard let latest = containers.latest[container.name ?? ""] else { waiting += 1; continue }
            switch latest.state {
            case .running: running += 1
            case .exited:
                stopped += 1
                if latest.exitCode == 0 { succeeded += 1 }
            case .created, .unknown: waiting += 1
            }
        }
        if waiting > 0 { return "Pending" }
        if running > 0 { return "Running" }
        if stopped > 0 {
            switch restartPolicy {
            case "Always": return "Running"
            case "OnFailure": return stopped == succeeded ? "Succeeded" : "Running"
            default: return stopped == succeeded ? "Succeeded" : "Failed"
            }
        }
        return "Pending"
    }

    func containerStatus(_ container: CoreV1.Container, isInit: Bool, initDone: Bool) -> CoreV1.ContainerStatus {
        let name = container.name ?? ""
        let imageName = container.image ?? ""
        let record = images[imageName]
        var status = CoreV1.ContainerStatus(
            image: record?.repoTags.first ?? Self.normalizedImage(imageName), imageID: "",
            lastState: CoreV1.ContainerState(), name: name, ready: false, restartCount: 0, started: false)
        if isInit && container.restartPolicy != "Always" { status.started = false }
        let latest = containers.latest[name]
        if let previous = containers.previous[name], previous.state == .exited {
            status.lastState = CoreV1.ContainerState(terminated: terminated(previous))
        }
        guard let latest else {
            let waiting = self.record.waiting[name]
                ?? WaitingReason(reason: !isInit && !initDone ? "PodInitializing" : "ContainerCreating")
            status.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(message: waiting.message, reason: waiting.reason))
            return status
        }
        status.containerID = "skiff://" + latest.id
        status.imageID = record.map { $0.repoDigests.first ?? $0.id } ?? latest.imageRef
        status.restartCount = Int32(clamping: latest.metadata.attempt)
        switch latest.state {
        case .running:
            let probe = probes[latest.id]
            status.state = CoreV1.ContainerState(running: CoreV1.ContainerStateRunning(startedAt: latest.startedAt.map(KubeTime.format)))
            status.started = probe?.started ?? (container.startupProbe == nil)
            let readyByProbe = container.readinessProbe == nil ? true : (probe?.ready ?? false)
            status.ready = status.started == true && readyByProbe
        case .exited:
            if let waiting = self.record.waiting[name] {
                // Waiting for a restart (CrashLoopBackOff …): the exit becomes the last state.
                status.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(message: waiting.message, reason: waiting.reason))
                status.lastState = CoreV1.ContainerState(terminated: terminated(latest))
            } else {
                status.state = CoreV1.ContainerState(terminated: terminated(latest))
            }
            // A completed regular init container counts as ready (upstream reports it so).
            status.ready = isInit && container.restartPolicy != "Always" && latest.exitCode == 0
        case .created, .unknown:
            status.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(reason: "ContainerCreating"))
        }
        return status
    }

    func terminated(_ container: ContainerStatus) -> CoreV1.ContainerStateTerminated {
        let message = record.terminationMessages[container.id] ?? (container.message.isEmpty ? nil : container.message)
        return CoreV1.ContainerStateTerminated(
            containerID: "skiff://" + container.id, exitCode: container.exitCode,
            finishedAt: container.finishedAt.map(KubeTime.format), message: message,
            reason: container.reason?.rawValue ?? (container.exitCode == 0 ? "Completed" : "Error"),
            startedAt: container.startedAt.map(KubeTime.format))
    }

    /// `docker.io/library/busybox:latest` for `busybox`, as the runtime reports image names.
    static func normalizedImage(_ image: String) -> String {
        (try? ImageReference(parsing: image))?.normalized ?? image
    }

    /// The QoS class (v1qos.GetPodQOS): Guaranteed when every container has equal cpu and
    /// memory requests and limits, BestEffort when none has any, Burstable otherwise.
    static func qosClass(_ spec: CoreV1.PodSpec) -> String {
        let all = (spec.initContainers ?? []) + (spec.containers ?? [])
        var any = false, guaranteed = true
        for container in all {
            let requests = container.resources?.requests ?? [:]
            let limits = container.resources?.limits ?? [:]
            for name in ["cpu", "memory"] {
                if requests[name].map({ !$0.isZero }) == true || limits[name].map({ !$0.isZero }) == true { any = true }
                guard let limit = limits[name], !limit.isZero else { guaranteed = false; continue }
                if let request = requests[name], request != limit { guaranteed = false }
            }
        }
        if !any { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
