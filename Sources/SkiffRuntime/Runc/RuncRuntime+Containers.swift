import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension RuncRuntime {
    static func containerKey(_ sandboxID: String, _ metadata: ContainerMetadata) -> String {
        "container/\(sandboxID)/\(metadata.name)/\(metadata.attempt)"
    }

    func loadContainer(_ id: String) throws(RuntimeError) -> ContainerRecord {
        try checkID(id, kind: "container")
        guard let record = JSONFile.read(ContainerRecord.self, from: containerDirectory(id) + "/container.json") else {
            throw .notFound(kind: "container", id: id)
        }
        return record
    }

    func saveContainer(_ record: ContainerRecord) throws(RuntimeError) {
        do { try JSONFile.write(record, to: containerDirectory(record.id) + "/container.json") } catch {
            throw .systemError("write container record", EIO, "\(error)")
        }
    }

    func allContainers() -> [ContainerRecord] {
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: containersDirectory)) ?? []
        return ids.compactMap { JSONFile.read(ContainerRecord.self, from: containerDirectory($0) + "/container.json") }
    }

    func shimStatus(_ id: String) -> ShimStatus? {
        JSONFile.read(ShimStatus.self, from: containerDirectory(id) + "/status.json")
    }

    func podCgroup(_ sandboxID: String) -> String { "/\(configuration.cgroupParent)/\(sandboxID)" }

    /// Removes a cgroup directory (and empty children) from every v1 hierarchy.
    func removeCgroup(_ path: String) {
        let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: configuration.cgroupRoot)) ?? []
        for hierarchy in hierarchies {
            let dir = configuration.cgroupRoot + "/" + hierarchy + path
            let children = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for child in children where !child.contains(".") { rmdir(dir + "/" + child) }
            rmdir(dir)
        }
    }

    public func createContainer(in podSandboxID: String, config: ContainerConfig, sandboxConfig: PodSandboxConfig) async throws -> String {
        let sandbox = try loadSandbox(podSandboxID)
        guard status(of: sandbox).state == .ready else {
            throw RuntimeError.failedPrecondition("sandbox \(podSandboxID) is not ready")
        }
        let key = Self.containerKey(podSandboxID, config.metadata)
        try reserve(key)
        defer { release(key) }
        if allContainers().contains(where: { Self.containerKey($0.podSandboxID, $0.config.metadata) == key }) {
            throw RuntimeError.alreadyExists(kind: "container", name: key)
        }
        guard let image = try await images.imageStatus(config.image) else {
            throw RuntimeError.notFound(kind: "image", id: config.image)
        }
        let id = newIdentifier()
        let dir = containerDirectory(id)
        let rootfs = dir + "/bundle/rootfs"
        let cgroupsPath = podCgroup(podSandboxID) + "/" + id
        var logPath = config.logPath
        if !logPath.isEmpty && !logPath.hasPrefix("/") { logPath = sandbox.config.logDirectory + "/" + logPath }
        let record = ContainerRecord(id: id, podSandboxID: podSandboxID, config: config, imageRef: image.id, createdAt: Date(),
                                     startedAt: nil, logPath: logPath, cgroupsPath: cgroupsPath, shimPID: nil)
        do {
            for sub in ["upper", "work", "bundle/rootfs"] {
                try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
            }
            if !logPath.isEmpty {
                try FileManager.default.createDirectory(atPath: (logPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            }
            try Mounts.mountOverlay(lower: image.layerDirectories, upper: dir + "/upper", work: dir + "/work", target: rootfs)
            let sandboxDir = sandboxDirectory(podSandboxID)
            let spec = OCISpec(
                config: config, image: image.config,
                sandbox: .init(hostsFile: sandboxDir + "/hosts", resolvConf: sandboxDir + "/resolv.conf",
                               hostnameFile: sandboxDir + "/hostname",
                               netns: sandbox.config.hostNetwork ? nil : namespacePath(podSandboxID, "net"),
                               ipcns: namespacePath(podSandboxID, "ipc"),
                               utsns: sandbox.config.hostNetwork ? nil : namespacePath(podSandboxID, "uts")),
                cgroupsPath: cgroupsPath)
            let json = try spec.build().encoded()
            try json.write(to: URL(fileURLWithPath: dir + "/bundle/config.json"))
            try saveContainer(record)
            let argv = [configuration.shimExecutable, "shim", "run", "--id", id, "--bundle", dir + "/bundle",
                        "--directory", dir, "--runtime", configuration.runtimeBinary, "--runtime-root", runtimeRoot,
                        "--log-path", logPath, "--memory-cgroup", configuration.cgroupRoot + "/memory" + cgroupsPath]
                + (config.stdin ? ["--stdin"] : []) + (config.tty ? ["--tty"] : [])
            var started = record
            if let standby = standbyShims.assign(ShimAssignment(arguments: Array(argv.dropFirst(2)), logPath: dir + "/shim.log")) {
                started.shimPID = try await awaitReadiness(pid: standby.pid, readiness: standby.readiness, argv: argv, logPath: dir + "/shim.log")
            } else {
                started.shimPID = try await spawnDetached(argv, logPath: dir + "/shim.log")
            }
            // The next container's shim starts loading now, while this one's container starts.
            standbyShims.refill()
            try saveContainer(started)
            return id
        } catch {
            await teardownContainer(record)
            throw error
        }
    }

    public func startContainer(_ id: String) async throws {
        var record = try loadContainer(id)
        let current = containerStatus(of: record)
        guard current.state == .created else {
            throw RuntimeError.failedPrecondition("container \(id) is \(current.state.rawValue), not CREATED")
        }
        let pid = shimStatus(id)?.pid ?? 0
        let before = Self.commandLine(pid)
        record.startedAt = Date()
        try saveContainer(record)
        try await Subprocess.check([configuration.runtimeBinary, "--root", runtimeRoot, "start", id])
        // `runc start` returns before the init has exec'd the user's process; until then a signal
        // would hit runc's own init (Go exits 2 on SIGTERM). RUNNING means the user's process runs.
        let deadline = ContinuousClock.now + .seconds(5)
        while Self.commandLine(pid) == before && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// A process's command line (empty once it is gone or a zombie).
    static func commandLine(_ pid: Int32) -> [UInt8] {
        guard pid > 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return Array(data)
    }

    public func stopContainer(_ id: String, timeout: Duration) async throws {
        let record = try loadContainer(id)
        guard let shim = shimStatus(id), shim.exitCode == nil else { return }
        if record.startedAt == nil {
            // Never started: the init waits on runc's exec FIFO; killing it ends the container.
            kill(shim.pid, SIGKILL)
        } else if timeout > .zero {
            kill(shim.pid, SIGTERM)
            if await waitForExit(id, within: timeout) { return }
            kill(shim.pid, SIGKILL)
        } else {
            kill(shim.pid, SIGKILL)
        }
        if !(await waitForExit(id, within: .seconds(10))) {
            throw RuntimeError.timeout("container \(id) did not exit after SIGKILL")
        }
    }

    /// Polls the shim's status file until it records an exit; false when `within` elapsed first.
    func waitForExit(_ id: String, within: Duration) async -> Bool {
        let deadline = ContinuousClock.now + within
        while true {
            guard let shim = shimStatus(id) else { return true }
            if shim.exitCode != nil { return true }
            // A shim that died without recording an exit (killed) will never record one.
            if kill(shim.pid, 0) != 0, !isAlive(loadShimPID(id)) { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    func loadShimPID(_ id: String) -> Int32 { (try? loadContainer(id))?.shimPID ?? 0 }

    func isAlive(_ pid: Int32) -> Bool { pid > 0 && kill(pid, 0) == 0 }

    public func removeContainer(_ id: String) async throws {
        let record: ContainerRecord
        do { record = try loadContainer(id) } catch .notFound { return }
        try await stopContainer(id, timeout: .zero)
        await teardownContainer(record)
    }

    /// Best-effort release of a container's runc state, rootfs mount, cgroup and directory.
    func teardownContainer(_ record: ContainerRecord) async {
        if let shim = shimStatus(record.id), shim.exitCode == nil { kill(shim.pid, SIGKILL) }
        _ = try? await Subprocess.run([configuration.runtimeBinary, "--root", runtimeRoot, "delete", "--force", record.id])
        Mounts.unmount(containerDirectory(record.id) + "/bundle/rootfs")
        removeCgroup(record.cgroupsPath)
        try? FileManager.default.removeItem(atPath: containerDirectory(record.id))
    }

    public func containerStatus(_ id: String) async throws -> ContainerStatus {
        containerStatus(of: try loadContainer(id))
    }

    public func listContainers(_ filter: ContainerFilter?) async throws -> [ContainerStatus] {
        allContainers().map(containerStatus(of:)).filter { filter?.matches($0) ?? true }.sorted { $0.createdAt < $1.createdAt }
    }

    func containerStatus(of record: ContainerRecord) -> ContainerStatus {
        var status = ContainerStatus(
            id: record.id, podSandboxID: record.podSandboxID, metadata: record.config.metadata, state: .unknown,
            createdAt: record.createdAt, startedAt: record.startedAt, image: record.config.image, imageRef: record.imageRef,
            labels: record.config.labels, annotations: record.config.annotations, mounts: record.config.mounts,
            logPath: record.logPath)
        guard let shim = shimStatus(record.id) else { return status }
        status.pid = shim.pid
        if let exitCode = shim.exitCode {
            status.state = .exited
            status.exitCode = exitCode
            status.finishedAt = shim.finishedAt
            status.reason = ContainerStatus.reason(exitCode: exitCode, oomKilled: shim.oomKilled)
            if record.startedAt == nil { status.startedAt = nil }
            if !record.config.terminationMessagePath.isEmpty,
               let message = try? String(contentsOfFile: record.config.terminationMessagePath, encoding: .utf8) {
                status.message = String(message.prefix(4096))
            }
        } else if isAlive(shim.pid) || isAlive(record.shimPID ?? 0) {
            status.state = record.startedAt == nil ? .created : .running
        }
        return status
    }
}
