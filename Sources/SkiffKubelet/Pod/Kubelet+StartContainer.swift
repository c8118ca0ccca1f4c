import Foundation
import SkiffAPI
import SkiffClient
import SkiffRuntime

extension Kubelet {
    /// Starts `container` (attempt 0, or the next after `after` exited) unless its crash-loop
    /// back-off has not passed; returns whether it was started.
    func startOrBackOff(_ container: CoreV1.Container, isInit: Bool, after last: ContainerStatus?, context: StartContext,
                        step: inout SyncStep) async throws -> Bool {
        let name = container.name ?? ""
        if let last {
            let finished = last.finishedAt ?? step.now
            let initial = config.crashLoopInitialBackoff, maximum = config.crashLoopMaxBackoff
            let backoff = record(context.key)?.crashBackoff[name] ?? Backoff(initial: initial, max: maximum)
            if let retry = backoff.retryTime(since: finished, now: step.now) {
                let pod = context.pod
                let message = "back-off \(backoff.delayText) restarting failed container=\(name) pod=\(pod.metadata?.name ?? "")_\(pod.metadata?.namespace ?? "")(\(context.uid))"
                let alreadyWaiting = record(context.key)?.waiting[name]?.reason == "CrashLoopBackOff"
                updateRecord(context.key) { $0.waiting[name] = WaitingReason(reason: "CrashLoopBackOff", message: message) }
                if !alreadyWaiting {
                    events.event(pod, type: .warning, reason: "BackOff", message: "Back-off restarting failed container \(name) in pod \(pod.metadata?.name ?? "")_\(pod.metadata?.namespace ?? "")(\(context.uid))")
                }
                step.wake(at: retry)
                return false
            }
            updateRecord(context.key) { record in
                var entry = record.crashBackoff[name] ?? Backoff(initial: initial, max: maximum)
                entry.next(now: step.now)
                record.crashBackoff[name] = entry
            }
        }
        let attempt = last.map { $0.metadata.attempt + 1 } ?? 0
        return try await startContainer(container, isInit: isInit, attempt: attempt, context: context, step: &step)
    }

    /// Pulls the image per policy, builds the runtime config, creates and starts the container
    /// and runs its postStart hook. A failure the pod can recover from (pull, config, runtime)
    /// becomes the container's waiting reason plus an Event, and a later retry.
    func startContainer(_ container: CoreV1.Container, isInit: Bool, attempt: UInt32, context: StartContext,
                        step: inout SyncStep) async throws -> Bool {
        let name = container.name ?? ""
        let pod = context.pod
        guard let image = try await ensureImage(container, context: context, step: &step) else { return false }
        let containerConfig: ContainerConfig
        do {
            containerConfig = try await self.containerConfig(container, isInit: isInit, attempt: attempt, image: image, context: context)
        } catch let error as ContainerConfigError {
            updateRecord(context.key) { $0.waiting[name] = WaitingReason(reason: "CreateContainerConfigError", message: error.description) }
            events.event(pod, type: .warning, reason: "Failed", message: "Error: \(error.description)")
            step.wake(at: step.now.addingTimeInterval(2))
            return false
        }
        // Keep the attempt before this one (logs --previous, lastState); remove older ones.
        for old in try await runtime.listContainers(ContainerFilter(podSandboxID: context.sandbox.id))
        where old.containerName == name && old.state != .running && old.metadata.attempt + 1 < attempt {
            try? await runtime.removeContainer(old.id)
        }
        let id: String
        do {
            id = try await runtime.createContainer(in: context.sandbox.id, config: containerConfig,
                                                   sandboxConfig: sandboxConfig(pod, uid: context.uid, attempt: context.sandbox.metadata.attempt))
        } catch let error as RuntimeError {
            if case .alreadyExists = error {
                // A container of this attempt exists (created before a crash of ours): start it.
                guard let existing = try await runtime.listContainers(ContainerFilter(podSandboxID: context.sandbox.id))
                    .first(where: { $0.containerName == name && $0.metadata.attempt == attempt && $0.state == .created }) else { return false }
                try await runtime.startContainer(existing.id)
                return true
            }
            updateRecord(context.key) { $0.waiting[name] = WaitingReason(reason: "CreateContainerError", message: error.description) }
            events.event(pod, type: .warning, reason: "Failed", message: "Error: \(error.description)")
            step.wake(at: step.now.addingTimeInterval(2))
            return false
        }
        events.event(pod, reason: "Created", message: "Created container: \(name)")
        do {
            try await runtime.startContainer(id)
        } catch {
            updateRecord(context.key) { $0.waiting[name] = WaitingReason(reason: "RunContainerError", message: "\(error)") }
            events.event(pod, type: .warning, reason: "Failed", message: "Error: failed to start container \"\(name)\": \(error)")
            step.wake(at: step.now.addingTimeInterval(2))
            return false
        }
        updateRecord(context.key) { $0.waiting[name] = nil }
        events.event(pod, reason: "Started", message: "Started container \(name)")
        if let hook = container.lifecycle?.postStart, let command = hook.exec?.command, !command.isEmpty {
            let result = try? await runtime.execSync(id, command: command, timeout: gracePeriod(pod))
            if result?.exitCode != 0 {
                let output = result.map { $0.stdoutText + $0.stderrText } ?? ""
                events.event(pod, type: .warning, reason: "FailedPostStartHook",
                             message: "PostStartHook failed: exit code \(result?.exitCode ?? -1): \(output)")
                try? await runtime.stopContainer(id, timeout: gracePeriod(pod))
            }
        }
        return true
    }

    /// The image record for the container, pulled as `imagePullPolicy` says, or nil with the
    /// container waiting in ErrImagePull / ImagePullBackOff / ErrImageNeverPull.
    func ensureImage(_ container: CoreV1.Container, context: StartContext, step: inout SyncStep) async throws -> ImageRecord? {
        let name = container.name ?? ""
        let image = container.image ?? ""
        let pod = context.pod
        let policy = container.imagePullPolicy ?? (Self.imageTag(image) == "latest" ? "Always" : "IfNotPresent")
        let present = try? await runtime.imageStatus(image)
        if let present, policy != "Always" {
            if attemptIsFirst(context: context, name: name) {
                events.event(pod, reason: "Pulled", message: "Container image \"\(image)\" already present on machine")
            }
            return present
        }
        if policy == "Never" {
            let message = "Container image \"\(image)\" is not present with pull policy of Never"
            updateRecord(context.key) { $0.waiting[name] = WaitingReason(reason: "ErrImageNeverPull", message: message) }
            events.event(pod, type: .warning, reason: "ErrImageNeverPull", message: message)
            step.wake(at: step.now.addingTimeInterval(10))
            return nil
        }
        let record = self.record(context.key)
        let backoff = record?.pullBackoff[name] ?? Backoff(initial: config.imagePullInitialBackoff, max: config.imagePullMaxBackoff)
        if let failedAt = record?.pullFailedAt[name], let retry = backoff.retryTime(since: failedAt, now: step.now) {
            let message = "Back-off pulling image \"\(image)\""
            if record?.waiting[name]?.reason != "ImagePullBackOff" {
                events.event(pod, reason: "BackOff", message: message)
            }
            updateRecord(context.key) { $0.waiting[name] = WaitingReason(reason: "ImagePullBackOff", message: message) }
            step.wake(at: retry)
            return nil
        }
        events.event(pod, reason: "Pulling", message: "Pulling image \"\(image)\"")
        let started = ContinuousClock.now
        do {
            // Each matching pull secret in turn, then anonymously when none matched (upstream's order).
            let candidates = await pullCredentials(for: image, pod: pod)
            var pulled: ImageRecord?
            var lastError: (any Error)?
            for credentials in candidates.isEmpty ? [nil] : candidates.map(Optional.some) {
                do {
                    pulled = try await runtime.pullImage(image, credentials: credentials)
                    break
                } catch {
                    lastError = error
                }
            }
            guard let pulled else { throw lastError ?? ImageError.notFound(image) }
            let elapsed = (ContinuousClock.now - started).seconds
            events.event(pod, reason: "Pulled", message: "Successfully pulled image \"\(image)\" in \(String(format: "%.3f", elapsed))s")
            updateRecord(context.key) { $0.pullBackoff[name] = nil; $0.pullFailedAt[name] = nil }
            return pulled
        } catch {
            let message = "failed to pull and unpack image \"\(image)\": \(error)"
            updateRecord(context.key) { record in
                var entry = record.pullBackoff[name] ?? backoff
                entry.next(now: step.now)
                record.pullBackoff[name] = entry
                record.pullFailedAt[name] = step.now
                record.waiting[name] = WaitingReason(reason: "ErrImagePull", message: message)
            }
            events.event(pod, type: .warning, reason: "Failed", message: "Failed to pull image \"\(image)\": \(error)")
            events.event(pod, type: .warning, reason: "Failed", message: "Error: ErrImagePull")
            step.wake(at: step.now.addingTimeInterval(0.05))
            return nil
        }
    }

    private func attemptIsFirst(context: StartContext, name: String) -> Bool {
        record(context.key)?.crashBackoff[name] == nil
    }

    /// The tag of an image reference ("latest" when it has neither tag nor digest).
    static func imageTag(_ image: String) -> String {
        if image.contains("@") { return "" }
        let last = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = last.lastIndex(of: ":") else { return "latest" }
        return String(last[last.index(after: colon)...])
    }

    /// The runtime configuration of one container attempt.
    func containerConfig(_ container: CoreV1.Container, isInit: Bool, attempt: UInt32, image: ImageRecord,
                         context: StartContext) async throws -> ContainerConfig {
        let name = container.name ?? ""
        let pod = context.pod
        let environment = try await self.environment(for: container, pod: pod, podIP: context.sandbox.ip)
        var lookup: [String: String] = [:]
        for (key, value) in environment { lookup[key] = value }
        let command = (container.command ?? []).map { Expansion.expand($0) { lookup[$0] } }
        let args = (container.args ?? []).map { Expansion.expand($0) { lookup[$0] } }
        var mounts = try self.mounts(for: container, volumes: context.volumes, environment: lookup)

        // The termination-message file: one per attempt under the pod directory.
        let messageDirectory = podDirectory(context.uid) + "/containers/" + name
        try makeDirectory(messageDirectory, mode: 0o755)
        let messageFile = messageDirectory + "/\(attempt)-termination-log"
        _ = FileManager.default.createFile(atPath: messageFile, contents: nil, attributes: [.posixPermissions: 0o666])
        let messagePath = container.terminationMessagePath ?? "/dev/termination-log"
        if messagePath != "/dev/termination-log" { mounts.append(Mount(hostPath: messageFile, containerPath: messagePath)) }

        var labels = [RuntimeLabels.podUID: context.uid, RuntimeLabels.podName: pod.metadata?.name ?? "",
                      RuntimeLabels.podNamespace: pod.metadata?.namespace ?? "", RuntimeLabels.containerName: name,
                      RuntimeLabels.terminationMessagePolicy: container.terminationMessagePolicy ?? "File"]
        if isInit { labels[RuntimeLabels.containerType] = "init" }
        return ContainerConfig(
            metadata: ContainerMetadata(name: name, attempt: attempt), image: image.id, command: command, args: args,
            workingDir: container.workingDir ?? "", env: environment.map { "\($0.0)=\($0.1)" }, mounts: mounts,
            labels: labels, annotations: ["io.kubernetes.container.restartCount": String(attempt)],
            logPath: "\(name)/\(attempt).log", stdin: container.stdin == true, stdinOnce: container.stdinOnce == true,
            tty: container.tty == true, resources: Self.resources(container.resources),
            securityContext: Self.securityContext(container.securityContext, pod: pod.spec?.securityContext),
            terminationMessagePath: messageFile)
    }

    /// cgroup settings from requests and limits (kuberuntime's cpu shares and CFS quota).
    static func resources(_ requirements: CoreV1.ResourceRequirements?) -> ContainerResources {
        var result = ContainerResources()
        let cpuRequest = requirements?.requests?["cpu"] ?? requirements?.limits?["cpu"]
        result.cpuShares = max(((cpuRequest?.milliValue ?? 0) * 1024) / 1000, 2)
        if let limit = requirements?.limits?["cpu"], !limit.isZero {
            result.cpuPeriod = 100_000
            result.cpuQuota = max(limit.milliValue * 100_000 / 1000, 1000)
        }
        if let memory = requirements?.limits?["memory"], !memory.isZero { result.memoryLimitInBytes = memory.value }
        return result
    }

    static func securityContext(_ context: CoreV1.SecurityContext?, pod: CoreV1.PodSecurityContext?) -> SecurityContext {
        var result = SecurityContext()
        result.privileged = context?.privileged == true
        result.runAsUser = context?.runAsUser ?? pod?.runAsUser
        result.runAsGroup = context?.runAsGroup ?? pod?.runAsGroup
        result.supplementalGroups = pod?.supplementalGroups ?? []
        result.readOnlyRootFilesystem = context?.readOnlyRootFilesystem == true
        result.noNewPrivileges = context?.allowPrivilegeEscalation == false
        result.capabilities = Capabilities(add: context?.capabilities?.add ?? [], drop: context?.capabilities?.drop ?? [])
        return result
    }

    /// Reads the termination message of every exited attempt not read yet: the file the
    /// container wrote, else (FallbackToLogsOnError, failed) the last 80 lines / 2048 bytes of its log.
    func collectTerminationMessages(_ pod: CoreV1.Pod, key: ObjectKey, containers: PodContainers) async {
        let known = record(key)?.terminationMessages ?? [:]
        var found: [String: String] = [:]
        for container in containers.all where container.state == .exited && known[container.id] == nil {
            var message = container.message
            if message.isEmpty {
                let file = podDirectory(record(key)?.uid ?? "") + "/containers/\(container.containerName)/\(container.metadata.attempt)-termination-log"
                message = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            }
            if message.isEmpty, container.exitCode != 0,
               container.labels[RuntimeLabels.terminationMessagePolicy] == "FallbackToLogsOnError" {
                message = Self.logTail(container.logPath, lines: 80, bytes: 2048)
            }
            found[container.id] = String(message.utf8.prefix(4096)) ?? message
        }
        guard !found.isEmpty else { return }
        updateRecord(key) { $0.terminationMessages.merge(found) { $1 } }
    }

    /// The last `lines` lines (at most `bytes`) of a CRI log file's messages.
    static func logTail(_ path: String, lines: Int, bytes: Int) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
        let messages = text.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            return parts.count == 4 ? String(parts[3]) : nil
        }
        let tail = messages.suffix(lines).joined(separator: "\n")
        return String(tail.utf8.suffix(bytes)) ?? tail
    }
}
