import Foundation
import SkiffAPI
import SkiffClient
import SkiffRuntime

extension Kubelet {
    /// One sync of one pod (never two at once for a key: the work queue guarantees it).
    func syncPod(_ key: ObjectKey) async {
        guard let pod = pods.cache.get(key), let uid = pod.metadata?.uid else {
            await forgetPod(key)
            return
        }
        let replacedUID: String? = state.withLock { state in
            if let record = state.pods[key], record.uid != uid {
                state.pods[key] = PodRecord(uid: uid)
                return record.uid
            }
            if state.pods[key] == nil { state.pods[key] = PodRecord(uid: uid) }
            return nil
        }
        if let replacedUID { await removePodResources(uid: replacedUID) }
        do {
            if pod.metadata?.deletionTimestamp != nil {
                try await terminatePod(pod, key: key, uid: uid)
                queue.forget(key)
                return
            }
            let wake = try await runPod(pod, key: key, uid: uid)
            queue.forget(key)
            if let wake {
                let delay = max(wake.timeIntervalSince(now()), 0)
                queue.addAfter(key, .milliseconds(Int(delay * 1000) + 1))
            }
        } catch is CancellationError {
        } catch {
            logger.warning("pod sync failed", metadata: ["pod": "\(key)", "error": "\(error)"])
            queue.addRateLimited(key)
        }
    }

    func record(_ key: ObjectKey) -> PodRecord? { state.withLock { $0.pods[key] } }

    func updateRecord(_ key: ObjectKey, _ body: (inout PodRecord) -> Void) {
        state.withLock { state in
            guard var record = state.pods[key] else { return }
            body(&record)
            state.pods[key] = record
        }
    }

    /// Brings the runtime in line with a live pod: sandbox, volumes, init containers in order,
    /// containers, restarts; then writes the status. Returns when to look again (back-offs).
    func runPod(_ pod: CoreV1.Pod, key: ObjectKey, uid: String) async throws -> Date? {
        let start = now()
        updateRecord(key) { if $0.startTime == nil { $0.startTime = start } }
        let reported = pod.status?.phase
        if reported == "Succeeded" || reported == "Failed" {
            // Terminal: nothing restarts; release the sandbox's network (containers stay for logs).
            for sandbox in try await runtime.listPodSandboxes(PodSandboxFilter(labelSelector: [RuntimeLabels.podUID: uid]))
            where sandbox.state == .ready {
                try? await runtime.stopPodSandbox(sandbox.id)
            }
            probes.forget(podUID: uid)
            return nil
        }
        var step = SyncStep(now: start)
        if let seconds = pod.spec?.activeDeadlineSeconds, let since = record(key)?.startTime {
            let deadline = since.addingTimeInterval(TimeInterval(seconds))
            if start >= deadline {
                try await stopForDeadline(pod, key: key, uid: uid)
                return nil
            }
            step.wake(at: deadline)
        }

        let sandbox: PodSandboxStatus
        do {
            sandbox = try await ensureSandbox(pod, uid: uid)
        } catch {
            events.event(pod, type: .warning, reason: "FailedCreatePodSandBox", message: "Failed to create pod sandbox: \(error)")
            try await writeStatus(pod, key: key, sandbox: nil, containers: PodContainers([]))
            throw error
        }

        let volumes: [String: String]
        do {
            volumes = try await prepareVolumes(pod, uid: uid, podIP: sandbox.ip)
        } catch let error as VolumeError {
            events.event(pod, type: .warning, reason: "FailedMount", message: error.description)
            try await writeStatus(pod, key: key, sandbox: sandbox, containers: PodContainers([]))
            return start.addingTimeInterval(2)
        }

        var containers = PodContainers(try await runtime.listContainers(ContainerFilter(podSandboxID: sandbox.id)))
        await collectTerminationMessages(pod, key: key, containers: containers)
        let context = StartContext(pod: pod, key: key, uid: uid, sandbox: sandbox, volumes: volumes)
        let policy = pod.spec?.restartPolicy ?? "Always"

        // Init containers, one at a time, each to completion; sidecars (restartPolicy Always) only
        // need to be running before the next one starts.
        var initDone = true
        for container in pod.spec?.initContainers ?? [] {
            let name = container.name ?? ""
            let latest = containers.latest[name]
            if container.restartPolicy == "Always" {
                if latest?.state == .running { continue }
                initDone = false
                if let latest, latest.state == .running || latest.state == .created { break }
                let started = try await startOrBackOff(container, isInit: true, after: latest, context: context, step: &step)
                if started { initDone = true; continue }
                break
            }
            if let latest, latest.state == .exited, latest.exitCode == 0 { continue }
            initDone = false
            if let latest {
                guard latest.state == .exited else { break }
                if policy != "Never" {
                    _ = try await startOrBackOff(container, isInit: true, after: latest, context: context, step: &step)
                }
            } else {
                _ = try await startOrBackOff(container, isInit: true, after: nil, context: context, step: &step)
            }
            break
        }

        if initDone {
            for container in pod.spec?.containers ?? [] {
                let name = container.name ?? ""
                guard var latest = containers.latest[name] else {
                    _ = try await startOrBackOff(container, isInit: false, after: nil, context: context, step: &step)
                    continue
                }
                if latest.state == .running, let reason = probes.failure(containerID: latest.id) {
                    events.event(pod, type: .normal, reason: "Killing",
                                 message: "Container \(name) \(reason), will be restarted")
                    try await stopContainer(latest, container: container, pod: pod, grace: gracePeriod(pod, probe: container.livenessProbe))
                    probes.forget(containerID: latest.id)
                    latest = try await runtime.containerStatus(latest.id)
                }
                guard latest.state == .exited else { continue }
                if policy == "Always" || (policy == "OnFailure" && latest.exitCode != 0) {
                    _ = try await startOrBackOff(container, isInit: false, after: latest, context: context, step: &step)
                } else {
                    updateRecord(key) { $0.waiting[name] = nil }
                }
            }
        }

        containers = PodContainers(try await runtime.listContainers(ContainerFilter(podSandboxID: sandbox.id)))
        await collectTerminationMessages(pod, key: key, containers: containers)
        registerProbes(pod, key: key, uid: uid, sandbox: sandbox, containers: containers)
        let status = try await writeStatus(pod, key: key, sandbox: sandbox, containers: containers)
        if status.phase == "Succeeded" || status.phase == "Failed" {
            try? await runtime.stopPodSandbox(sandbox.id)
            probes.forget(podUID: uid)
        }
        return step.wake
    }

    /// `activeDeadlineSeconds` passed: every container is stopped (grace period), the sandbox
    /// released, and the pod reported Failed with reason DeadlineExceeded (upstream's active
    /// deadline handler); nothing restarts.
    func stopForDeadline(_ pod: CoreV1.Pod, key: ObjectKey, uid: String) async throws {
        let first = record(key)?.deadlineExceeded == false
        updateRecord(key) { $0.deadlineExceeded = true }
        if first {
            events.event(pod, type: .normal, reason: "DeadlineExceeded", message: "Pod was active on the node longer than the specified deadline")
        }
        let sandboxes = try await runtime.listPodSandboxes(PodSandboxFilter(labelSelector: [RuntimeLabels.podUID: uid]))
        var containers = PodContainers([])
        let specs = (pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? [])
        // The pod keeps reporting its IP after it stopped, as upstream does.
        let last = sandboxes.last
        for sandbox in sandboxes {
            for status in try await runtime.listContainers(ContainerFilter(podSandboxID: sandbox.id)) where status.state == .running {
                let spec = specs.first { $0.name == status.containerName } ?? CoreV1.Container()
                try await stopContainer(status, container: spec, pod: pod, grace: gracePeriod(pod))
            }
            try? await runtime.stopPodSandbox(sandbox.id)
            containers = PodContainers(try await runtime.listContainers(ContainerFilter(podSandboxID: sandbox.id)))
        }
        probes.forget(podUID: uid)
        try await writeStatus(pod, key: key, sandbox: last, containers: containers)
    }

    /// The pod's ready sandbox, created (attempt + 1 after a dead one) when there is none.
    func ensureSandbox(_ pod: CoreV1.Pod, uid: String) async throws -> PodSandboxStatus {
        let existing = try await runtime.listPodSandboxes(PodSandboxFilter(labelSelector: [RuntimeLabels.podUID: uid]))
        if let ready = existing.last(where: { $0.state == .ready }) { return ready }
        let attempt = (existing.map(\.metadata.attempt).max().map { $0 + 1 }) ?? 0
        for dead in existing { try? await runtime.removePodSandbox(dead.id) }
        let config = sandboxConfig(pod, uid: uid, attempt: attempt)
        try FileManager.default.createDirectory(atPath: config.logDirectory, withIntermediateDirectories: true)
        let id = try await runtime.runPodSandbox(config)
        return try await runtime.podSandboxStatus(id)
    }

    func sandboxConfig(_ pod: CoreV1.Pod, uid: String, attempt: UInt32) -> PodSandboxConfig {
        let name = pod.metadata?.name ?? ""
        let namespace = pod.metadata?.namespace ?? "default"
        let spec = pod.spec ?? CoreV1.PodSpec()
        var ports: [PortMapping] = []
        for container in spec.containers ?? [] {
            for port in container.ports ?? [] {
                guard let hostPort = port.hostPort, hostPort > 0, let containerPort = port.containerPort else { continue }
                let proto = NetworkProtocol(rawValue: port.protocol ?? "TCP") ?? .tcp
                ports.append(PortMapping(protocol: proto, containerPort: containerPort, hostPort: hostPort, hostIP: port.hostIP ?? ""))
            }
        }
        return PodSandboxConfig(
            metadata: PodSandboxMetadata(name: name, namespace: namespace, uid: uid, attempt: attempt),
            hostname: spec.hostNetwork == true ? "" : String((spec.hostname ?? name).prefix(63)),
            logDirectory: config.logsDirectory + "/\(namespace)_\(name)_\(uid)",
            dnsConfig: dnsConfig(spec, namespace: namespace), portMappings: ports,
            labels: [RuntimeLabels.podUID: uid, RuntimeLabels.podName: name, RuntimeLabels.podNamespace: namespace],
            annotations: pod.metadata?.annotations ?? [:], hostNetwork: spec.hostNetwork == true)
    }

    /// resolv.conf for the pod (dnsPolicy, dnsConfig); nil leaves the runtime's default.
    func dnsConfig(_ spec: CoreV1.PodSpec, namespace: String) -> DNSConfig? {
        let policy = spec.dnsPolicy ?? "ClusterFirst"
        var dns: DNSConfig?
        switch policy {
        case "ClusterFirst" where !config.clusterDNS.isEmpty && spec.hostNetwork != true,
             "ClusterFirstWithHostNet" where !config.clusterDNS.isEmpty:
            let domain = config.clusterDomain
            dns = DNSConfig(servers: config.clusterDNS, searches: ["\(namespace).svc.\(domain)", "svc.\(domain)", domain],
                            options: ["ndots:5"])
        case "None":
            dns = DNSConfig()
        default:
            dns = nil
        }
        if let extra = spec.dnsConfig {
            var merged = dns ?? DNSConfig()
            merged.servers += extra.nameservers ?? []
            merged.searches += extra.searches ?? []
            merged.options += (extra.options ?? []).compactMap { option in
                option.name.map { name in option.value.map { "\(name):\($0)" } ?? name }
            }
            dns = merged
        }
        return dns
    }

    /// Generates the status and writes it when it differs from what the pod has (a merge
    /// patch of the whole status with the pod's uid as precondition).
    @discardableResult
    func writeStatus(_ pod: CoreV1.Pod, key: ObjectKey, sandbox: PodSandboxStatus?, containers: PodContainers) async throws -> CoreV1.PodStatus {
        guard let record = record(key) else { return pod.status ?? CoreV1.PodStatus() }
        var images: [String: ImageRecord] = [:]
        for container in (pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? []) {
            let image = container.image ?? ""
            if images[image] == nil, let found = try? await runtime.imageStatus(image) { images[image] = found }
        }
        var probeStates: [String: ContainerProbeState] = [:]
        for container in containers.all where container.state == .running { probeStates[container.id] = probes.state(containerID: container.id) }
        let generator = PodStatusGenerator(pod: pod, sandbox: sandbox, containers: containers, record: record, probes: probeStates,
                                           hostIP: nodeIP, images: images, now: now())
        let status = generator.generate()
        // Written already (the informer may not have delivered our write yet) or shown already.
        if status == pod.status || status == record.lastWritten { return status }
        struct Body: Encodable {
            struct Metadata: Encodable { var uid: String }
            var metadata: Metadata
            var status: CoreV1.PodStatus
        }
        let body = try JSONEncoder().encode(Body(metadata: .init(uid: record.uid), status: status))
        do {
            _ = try await client.patch(CoreV1.Pod.self, key.name, namespace: key.namespace, Patch(.merge, body: Array(body)),
                                       subresource: "status")
            updateRecord(key) { $0.lastWritten = status }
        } catch let error as ClientError where error.isNotFound {
            return status
        }
        return status
    }

    /// The grace period for stopping one container: the probe's own
    /// `terminationGracePeriodSeconds`, else the pod's, else 30 s.
    func gracePeriod(_ pod: CoreV1.Pod, probe: CoreV1.Probe? = nil) -> Duration {
        .seconds(max(probe?.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30, 0))
    }
}

/// What one sync learned about when to come back.
struct SyncStep {
    let now: Date
    private(set) var wake: Date?
    init(now: Date) { self.now = now }
    mutating func wake(at date: Date) { wake = min(wake ?? date, date) }
}

/// What starting a container needs to know about its pod.
struct StartContext {
    var pod: CoreV1.Pod
    var key: ObjectKey
    var uid: String
    var sandbox: PodSandboxStatus
    var volumes: [String: String]
}
