import Foundation
import Testing
@testable import SkiffRuntime
import SkiffRuntimeTesting

/// The implementations the conformance suite runs against.
enum RuntimeKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case fake, runc
    var testDescription: String { rawValue }
}

/// Behaviors tests ask for; each fixture turns them into a command its runtime executes.
enum Program {
    case exit(code: Int32, stdout: String = "", stderr: String = "")
    case runUntilTerminated
    /// Like `runUntilTerminated`, but prints "trapped" once its TERM handler is installed, so a
    /// test can stop it only after the handler exists (PID 1 ignores an unhandled SIGTERM).
    case handleSigterm
    case ignoreSigterm
    case exceedMemory
    case httpServer(port: Int)
    case cat
}

/// One runtime instance over a private state directory, a private bridge and subnet, and a private
/// cgroup parent; `cleanup()` removes every sandbox and then checks and deletes what is left.
final class RuntimeFixture: @unchecked Sendable {
    let kind: RuntimeKind
    let root: String
    let images: DirectoryImageService
    private(set) var runtime: any ContainerRuntime
    let fakeState = FakeRuntime.State()
    let configuration: RuncRuntimeConfiguration?

    var image: String { images.reference }
    var logDirectory: String { root + "/logs" }
    var hasNetwork: Bool { kind == .runc }

    init(_ kind: RuntimeKind, runtimeBinary: String = "/usr/sbin/runc") throws {
        self.kind = kind
        let tag = newIdentifier().prefix(8)
        root = "/tmp/skiff-rt-\(tag)"
        try FileManager.default.createDirectory(atPath: root + "/logs", withIntermediateDirectories: true)
        images = try DirectoryImageService(directory: root + "/image")
        switch kind {
        case .fake:
            configuration = nil
            runtime = FakeRuntime(images: images, state: fakeState)
        case .runc:
            let octet = Int.random(in: 100...250), third = Int.random(in: 0...255)
            let network = CNIConfiguration(
                networkName: "skt-\(tag)", bridgeName: "skt\(tag.prefix(8))", subnet: "10.\(octet).\(third).0/24",
                ipamDataDirectory: root + "/ipam", ipMasquerade: false)
            let configuration = RuncRuntimeConfiguration(
                stateDirectory: root + "/state", runtimeBinary: runtimeBinary, shimExecutable: try Self.skiffBinary(),
                network: network, cgroupParent: "skiff-test-\(tag)", defaultDNS: DNSConfig(servers: ["10.96.0.10"]))
            self.configuration = configuration
            runtime = try RuncRuntime(configuration: configuration, images: images)
        }
    }

    /// A second runtime object over the same state, as after an agent restart.
    func reopen() throws -> any ContainerRuntime {
        switch kind {
        case .fake: FakeRuntime(images: images, state: fakeState)
        case .runc: try RuncRuntime(configuration: configuration!, images: images)
        }
    }

    /// The built `skiff` executable sits next to the test bundle in the build directory.
    static func skiffBinary() throws -> String {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["SKIFF_BIN"] { candidates.append(explicit) }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = (exe as NSString).deletingLastPathComponent
        for _ in 0..<4 {
            candidates.append(dir + "/skiff")
            dir = (dir as NSString).deletingLastPathComponent
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw RuntimeError.notFound(kind: "skiff executable (build it: swift build --product skiff)", id: candidates.joined(separator: ","))
        }
        return found
    }

    func command(_ program: Program) -> [String] {
        switch (kind, program) {
        case (.fake, .exit(let code, let stdout, let stderr)): ["fake", "stdout=\(stdout)", "stderr=\(stderr)", "exit=\(code)"]
        case (.fake, .ignoreSigterm): ["fake", "ignore-sigterm"]
        case (.fake, .exceedMemory): ["fake", "oom"]
        case (.fake, .cat): ["cat"]
        case (.fake, _): ["fake"]
        case (.runc, .exit(let code, let stdout, let stderr)): ["sh", "-c", "echo \(stdout); echo \(stderr) >&2; exit \(code)"]
        case (.runc, .runUntilTerminated): ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done"]
        case (.runc, .handleSigterm): ["sh", "-c", "trap 'exit 0' TERM; echo trapped; while true; do sleep 1 & wait $!; done"]
        case (.runc, .ignoreSigterm): ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
        case (.runc, .exceedMemory): ["sh", "-c", "a=xxxxxxxxxxxxxxxx; while true; do a=$a$a; done"]
        case (.runc, .httpServer(let port)): ["httpd", "-f", "-p", "\(port)", "-h", "/www"]
        case (.runc, .cat): ["cat"]
        }
    }

    func sandboxConfig(_ name: String, hostNetwork: Bool = false) -> PodSandboxConfig {
        PodSandboxConfig(metadata: .init(name: name, namespace: "default", uid: newIdentifier()), hostname: name,
                         logDirectory: logDirectory + "/" + name, labels: ["test": "conformance"], hostNetwork: hostNetwork)
    }

    func containerConfig(_ name: String, _ program: Program, memoryLimit: Int64 = 0, stdin: Bool = false) -> ContainerConfig {
        ContainerConfig(metadata: .init(name: name), image: image, command: command(program), logPath: name + "/0.log",
                        stdin: stdin, resources: .init(memoryLimitInBytes: memoryLimit))
    }

    /// Runs a sandbox and one started container per (name, program); returns the ids.
    func runPod(_ name: String, _ containers: [(String, Program)], memoryLimit: Int64 = 0) async throws -> (String, [String]) {
        let config = sandboxConfig(name)
        let sandbox = try await runtime.runPodSandbox(config)
        var ids: [String] = []
        for (container, program) in containers {
            let id = try await runtime.createContainer(in: sandbox, config: containerConfig(container, program, memoryLimit: memoryLimit), sandboxConfig: config)
            try await runtime.startContainer(id)
            ids.append(id)
        }
        return (sandbox, ids)
    }

    /// Polls until the container leaves RUNNING/CREATED (bounded; not a timing assertion).
    func waitForExit(_ id: String, within: Duration = .seconds(30)) async throws -> ContainerStatus {
        let deadline = ContinuousClock.now + within
        while true {
            let status = try await runtime.containerStatus(id)
            if status.state == .exited || ContinuousClock.now > deadline { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Polls the container's log until a line contains `text` (bounded; false if it never does).
    func waitForLog(_ id: String, containing text: String, within: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + within
        let path = try await runtime.containerStatus(id).logPath
        while ContinuousClock.now < deadline {
            if let log = try? String(contentsOfFile: path, encoding: .utf8), log.contains(text) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Polls the container's process list until no process has `commandLine` (bounded; false if one remains).
    func waitUntilGone(_ id: String, commandLine: String, within: Duration = .seconds(10)) async throws -> Bool {
        let list = ["sh", "-c", "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done"]
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            let output = try await runtime.execSync(id, command: list, timeout: .seconds(10))
            let lines = output.stdoutText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            if !lines.contains(commandLine) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Retries a command inside a container until it exits 0 (servers take a moment to listen).
    func execUntilSuccess(_ id: String, _ command: [String], attempts: Int = 100) async throws -> ExecSyncResult {
        var last = ExecSyncResult(stdout: [], stderr: [], exitCode: -1)
        for _ in 0..<attempts {
            last = try await runtime.execSync(id, command: command, timeout: .seconds(10))
            if last.exitCode == 0 { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        return last
    }

    /// Removes every sandbox, then everything else the fixture created. Safe to call after a failure.
    func cleanup() async {
        for sandbox in (try? await runtime.listPodSandboxes(nil)) ?? [] {
            try? await runtime.removePodSandbox(sandbox.id)
        }
        if let configuration {
            _ = try? await Subprocess.run(["/usr/sbin/ip", "link", "del", configuration.network.bridgeName])
            for hierarchy in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
                rmdir("/sys/fs/cgroup/\(hierarchy)/\(configuration.cgroupParent)")
            }
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Mounts still present under the fixture's root.
    func leftoverMounts() -> [String] {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let path = line.split(separator: " ").dropFirst(4).first.map(String.init) ?? ""
            return path.hasPrefix(root) ? path : nil
        }
    }
}

/// Runs `body` with a fresh fixture and always cleans up, also when `body` throws.
func withFixture(_ kind: RuntimeKind, runtimeBinary: String = "/usr/sbin/runc", _ body: (RuntimeFixture) async throws -> Void) async throws {
    let fixture = try RuntimeFixture(kind, runtimeBinary: runtimeBinary)
    do {
        try await body(fixture)
    } catch {
        await fixture.cleanup()
        throw error
    }
    await fixture.cleanup()
}
