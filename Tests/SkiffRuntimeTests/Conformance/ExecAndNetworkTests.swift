import Foundation
import Testing
@testable import SkiffRuntime

@Suite("ContainerRuntime conformance: exec, streaming and pod networking", .serialized, .timeLimit(.minutes(3)))
struct ExecAndNetworkTests {
    @Test("exec-sync returns the command's stdout, stderr and exit code", arguments: RuntimeKind.allCases)
    func execSync(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("exec", [("main", .runUntilTerminated)])
            let result = try await fixture.runtime.execSync(ids[0], command: fixture.command(.exit(code: 4, stdout: "out", stderr: "err")), timeout: .seconds(10))
            #expect(result.stdoutText == "out\n")
            #expect(result.stderrText == "err\n")
            #expect(result.exitCode == 4)
        }
    }

    @Test("exec-sync in a stopped container fails with failedPrecondition", arguments: RuntimeKind.allCases)
    func execSyncStopped(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("execstopped", [("main", .exit(code: 0))])
            _ = try await fixture.waitForExit(ids[0])
            await #expect { _ = try await fixture.runtime.execSync(ids[0], command: ["true"], timeout: nil) } throws: { error in
                if case RuntimeError.failedPrecondition = error { true } else { false }
            }
        }
    }

    @Test("exec with stdin streams input to the process and its output back", arguments: RuntimeKind.allCases)
    func execWithStdin(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("stdin", [("main", .runUntilTerminated)])
            let session = try await fixture.runtime.exec(ExecRequest(containerID: ids[0], command: fixture.command(.cat), stdin: true))
            try await session.write(Array("ping\n".utf8))
            await session.closeStdin()
            var received: [UInt8] = []
            for await chunk in session.output where chunk.stream == .stdout { received += chunk.bytes }
            #expect(String(decoding: received, as: UTF8.self) == "ping\n")
            #expect(await session.wait() == 0)
            await session.close()
        }
    }

    @Test("exec with a TTY runs the command on a terminal", arguments: [RuntimeKind.runc])
    func execWithTTY(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("tty", [("main", .runUntilTerminated)])
            let session = try await fixture.runtime.exec(ExecRequest(
                containerID: ids[0], command: ["sh", "-c", "read line; stty size; echo got:$line; tty -s && echo on-tty"],
                stdin: true, tty: true))
            try await session.resize(TerminalSize(width: 100, height: 40))
            try await session.write(Array("hello\n".utf8))
            var received: [UInt8] = []
            for await chunk in session.output { received += chunk.bytes }
            let text = String(decoding: received, as: UTF8.self)
            #expect(text.contains("40 100"))
            #expect(text.contains("got:hello"))
            #expect(text.contains("on-tty"))
            #expect(await session.wait() == 0)
            await session.close()
        }
    }

    @Test("an exec-sync that times out is killed inside the container, not only runc", arguments: [RuntimeKind.runc])
    func execSyncTimeoutKillsProcess(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("exectimeout", [("main", .runUntilTerminated)])
            await #expect { _ = try await fixture.runtime.execSync(ids[0], command: ["sleep", "31"], timeout: .milliseconds(500)) } throws: { error in
                if case RuntimeError.timeout = error { true } else { false }
            }
            #expect(try await fixture.waitUntilGone(ids[0], commandLine: "sleep 31"))
        }
    }

    @Test("closing an exec session kills its process; a missing command fails with runc's message", arguments: [RuntimeKind.runc])
    func execCloseKillsProcess(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("execclose", [("main", .runUntilTerminated)])
            let session = try await fixture.runtime.exec(ExecRequest(containerID: ids[0], command: ["sleep", "32"]))
            await session.close()
            #expect(await session.wait() == 137)
            #expect(try await fixture.waitUntilGone(ids[0], commandLine: "sleep 32"))
            await #expect { _ = try await fixture.runtime.exec(ExecRequest(containerID: ids[0], command: ["/no/such/binary"])) } throws: { error in
                "\(error)".contains("/no/such/binary")
            }
        }
    }

    @Test("each pod's pause process runs inside that pod's network, IPC and UTS namespaces", arguments: [RuntimeKind.runc])
    func pauseHoldsNamespaces(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let runtime = try #require(fixture.runtime as? RuncRuntime)
            // Two pods: the first pause may come from the standby started with the runtime, the second from its refill.
            for name in ["pausens1", "pausens2"] {
                let sandbox = try await runtime.runPodSandbox(fixture.sandboxConfig(name))
                let record = try runtime.loadSandbox(sandbox)
                for kind in ["net", "ipc", "uts"] {
                    var held = stat(), joined = stat()
                    #expect(stat(runtime.namespacePath(sandbox, kind), &held) == 0)
                    #expect(stat("/proc/\(record.pausePID)/ns/\(kind)", &joined) == 0)
                    #expect(held.st_ino == joined.st_ino, "\(name) \(kind)")
                }
            }
        }
    }

    @Test("stats report the containers of a sandbox", arguments: RuntimeKind.allCases)
    func stats(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (sandbox, ids) = try await fixture.runPod("stats", [("main", .runUntilTerminated)])
            let stats = try await fixture.runtime.podSandboxStats(sandbox)
            #expect(stats.containers.map(\.containerID) == ids)
            if kind == .runc { #expect(stats.containers[0].memoryUsageBytes > 0) }
        }
    }

    @Test("two containers of one pod reach each other on localhost", arguments: [RuntimeKind.runc])
    func localhost(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("pair", [("web", .httpServer(port: 8080)), ("client", .runUntilTerminated)])
            let result = try await fixture.execUntilSuccess(ids[1], ["wget", "-q", "-O", "-", "http://127.0.0.1:8080/index.html"])
            #expect(result.exitCode == 0)
            #expect(result.stdoutText == "hello from skiff\n")
            let hostname = try await fixture.runtime.execSync(ids[1], command: ["hostname"], timeout: .seconds(10))
            #expect(hostname.stdoutText == "pair\n")
        }
    }

    @Test("containers of different pods reach each other by pod IP", arguments: [RuntimeKind.runc])
    func podToPod(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (serverPod, serverIDs) = try await fixture.runPod("server", [("web", .httpServer(port: 80))])
            let (_, clientIDs) = try await fixture.runPod("client", [("main", .runUntilTerminated)])
            let ip = try await fixture.runtime.podSandboxStatus(serverPod).ip
            #expect(!ip.isEmpty)
            _ = try await fixture.execUntilSuccess(serverIDs[0], ["wget", "-q", "-O", "-", "http://127.0.0.1/index.html"])
            let result = try await fixture.execUntilSuccess(clientIDs[0], ["wget", "-q", "-O", "-", "http://\(ip)/index.html"])
            #expect(result.stdoutText == "hello from skiff\n")
        }
    }

    @Test("port-forward opens a connection to a port inside the pod's network namespace", arguments: [RuntimeKind.runc])
    func portForward(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (sandbox, ids) = try await fixture.runPod("forward", [("web", .httpServer(port: 8081))])
            _ = try await fixture.execUntilSuccess(ids[0], ["wget", "-q", "-O", "-", "http://127.0.0.1:8081/index.html"])
            let stream = try await fixture.runtime.portForward(podSandboxID: sandbox, port: 8081)
            try await stream.write(Array("GET /index.html HTTP/1.0\r\n\r\n".utf8))
            var response: [UInt8] = []
            for await chunk in stream.inbound { response += chunk }
            await stream.close()
            let text = String(decoding: response, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.") && text.contains(" 200 "))
            #expect(text.hasSuffix("hello from skiff\n"))
        }
    }

    @Test("removing a sandbox leaves no mount, namespace, veth, cgroup or IP allocation", arguments: [RuntimeKind.runc])
    func cleanupLeavesNothing(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let configuration = try #require(fixture.configuration)
            let (sandbox, _) = try await fixture.runPod("tidy", [("main", .runUntilTerminated)])
            let ip = try await fixture.runtime.podSandboxStatus(sandbox).ip
            let allocation = configuration.network.ipamDataDirectory + "/" + configuration.network.networkName + "/" + ip
            #expect(FileManager.default.fileExists(atPath: allocation))
            let runc = try #require(fixture.runtime as? RuncRuntime)
            let hostVeth = try #require(Self.hostInterface(try runc.loadSandbox(sandbox).cniResult ?? ""))
            #expect(try await Subprocess.run(["/usr/sbin/ip", "link", "show", hostVeth]).exitCode == 0)
            try await fixture.runtime.removePodSandbox(sandbox)
            #expect(fixture.leftoverMounts().isEmpty)
            #expect(!FileManager.default.fileExists(atPath: allocation))
            #expect(try await Subprocess.run(["/usr/sbin/ip", "link", "show", hostVeth]).exitCode != 0)
            #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/\(configuration.cgroupParent)/\(sandbox)"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: configuration.stateDirectory + "/sandboxes").isEmpty)
        }
    }

    /// The host end of the pod's veth pair: the CNI result's interface with a MAC but no sandbox, not the bridge.
    static func hostInterface(_ result: String) -> String? {
        let interfaces = CNIResult.parse(result)?.interfaces ?? []
        return interfaces.first { $0.sandbox == nil && $0.name.hasPrefix("veth") }?.name
    }

    @Test("a failed container creation is rolled back", arguments: [RuntimeKind.runc])
    func rollback(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let config = fixture.sandboxConfig("rollback")
            let sandbox = try await fixture.runtime.runPodSandbox(config)
            var container = fixture.containerConfig("main", .runUntilTerminated)
            container.command = ["/no/such/binary"]
            container.mounts = [Mount(hostPath: "/nonexistent-\(newIdentifier())", containerPath: "/data")]
            await #expect(throws: RuntimeError.self) {
                _ = try await fixture.runtime.createContainer(in: sandbox, config: container, sandboxConfig: config)
            }
            #expect(try await fixture.runtime.listContainers(nil).isEmpty)
            let configuration = try #require(fixture.configuration)
            #expect(try FileManager.default.contentsOfDirectory(atPath: configuration.stateDirectory + "/containers").isEmpty)
            #expect(fixture.leftoverMounts().allSatisfy { $0.contains("/sandboxes/") })
        }
    }

    /// crun 1.8 refuses hybrid cgroup hosts whose cgroup2 mount still offers controllers; the
    /// runtime binds those controllers to v1 hierarchies when it starts, so crun runs here too.
    @Test("crun runs a pod as well as runc, with a memory limit enforced", arguments: [RuntimeKind.runc])
    func crun(kind: RuntimeKind) async throws {
        try await withFixture(kind, runtimeBinary: "/usr/bin/crun") { fixture in
            let (_, ids) = try await fixture.runPod("crun", [("main", .exit(code: 5, stdout: "crun"))])
            let status = try await fixture.waitForExit(ids[0])
            #expect(status.exitCode == 5)
            let log = try String(contentsOfFile: fixture.logDirectory + "/crun/main/0.log", encoding: .utf8)
            #expect(log.contains(" stdout F crun"))
            let (_, oom) = try await fixture.runPod("crunoom", [("main", .exceedMemory)], memoryLimit: 32 << 20)
            let killed = try await fixture.waitForExit(oom[0])
            #expect(killed.reason == .oomKilled)
            #expect(CgroupLayout.bindUnclaimedControllers(cgroupRoot: "/sys/fs/cgroup").isEmpty)
            let (_, running) = try await fixture.runPod("crunexec", [("main", .runUntilTerminated)])
            let probe = try await fixture.runtime.execSync(running[0], command: ["sh", "-c", "echo probe; exit 2"], timeout: .seconds(10))
            #expect(probe.stdoutText == "probe\n" && probe.exitCode == 2)
            let session = try await fixture.runtime.exec(ExecRequest(containerID: running[0], command: ["sh", "-c", "stty size"], tty: true))
            var text = ""
            for await chunk in session.output { text += String(decoding: chunk.bytes, as: UTF8.self) }
            #expect(text.contains(" "))
            #expect(await session.wait() == 0)
        }
    }
}
