import Foundation
import SkiffAPI
import SkiffClient
import SkiffRuntime

extension Kubelet {
    /// Graceful termination of a pod being deleted: preStop hooks, SIGTERM, up to the grace
    /// period, SIGKILL (the runtime's stopContainer), sandbox removed, then the pod object is
    /// deleted with grace period 0 so `kubectl delete` returns once the containers are gone.
    func terminatePod(_ pod: CoreV1.Pod, key: ObjectKey, uid: String) async throws {
        if record(key)?.deleteIssued == true { return }
        let grace = Duration.seconds(max(pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30, 0))
        let sandboxes = try await runtime.listPodSandboxes(PodSandboxFilter(labelSelector: [RuntimeLabels.podUID: uid]))
        var running: [ContainerStatus] = []
        for sandbox in sandboxes {
            running += try await runtime.listContainers(ContainerFilter(podSandboxID: sandbox.id)).filter { $0.state == .running }
        }
        let specs = (pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? [])
        // Regular containers stop together; sidecars after them, as upstream orders it.
        let sidecars = Set((pod.spec?.initContainers ?? []).filter { $0.restartPolicy == "Always" }.compactMap(\.name))
        let deadline = ContinuousClock.now + grace
        for group in [running.filter { !sidecars.contains($0.containerName) }, running.filter { sidecars.contains($0.containerName) }] {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for container in group {
                    let spec = specs.first { $0.name == container.containerName } ?? CoreV1.Container()
                    tasks.addTask {
                        let remaining = max(deadline - ContinuousClock.now, .zero)
                        try await self.stopContainer(container, container: spec, pod: pod, grace: remaining)
                    }
                }
                try await tasks.waitForAll()
            }
        }
        probes.forget(podUID: uid)
        for sandbox in sandboxes {
            try await runtime.stopPodSandbox(sandbox.id)
            try await runtime.removePodSandbox(sandbox.id)
        }
        try? FileManager.default.removeItem(atPath: podDirectory(uid))
        updateRecord(key) { $0.deleteIssued = true }
        do {
            try await client.delete(CoreV1.Pod.self, key.name, namespace: key.namespace,
                                    options: DeleteOptions(gracePeriodSeconds: 0, preconditionUID: uid))
        } catch let error as ClientError where error.isNotFound || error.isConflict {
            // Gone already, or a new pod took the name: nothing of ours to delete.
        } catch {
            updateRecord(key) { $0.deleteIssued = false }
            throw error
        }
    }

    /// Runs the preStop hook (bounded by the grace period), then stops the container with what
    /// is left of it.
    func stopContainer(_ status: ContainerStatus, container: CoreV1.Container, pod: CoreV1.Pod, grace: Duration) async throws {
        let start = ContinuousClock.now
        events.event(pod, reason: "Killing", message: "Stopping container \(status.containerName)")
        if let hook = container.lifecycle?.preStop {
            if let command = hook.exec?.command, !command.isEmpty {
                _ = try? await runtime.execSync(status.id, command: command, timeout: grace)
            } else if let seconds = hook.sleep?.seconds, seconds > 0 {
                try? await Task.sleep(for: min(.seconds(seconds), grace))
            }
        }
        let remaining = max(grace - (ContinuousClock.now - start), .zero)
        try await runtime.stopContainer(status.id, timeout: remaining)
    }

    /// The pod left the informer (deleted, or bound elsewhere): remove whatever still runs.
    func forgetPod(_ key: ObjectKey) async {
        guard let record = state.withLock({ $0.pods.removeValue(forKey: key) }) else { return }
        await removePodResources(uid: record.uid)
        queue.forget(key)
    }

    /// Kills and removes every sandbox (and so container) of a pod uid and its directory.
    func removePodResources(uid: String) async {
        probes.forget(podUID: uid)
        let sandboxes = (try? await runtime.listPodSandboxes(PodSandboxFilter(labelSelector: [RuntimeLabels.podUID: uid]))) ?? []
        for sandbox in sandboxes {
            for container in (try? await runtime.listContainers(ContainerFilter(podSandboxID: sandbox.id))) ?? []
            where container.state == .running {
                try? await runtime.stopContainer(container.id, timeout: .seconds(2))
            }
            try? await runtime.stopPodSandbox(sandbox.id)
            try? await runtime.removePodSandbox(sandbox.id)
        }
        try? FileManager.default.removeItem(atPath: podDirectory(uid))
    }

    /// The generic PLEG: relists the runtime's containers every `relistInterval` and queues
    /// the pods whose containers changed state (a container exited, one appeared or vanished).
    /// Every tenth turn also removes sandboxes of pods this node no longer has.
    func relistLoop() async throws {
        var turn = 0
        var owners: [String: ObjectKey] = [:]
        while true {
            if let containers = try? await runtime.listContainers(nil) {
                var current: [String: ContainerState] = [:]
                var changed = Set<ObjectKey>()
                let previous = state.withLock { $0.relisted }
                for container in containers {
                    current[container.id] = container.state
                    let key = ObjectKey(namespace: container.labels[RuntimeLabels.podNamespace] ?? "",
                                        name: container.labels[RuntimeLabels.podName] ?? "")
                    owners[container.id] = key
                    if previous[container.id] != container.state { changed.insert(key) }
                }
                for id in previous.keys where current[id] == nil {
                    if let key = owners.removeValue(forKey: id) { changed.insert(key) }
                }
                state.withLock { $0.relisted = current }
                for key in changed where !key.name.isEmpty { queue.add(key) }
            }
            if turn % 10 == 0 { await removeOrphanedSandboxes() }
            turn += 1
            try await Task.sleep(for: config.relistInterval)
        }
    }

    /// Sandboxes whose pod is not bound to this node any more (deleted while the agent was
    /// down) are removed; those of known pods are adopted by the next sync, not restarted.
    func removeOrphanedSandboxes() async {
        guard pods.hasSynced, let sandboxes = try? await runtime.listPodSandboxes(nil) else { return }
        let known = Set(pods.cache.list().compactMap { $0.metadata?.uid })
        let orphaned = Set(sandboxes.compactMap { $0.labels[RuntimeLabels.podUID] }.filter { !known.contains($0) })
        for uid in orphaned {
            logger.info("removing the sandbox of a pod that is gone", metadata: ["uid": "\(uid)"])
            await removePodResources(uid: uid)
        }
    }
}
