import Foundation
import SkiffSystem
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` and keeps its outcome, so concurrent steps can all finish before rollback decisions.
func capture<T: Sendable>(_ body: () async throws(RuntimeError) -> T) async -> Result<T, RuntimeError> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

extension RuncRuntime {
    static func sandboxKey(_ metadata: PodSandboxMetadata) -> String {
        "sandbox/\(metadata.namespace)/\(metadata.name)/\(metadata.uid)/\(metadata.attempt)"
    }

    func loadSandbox(_ id: String) throws(RuntimeError) -> SandboxRecord {
        try checkID(id, kind: "sandbox")
        guard let record = JSONFile.read(SandboxRecord.self, from: sandboxDirectory(id) + "/sandbox.json") else {
            throw .notFound(kind: "sandbox", id: id)
        }
        return record
    }

    func saveSandbox(_ record: SandboxRecord) throws(RuntimeError) {
        do { try JSONFile.write(record, to: sandboxDirectory(record.id) + "/sandbox.json") } catch {
            throw .systemError("write sandbox record", EIO, "\(error)")
        }
    }

    func allSandboxes() -> [SandboxRecord] {
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: sandboxesDirectory)) ?? []
        return ids.compactMap { JSONFile.read(SandboxRecord.self, from: sandboxDirectory($0) + "/sandbox.json") }
    }

    func namespacePath(_ id: String, _ kind: String) -> String { sandboxDirectory(id) + "/ns/" + kind }

    func attachment(_ record: SandboxRecord) -> CNINetwork.Attachment {
        .init(containerID: record.id, netnsPath: namespacePath(record.id, "net"), podName: record.config.metadata.name,
              podNamespace: record.config.metadata.namespace, portMappings: record.config.portMappings)
    }

    public func runPodSandbox(_ config: PodSandboxConfig) async throws -> String {
        let key = Self.sandboxKey(config.metadata)
        try reserve(key)
        defer { release(key) }
        if allSandboxes().contains(where: { Self.sandboxKey($0.config.metadata) == key }) {
            throw RuntimeError.alreadyExists(kind: "sandbox", name: key)
        }
        let id = newIdentifier()
        let dir = sandboxDirectory(id)
        var record = SandboxRecord(id: id, config: config, createdAt: Date(), state: .ready, ip: "", cniResult: nil,
                                   pausePID: 0, networkAttached: false)
        do {
            try FileManager.default.createDirectory(atPath: dir + "/ns", withIntermediateDirectories: true)
            try writeSandboxFiles(record)
            try await createNamespaces(record)
            try saveSandbox(record)
            // The pause process and the network are independent once the namespaces exist: do both at once.
            let snapshot = record, network = self.network, attachment = attachment(record)
            async let pause = capture { () async throws(RuntimeError) -> Int32 in try await self.startPause(snapshot) }
            async let attached = capture { () async throws(RuntimeError) -> (ip: String, result: String)? in
                config.hostNetwork ? nil : try await network.add(attachment)
            }
            let (pauseResult, networkResult) = await (pause, attached)
            if case .success(let pid) = pauseResult { record.pausePID = pid }
            if case .success(let network?) = networkResult {
                record.ip = network.ip
                record.cniResult = network.result
                record.networkAttached = true
            }
            _ = try pauseResult.get()
            _ = try networkResult.get()
            try writeHostsFile(record)
            try saveSandbox(record)
            return id
        } catch {
            await teardownSandbox(record)
            throw error
        }
    }

    private func writeSandboxFiles(_ record: SandboxRecord) throws {
        let dir = sandboxDirectory(record.id)
        let hostname = record.config.hostNetwork ? ProcessInfo.processInfo.hostName : sandboxHostname(record.config)
        try (hostname + "\n").write(toFile: dir + "/hostname", atomically: true, encoding: .utf8)
        try writeHostsFile(record)
        let dns = record.config.dnsConfig ?? configuration.defaultDNS
        var resolv = dns.servers.map { "nameserver \($0)" }
        if !dns.searches.isEmpty { resolv.append("search " + dns.searches.joined(separator: " ")) }
        if !dns.options.isEmpty { resolv.append("options " + dns.options.joined(separator: " ")) }
        if record.config.hostNetwork && record.config.dnsConfig == nil,
           let host = try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8) {
            resolv = [host.trimmingCharacters(in: .newlines)]
        }
        try (resolv.joined(separator: "\n") + "\n").write(toFile: dir + "/resolv.conf", atomically: true, encoding: .utf8)
    }

    private func writeHostsFile(_ record: SandboxRecord) throws {
        let name = sandboxHostname(record.config)
        var hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        if !record.ip.isEmpty { hosts += "\(record.ip)\t\(name)\n" }
        try hosts.write(toFile: sandboxDirectory(record.id) + "/hosts", atomically: true, encoding: .utf8)
    }

    func sandboxHostname(_ config: PodSandboxConfig) -> String {
        config.hostname.isEmpty ? config.metadata.name : config.hostname
    }

    /// Creates the pod's namespaces as bind mounts under `ns/`, so they outlive any process and a new
    /// runtime object finds them again: network, IPC and UTS (only IPC for host-network pods).
    private func createNamespaces(_ record: SandboxRecord) async throws(RuntimeError) {
        let kinds = record.config.hostNetwork ? ["ipc"] : ["ipc", "net", "uts"]
        for kind in kinds {
            let fd = open(namespacePath(record.id, kind), O_CREAT | O_WRONLY | O_CLOEXEC, 0o444)
            guard fd >= 0 else { throw .system("create namespace file", errno) }
            close(fd)
        }
        try await Subprocess.check(["/usr/bin/unshare"] + kinds.map { "--\($0)=" + namespacePath(record.id, $0) } + ["/bin/true"])
    }

    /// Starts the pause process inside the pod's namespaces; returns its pid once it reported ready.
    /// A standby `skiff shim` takes the role when one is waiting (it enters the namespaces itself);
    /// otherwise `nsenter` starts a fresh one inside them.
    private func startPause(_ record: SandboxRecord) async throws(RuntimeError) -> Int32 {
        let kinds = record.config.hostNetwork ? ["ipc"] : ["ipc", "net", "uts"]
        var arguments = ["pause"]
        if !record.config.hostNetwork { arguments += ["--hostname", sandboxHostname(record.config)] }
        let logPath = sandboxDirectory(record.id) + "/pause.log"
        let assignment = ShimAssignment(arguments: arguments, logPath: logPath, namespaces: kinds.map { namespacePath(record.id, $0) })
        defer { standbyPauses.refill() }
        if let standby = standbyPauses.assign(assignment) {
            return try await awaitReadiness(pid: standby.pid, readiness: standby.readiness,
                                            argv: [configuration.shimExecutable, "shim"] + arguments, logPath: logPath)
        }
        let argv = ["/usr/bin/nsenter"] + kinds.map { "--\($0)=" + namespacePath(record.id, $0) }
            + [configuration.shimExecutable, "shim"] + arguments
        return try await spawnDetached(argv, logPath: logPath)
    }

    /// Starts a detached helper (own session, reaped in the background) and waits for its readiness line on fd 3.
    func spawnDetached(_ argv: [String], logPath: String) async throws(RuntimeError) -> Int32 {
        let ready = try Pipe2.open()
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        defer { close(devNull); if logFD >= 0 { close(logFD) } }
        let pid: Int32
        do {
            pid = try Subprocess.spawn(argv, files: [(0, devNull), (1, logFD >= 0 ? logFD : devNull),
                                                     (2, logFD >= 0 ? logFD : devNull), (3, ready.write)], newSession: true)
        } catch {
            close(ready.read); close(ready.write)
            throw error
        }
        close(ready.write)
        ChildProcess.reapInBackground(pid)
        return try await awaitReadiness(pid: pid, readiness: ready.read, argv: argv, logPath: logPath)
    }

    /// Reads a helper's readiness report from `readiness` (closing it) and returns `pid` when it is "ok";
    /// otherwise kills the helper and throws with its report or log.
    func awaitReadiness(pid: Int32, readiness: Int32, argv: [String], logPath: String) async throws(RuntimeError) -> Int32 {
        let reply = await onThread { () -> String in
            var bytes: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 512)
            while true {
                let count = read(readiness, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                bytes += buffer[0..<count]
            }
            close(readiness)
            return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard reply == "ok" else {
            kill(pid, SIGKILL)
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw .commandFailed(argv.first(where: { $0.hasSuffix("skiff") || $0 == configuration.shimExecutable }) ?? argv[0],
                                 1, reply.isEmpty ? log : reply)
        }
        return pid
    }

    public func stopPodSandbox(_ id: String) async throws {
        var record = try loadSandbox(id)
        for container in allContainers() where container.podSandboxID == id {
            try await stopContainer(container.id, timeout: .zero)
        }
        if record.networkAttached {
            try await network.delete(attachment(record), result: record.cniResult)
            record.networkAttached = false
        }
        if record.pausePID > 0 { kill(record.pausePID, SIGKILL); record.pausePID = 0 }
        record.state = .notReady
        try saveSandbox(record)
    }

    public func removePodSandbox(_ id: String) async throws {
        let record: SandboxRecord
        do { record = try loadSandbox(id) } catch .notFound { return }
        for container in allContainers() where container.podSandboxID == id {
            try await removeContainer(container.id)
        }
        var stopped = record
        if record.networkAttached {
            try await network.delete(attachment(record), result: record.cniResult)
            stopped.networkAttached = false
            try saveSandbox(stopped)
        }
        await teardownSandbox(stopped)
    }

    /// Best-effort release of everything a sandbox holds; used by remove and by rollback.
    func teardownSandbox(_ record: SandboxRecord) async {
        if record.networkAttached { try? await network.delete(attachment(record), result: record.cniResult) }
        if record.pausePID > 0 { kill(record.pausePID, SIGKILL) }
        for kind in ["net", "ipc", "uts"] { Mounts.unmount(namespacePath(record.id, kind)) }
        removeCgroup(podCgroup(record.id))
        try? FileManager.default.removeItem(atPath: sandboxDirectory(record.id))
    }

    public func podSandboxStatus(_ id: String) async throws -> PodSandboxStatus {
        status(of: try loadSandbox(id))
    }

    public func listPodSandboxes(_ filter: PodSandboxFilter?) async throws -> [PodSandboxStatus] {
        allSandboxes().map(status(of:)).filter { filter?.matches($0) ?? true }.sorted { $0.createdAt < $1.createdAt }
    }

    func status(of record: SandboxRecord) -> PodSandboxStatus {
        // A sandbox whose pause process died is no longer ready (its IPC/UTS holder is gone).
        let alive = record.pausePID > 0 && kill(record.pausePID, 0) == 0
        return PodSandboxStatus(
            id: record.id, metadata: record.config.metadata, state: record.state == .ready && alive ? .ready : .notReady,
            createdAt: record.createdAt, ip: record.ip, hostNetwork: record.config.hostNetwork, labels: record.config.labels,
            annotations: record.config.annotations,
            networkNamespacePath: record.config.hostNetwork ? "" : namespacePath(record.id, "net"))
    }
}
