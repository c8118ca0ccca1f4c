import Foundation
import SkiffRuntime
import SkiffSystem
import Synchronization

/// An in-memory `ContainerRuntime` for unit tests of callers (the kubelet). No process runs: a
/// container's resolved command is read as a tiny script.
///
/// - `["fake", directives…]` with directives `stdout=TEXT`, `stderr=TEXT` (written to the CRI log on
///   start), `exit=N` (exits with N right after starting; without it the container runs until stopped),
///   `ignore-sigterm` (stop waits the whole grace period, then "kills": 137), `oom` (exits 137 as
///   OOMKilled when a memory limit is set).
/// - any other command runs until stopped; a stopped container exits 143 (SIGTERM) or 137 (SIGKILL).
///
/// `execSync` and `exec` read the same `fake` directives (`stdout=`, `stderr=`, `exit=`); `["cat"]` echoes stdin.
/// State lives in a shared `FakeRuntime.State`, so a second instance over the same state models a restart.
public final class FakeRuntime: ContainerRuntime, DelegatesImageService {
    public final class State: Sendable {
        let data = Mutex(Data())
        public init() {}
    }

    struct Data {
        var sandboxes: [String: SandboxEntry] = [:]
        var containers: [String: ContainerEntry] = [:]
        var order = 0
    }

    struct SandboxEntry { var status: PodSandboxStatus; var config: PodSandboxConfig; var order: Int }
    struct ContainerEntry {
        var status: ContainerStatus
        var config: ContainerConfig
        var program: Program
        var order: Int
    }

    struct Program {
        var stdout: String?
        var stderr: String?
        var exitCode: Int32?
        var ignoresSigterm = false
        var oom = false
        var isCat = false
        init(_ command: [String]) {
            isCat = command == ["cat"]
            guard command.first == "fake" else { return }
            for directive in command.dropFirst() {
                let parts = directive.split(separator: "=", maxSplits: 1).map(String.init)
                switch parts[0] {
                case "stdout": stdout = parts.count > 1 ? parts[1] : ""
                case "stderr": stderr = parts.count > 1 ? parts[1] : ""
                case "exit": exitCode = Int32(parts.count > 1 ? parts[1] : "0") ?? 0
                case "ignore-sigterm": ignoresSigterm = true
                case "oom": oom = true
                default: break
                }
            }
        }
    }

    public let state: State
    let images: any ImageService
    let subnetPrefix: String

    public init(images: any ImageService, state: State = State(), subnetPrefix: String = "10.244.0.") {
        self.images = images; self.state = state; self.subnetPrefix = subnetPrefix
    }

    // MARK: sandboxes

    public func runPodSandbox(_ config: PodSandboxConfig) async throws -> String {
        try state.data.withLock { data in
            if data.sandboxes.values.contains(where: { $0.config.metadata == config.metadata }) {
                throw RuntimeError.alreadyExists(kind: "sandbox", name: config.metadata.name)
            }
            let id = newIdentifier()
            data.order += 1
            let ip = config.hostNetwork ? "" : subnetPrefix + String(2 + data.order % 250)
            let status = PodSandboxStatus(id: id, metadata: config.metadata, state: .ready, createdAt: Date(), ip: ip,
                                          hostNetwork: config.hostNetwork, labels: config.labels, annotations: config.annotations)
            data.sandboxes[id] = SandboxEntry(status: status, config: config, order: data.order)
            return id
        }
    }

    public func stopPodSandbox(_ id: String) async throws {
        try state.data.withLock { data in
            guard data.sandboxes[id] != nil else { throw RuntimeError.notFound(kind: "sandbox", id: id) }
            data.sandboxes[id]?.status.state = .notReady
            for (cid, entry) in data.containers where entry.status.podSandboxID == id && entry.status.state != .exited {
                Self.exit(&data.containers[cid]!, code: 137)
            }
        }
    }

    public func removePodSandbox(_ id: String) async throws {
        state.data.withLock { data in
            data.sandboxes[id] = nil
            data.containers = data.containers.filter { $0.value.status.podSandboxID != id }
        }
    }

    public func podSandboxStatus(_ id: String) async throws -> PodSandboxStatus {
        guard let entry = state.data.withLock({ $0.sandboxes[id] }) else { throw RuntimeError.notFound(kind: "sandbox", id: id) }
        return entry.status
    }

    public func listPodSandboxes(_ filter: PodSandboxFilter?) async throws -> [PodSandboxStatus] {
        state.data.withLock { $0.sandboxes.values.sorted { $0.order < $1.order }.map(\.status) }.filter { filter?.matches($0) ?? true }
    }

    // MARK: containers

    public func createContainer(in podSandboxID: String, config: ContainerConfig, sandboxConfig: PodSandboxConfig) async throws -> String {
        guard let image = try await images.imageStatus(config.image) else { throw RuntimeError.notFound(kind: "image", id: config.image) }
        let command = image.config.resolveProcess(command: config.command, args: config.args)
        guard !command.isEmpty else { throw RuntimeError.invalidArgument("container \(config.metadata.name) has no command") }
        return try state.data.withLock { data in
            guard let sandbox = data.sandboxes[podSandboxID] else { throw RuntimeError.notFound(kind: "sandbox", id: podSandboxID) }
            guard sandbox.status.state == .ready else { throw RuntimeError.failedPrecondition("sandbox \(podSandboxID) is not ready") }
            if data.containers.values.contains(where: { $0.status.podSandboxID == podSandboxID && $0.config.metadata == config.metadata }) {
                throw RuntimeError.alreadyExists(kind: "container", name: config.metadata.name)
            }
            let id = newIdentifier()
            var logPath = config.logPath
            if !logPath.isEmpty && !logPath.hasPrefix("/") { logPath = sandbox.config.logDirectory + "/" + logPath }
            data.order += 1
            let status = ContainerStatus(
                id: id, podSandboxID: podSandboxID, metadata: config.metadata, state: .created, createdAt: Date(),
                image: config.image, imageRef: image.id, labels: config.labels, annotations: config.annotations,
                mounts: config.mounts, logPath: logPath)
            data.containers[id] = ContainerEntry(status: status, config: config, program: Program(command), order: data.order)
            return id
        }
    }

    public func startContainer(_ id: String) async throws {
        let entry = try state.data.withLock { data throws(RuntimeError) -> ContainerEntry in
            guard var entry = data.containers[id] else { throw .notFound(kind: "container", id: id) }
            guard entry.status.state == .created else { throw .failedPrecondition("container \(id) is \(entry.status.state.rawValue)") }
            entry.status.state = .running
            entry.status.startedAt = Date()
            entry.status.pid = Int32(1000 + entry.order)
            if entry.program.oom && entry.config.resources.memoryLimitInBytes > 0 {
                Self.exit(&entry, code: 137, oom: true)
            } else if let code = entry.program.exitCode {
                Self.exit(&entry, code: code)
            }
            data.containers[id] = entry
            return entry
        }
        if !entry.status.logPath.isEmpty {
            try? FileManager.default.createDirectory(atPath: (entry.status.logPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let log = CRILogWriter(path: entry.status.logPath)
            if let text = entry.program.stdout { log.write(.stdout, Array((text + "\n").utf8)) }
            if let text = entry.program.stderr { log.write(.stderr, Array((text + "\n").utf8)) }
        }
    }

    static func exit(_ entry: inout ContainerEntry, code: Int32, oom: Bool = false) {
        entry.status.state = .exited
        entry.status.exitCode = code
        entry.status.finishedAt = Date()
        entry.status.reason = ContainerStatus.reason(exitCode: code, oomKilled: oom)
    }

    public func stopContainer(_ id: String, timeout: Duration) async throws {
        let ignores = try state.data.withLock { data throws(RuntimeError) -> Bool? in
            guard let entry = data.containers[id] else { throw .notFound(kind: "container", id: id) }
            guard entry.status.state == .running || entry.status.state == .created else { return nil }
            if !entry.program.ignoresSigterm || timeout == .zero {
                Self.exit(&data.containers[id]!, code: timeout == .zero ? 137 : 143)
                return nil
            }
            return true
        }
        guard ignores != nil else { return }
        try await Task.sleep(for: timeout)
        state.data.withLock { data in
            if data.containers[id]?.status.state == .running { Self.exit(&data.containers[id]!, code: 137) }
        }
    }

    public func removeContainer(_ id: String) async throws {
        _ = state.data.withLock { $0.containers.removeValue(forKey: id) }
    }

    public func containerStatus(_ id: String) async throws -> ContainerStatus {
        guard let entry = state.data.withLock({ $0.containers[id] }) else { throw RuntimeError.notFound(kind: "container", id: id) }
        return entry.status
    }

    public func listContainers(_ filter: ContainerFilter?) async throws -> [ContainerStatus] {
        state.data.withLock { $0.containers.values.sorted { $0.order < $1.order }.map(\.status) }.filter { filter?.matches($0) ?? true }
    }

    func requireRunning(_ id: String) throws(RuntimeError) {
        guard let entry = state.data.withLock({ $0.containers[id] }) else { throw .notFound(kind: "container", id: id) }
        guard entry.status.state == .running else { throw .failedPrecondition("container \(id) is not running") }
    }

    public func execSync(_ id: String, command: [String], timeout: Duration?) async throws -> ExecSyncResult {
        try requireRunning(id)
        let program = Program(command)
        return ExecSyncResult(stdout: Array((program.stdout.map { $0 + "\n" } ?? "").utf8),
                              stderr: Array((program.stderr.map { $0 + "\n" } ?? "").utf8), exitCode: program.exitCode ?? 0)
    }

    // MARK: streaming

    public func exec(_ request: ExecRequest) async throws -> StreamSession {
        try requireRunning(request.containerID)
        let program = Program(request.command)
        let (output, continuation) = AsyncStream.makeStream(of: OutputChunk.self)
        let exit = ExitBox()
        if let text = program.stdout { continuation.yield(OutputChunk(stream: .stdout, bytes: Array((text + "\n").utf8))) }
        if let text = program.stderr { continuation.yield(OutputChunk(stream: .stderr, bytes: Array((text + "\n").utf8))) }
        let finish: @Sendable () -> Void = {
            guard !exit.isSet else { return }
            continuation.finish()
            exit.set(program.exitCode ?? 0)
        }
        if !program.isCat || !request.stdin { finish() }
        return StreamSession(output: output, operations: .init(
            write: { bytes in
                guard program.isCat, !exit.isSet else { throw RuntimeError.failedPrecondition("stdin is closed") }
                continuation.yield(OutputChunk(stream: .stdout, bytes: bytes))
            },
            closeStdin: { finish() }, resize: { _ in }, wait: { await exit.value() }, close: { finish() }))
    }

    public func attach(_ request: AttachRequest) async throws -> StreamSession {
        try requireRunning(request.containerID)
        let (output, continuation) = AsyncStream.makeStream(of: OutputChunk.self)
        continuation.finish()
        return StreamSession(output: output, operations: .init(
            write: { _ in }, closeStdin: {}, resize: { _ in }, wait: { 0 }, close: {}))
    }

    public func portForward(podSandboxID: String, port: Int) async throws -> ByteStream {
        _ = try await podSandboxStatus(podSandboxID)
        throw RuntimeError.failedPrecondition("FakeRuntime has no network")
    }

    // MARK: stats and images

    public func containerStats(_ id: String) async throws -> ContainerStats {
        let status = try await containerStatus(id)
        return ContainerStats(containerID: status.id, timestamp: Date(), cpuUsageCoreNanoSeconds: 0, memoryUsageBytes: 0,
                              memoryWorkingSetBytes: 0, memoryRSSBytes: 0)
    }

    public func podSandboxStats(_ podSandboxID: String) async throws -> PodSandboxStats {
        _ = try await podSandboxStatus(podSandboxID)
        let containers = try await listContainers(ContainerFilter(podSandboxID: podSandboxID))
        var stats: [ContainerStats] = []
        for container in containers { stats.append(try await containerStats(container.id)) }
        return PodSandboxStats(podSandboxID: podSandboxID, timestamp: Date(), cpuUsageCoreNanoSeconds: 0, memoryWorkingSetBytes: 0, containers: stats)
    }

    public var imageService: any ImageService { images }

    /// The configuration a container was created with (tests of callers check env, mounts, command).
    public func containerConfig(_ id: String) -> ContainerConfig? { state.data.withLock { $0.containers[id]?.config } }

    /// The configuration a sandbox was created with.
    public func sandboxConfig(_ id: String) -> PodSandboxConfig? { state.data.withLock { $0.sandboxes[id]?.config } }
}
