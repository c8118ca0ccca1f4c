import Foundation
import Testing
@testable import SkiffRuntime

@Suite("RuncRuntime: attach, host network and host ports", .serialized, .timeLimit(.minutes(1)))
struct AttachAndHostNetworkTests {
    /// Reads the session's output until `predicate` holds for the text so far (or the stream ends).
    static func read(_ session: StreamSession, until predicate: (String) -> Bool) async -> String {
        var text = ""
        for await chunk in session.output {
            text += String(decoding: chunk.bytes, as: UTF8.self)
            if predicate(text) { break }
        }
        return text
    }

    @Test("attach streams the main process's output and feeds its stdin", arguments: [RuntimeKind.runc])
    func attach(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let config = fixture.sandboxConfig("attach")
            let sandbox = try await fixture.runtime.runPodSandbox(config)
            let id = try await fixture.runtime.createContainer(
                in: sandbox, config: fixture.containerConfig("main", .cat, stdin: true), sandboxConfig: config)
            try await fixture.runtime.startContainer(id)
            let session = try await fixture.runtime.attach(AttachRequest(containerID: id, stdin: true))
            try await session.write(Array("echo-me\n".utf8))
            let text = await Self.read(session) { $0.contains("echo-me\n") }
            #expect(text == "echo-me\n")
            await session.close()
        }
    }

    @Test("attach delivers output as produced, keeps stdout and stderr apart, and ends when the container exits", arguments: [RuntimeKind.runc])
    func attachLive(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let config = fixture.sandboxConfig("attachlive")
            let sandbox = try await fixture.runtime.runPodSandbox(config)
            var container = fixture.containerConfig("main", .cat, stdin: true)
            container.command = ["sh", "-c", "read x; printf out-$x; printf err-$x >&2; read y; exit 3"]
            let id = try await fixture.runtime.createContainer(in: sandbox, config: container, sandboxConfig: config)
            try await fixture.runtime.startContainer(id)
            let session = try await fixture.runtime.attach(AttachRequest(containerID: id, stdin: true))
            try await session.write(Array("a\n".utf8))
            var stdout = "", stderr = ""
            var chunks = session.output.makeAsyncIterator()
            while let chunk = await chunks.next() {
                if chunk.stream == .stdout { stdout += String(decoding: chunk.bytes, as: UTF8.self) } else { stderr += String(decoding: chunk.bytes, as: UTF8.self) }
                // No newline was written: only a live stream can show these before the process goes on.
                if stdout == "out-a" && stderr == "err-a" { break }
            }
            #expect(stdout == "out-a" && stderr == "err-a", "stdout: \(stdout) stderr: \(stderr)")
            try await session.write(Array("b\n".utf8))
            // The output ends by itself once the container has exited.
            while await chunks.next() != nil {}
            #expect(await session.wait() == 3)
            await session.close()
            await #expect { _ = try await fixture.runtime.attach(AttachRequest(containerID: id)) } throws: { error in
                if case RuntimeError.failedPrecondition = error { true } else { false }
            }
        }
    }

    @Test("a TTY container is attached through a terminal that can be resized", arguments: [RuntimeKind.runc])
    func attachTTY(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let config = fixture.sandboxConfig("attachtty")
            let sandbox = try await fixture.runtime.runPodSandbox(config)
            var container = fixture.containerConfig("main", .cat, stdin: true)
            container.command = ["sh"]
            container.tty = true
            let id = try await fixture.runtime.createContainer(in: sandbox, config: container, sandboxConfig: config)
            try await fixture.runtime.startContainer(id)
            let session = try await fixture.runtime.attach(AttachRequest(containerID: id, stdin: true))
            try await session.resize(TerminalSize(width: 120, height: 33))
            // The terminal echoes the typed line, so the marker is computed: only the output contains "DONE-42".
            try await session.write(Array("stty size; tty -s && echo DONE-$((40+2))\n".utf8))
            let text = await Self.read(session) { $0.contains("DONE-42") }
            #expect(text.contains("33 120"))
            await session.close()
            try await fixture.runtime.stopContainer(id, timeout: .zero)
        }
    }

    @Test("a host-network pod sees the node's interfaces and has no pod IP", arguments: [RuntimeKind.runc])
    func hostNetwork(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let config = fixture.sandboxConfig("hostnet", hostNetwork: true)
            let sandbox = try await fixture.runtime.runPodSandbox(config)
            let status = try await fixture.runtime.podSandboxStatus(sandbox)
            #expect(status.ip.isEmpty && status.hostNetwork && status.state == .ready)
            let id = try await fixture.runtime.createContainer(
                in: sandbox, config: fixture.containerConfig("main", .runUntilTerminated), sandboxConfig: config)
            try await fixture.runtime.startContainer(id)
            let links = try await fixture.runtime.execSync(id, command: ["cat", "/proc/net/dev"], timeout: .seconds(10))
            let host = try String(contentsOfFile: "/proc/net/dev", encoding: .utf8)
            let names = { (text: String) in Set(text.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) }) }
            #expect(names(links.stdoutText).contains("eth0") == names(host).contains("eth0"))
            #expect(names(links.stdoutText).count > 1)
        }
    }

    @Test("a host port mapping installs DNAT rules (CNI portmap) that go away with the sandbox", arguments: [RuntimeKind.runc])
    func hostPort(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let port = Int32.random(in: 30000...32000)
            var config = fixture.sandboxConfig("hostport")
            config.portMappings = [PortMapping(containerPort: 80, hostPort: port)]
            let sandbox = try await fixture.runtime.runPodSandbox(config)
            let id = try await fixture.runtime.createContainer(
                in: sandbox, config: fixture.containerConfig("web", .httpServer(port: 80)), sandboxConfig: config)
            try await fixture.runtime.startContainer(id)
            _ = try await fixture.execUntilSuccess(id, ["wget", "-q", "-O", "-", "http://127.0.0.1/index.html"])
            let rules = try await Subprocess.run(["/usr/sbin/iptables-save", "-t", "nat"]).stdoutText
            #expect(rules.contains("--dport \(port)"))
            try await fixture.runtime.removePodSandbox(sandbox)
            let after = try await Subprocess.run(["/usr/sbin/iptables-save", "-t", "nat"]).stdoutText
            #expect(!after.contains("--dport \(port)"))
        }
    }
}
