import Foundation
import SkiffAPI
import SkiffClient
import SkiffRuntime
import Synchronization

/// Which probe of a container.
enum ProbeKind: String, Sendable, CaseIterable { case startup, liveness, readiness }

/// Runs the startup, liveness and readiness probes of every running container (prober
/// manager + workers). Startup runs first; liveness and readiness only once started.
/// Results: `state` (started, ready) for the status, `failure` when the kubelet must restart
/// the container. Any change queues the pod.
final class ProbeManager: Sendable {
    struct Target: Sendable {
        var key: ObjectKey
        var podUID: String
        var containerID: String
        var container: CoreV1.Container
        var podIP: String
    }

    struct Worker: Sendable {
        var target: Target
        var next: [ProbeKind: ContinuousClock.Instant] = [:]
        var successes: [ProbeKind: Int] = [:]
        var failures: [ProbeKind: Int] = [:]
        var started: Bool
        var ready = false
        var failure: String?
        var running: Set<ProbeKind> = []
    }

    let runner: ProbeRunner
    private let workers = Mutex<[String: Worker]>([:])

    init(runtime: any ContainerRuntime) {
        runner = ProbeRunner(runtime: runtime)
    }

    /// Starts probing a running container attempt (no-op when already probed).
    func register(_ target: Target) {
        workers.withLock { workers in
            guard workers[target.containerID] == nil else { return }
            var worker = Worker(target: target, started: target.container.startupProbe == nil)
            let now = ContinuousClock.now
            for kind in ProbeKind.allCases {
                guard let probe = Self.probe(kind, of: target.container) else { continue }
                worker.next[kind] = now + .seconds(Int(max(probe.initialDelaySeconds ?? 0, 0)))
            }
            workers[target.containerID] = worker
        }
    }

    func forget(containerID: String) { _ = workers.withLock { $0.removeValue(forKey: containerID) } }

    func forget(podUID: String) { workers.withLock { $0 = $0.filter { $0.value.target.podUID != podUID } } }

    /// Keeps only the given running containers of a pod.
    func retain(podUID: String, containerIDs: Set<String>) {
        workers.withLock { $0 = $0.filter { $0.value.target.podUID != podUID || containerIDs.contains($0.key) } }
    }

    func state(containerID: String) -> ContainerProbeState? {
        workers.withLock { workers in workers[containerID].map { ContainerProbeState(ready: $0.ready, started: $0.started) } }
    }

    /// Why the container must be restarted ("failed liveness probe"), if it must.
    func failure(containerID: String) -> String? { workers.withLock { $0[containerID]?.failure } }

    static func probe(_ kind: ProbeKind, of container: CoreV1.Container) -> CoreV1.Probe? {
        switch kind {
        case .startup: container.startupProbe
        case .liveness: container.livenessProbe
        case .readiness: container.readinessProbe
        }
    }

    /// Probes whatever is due, concurrently, until cancelled; `changed` gets the pod of every
    /// container whose started/ready/failure changed.
    func run(changed: @escaping @Sendable (ObjectKey) -> Void) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            while true {
                let now = ContinuousClock.now
                let due: [(String, ProbeKind, Target, CoreV1.Probe)] = workers.withLock { workers in
                    var due: [(String, ProbeKind, Target, CoreV1.Probe)] = []
                    for (id, worker) in workers where worker.failure == nil {
                        for kind in ProbeKind.allCases {
                            guard let at = worker.next[kind], at <= now, !worker.running.contains(kind),
                                  let probe = Self.probe(kind, of: worker.target.container) else { continue }
                            // Liveness and readiness wait for startup to succeed.
                            if kind != .startup && !worker.started { continue }
                            if kind == .startup && worker.started { continue }
                            due.append((id, kind, worker.target, probe))
                            workers[id]?.running.insert(kind)
                        }
                    }
                    return due
                }
                for (id, kind, target, probe) in due {
                    group.addTask {
                        let success = await self.runner.run(probe, target: target)
                        if let key = self.record(id: id, kind: kind, probe: probe, success: success) { changed(key) }
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Applies one result; returns the pod key when the container's visible state changed.
    func record(id: String, kind: ProbeKind, probe: CoreV1.Probe, success: Bool) -> ObjectKey? {
        workers.withLock { workers in
            guard var worker = workers[id] else { return nil }
            worker.running.remove(kind)
            worker.next[kind] = ContinuousClock.now + .seconds(Int(max(probe.periodSeconds ?? 10, 1)))
            if success {
                worker.successes[kind, default: 0] += 1
                worker.failures[kind] = 0
            } else {
                worker.failures[kind, default: 0] += 1
                worker.successes[kind] = 0
            }
            let before = (worker.started, worker.ready, worker.failure)
            let successThreshold = Int(max(probe.successThreshold ?? 1, 1))
            let failureThreshold = Int(max(probe.failureThreshold ?? 3, 1))
            switch kind {
            case .startup:
                if success && worker.successes[kind, default: 0] >= successThreshold { worker.started = true }
                if !success && worker.failures[kind, default: 0] >= failureThreshold { worker.failure = "failed startup probe" }
            case .liveness:
                if !success && worker.failures[kind, default: 0] >= failureThreshold { worker.failure = "failed liveness probe" }
            case .readiness:
                if success && worker.successes[kind, default: 0] >= successThreshold { worker.ready = true }
                if !success && worker.failures[kind, default: 0] >= failureThreshold { worker.ready = false }
            }
            workers[id] = worker
            return before != (worker.started, worker.ready, worker.failure) ? worker.target.key : nil
        }
    }
}

extension Kubelet {
    /// Probes every running container of the pod, drops the rest.
    func registerProbes(_ pod: CoreV1.Pod, key: ObjectKey, uid: String, sandbox: PodSandboxStatus, containers: PodContainers) {
        let specs = (pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? [])
        var running = Set<String>()
        let podIP = pod.spec?.hostNetwork == true || sandbox.ip.isEmpty ? nodeIP : sandbox.ip
        for status in containers.latest.values where status.state == .running {
            running.insert(status.id)
            guard let spec = specs.first(where: { $0.name == status.containerName }) else { continue }
            guard spec.startupProbe != nil || spec.livenessProbe != nil || spec.readinessProbe != nil else { continue }
            probes.register(ProbeManager.Target(key: key, podUID: uid, containerID: status.id, container: spec, podIP: podIP))
        }
        probes.retain(podUID: uid, containerIDs: running)
    }
}
