import Foundation
import Testing
@testable import SkiffRuntime

/// The ContainerRuntime contract, run against every implementation (like containerd's ContentSuite).
@Suite("ContainerRuntime conformance: container lifecycle", .serialized, .timeLimit(.minutes(3)))
struct ContainerLifecycleTests {
    @Test("a container that exits 0 is EXITED with reason Completed and timestamps", arguments: RuntimeKind.allCases)
    func exitZeroIsCompleted(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("done", [("main", .exit(code: 0, stdout: "bye"))])
            let status = try await fixture.waitForExit(ids[0])
            #expect(status.state == .exited)
            #expect(status.exitCode == 0)
            #expect(status.reason == .completed)
            let started = try #require(status.startedAt), finished = try #require(status.finishedAt)
            #expect(status.createdAt <= started && started <= finished)
        }
    }

    @Test("a container that exits non-zero reports its exit code with reason Error", arguments: RuntimeKind.allCases)
    func nonZeroIsError(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("fails", [("main", .exit(code: 3))])
            let status = try await fixture.waitForExit(ids[0])
            #expect(status.exitCode == 3)
            #expect(status.reason == .error)
        }
    }

    @Test("a created container is CREATED until started, and RUNNING after", arguments: RuntimeKind.allCases)
    func createdThenRunning(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let config = fixture.sandboxConfig("states")
            let sandbox = try await fixture.runtime.runPodSandbox(config)
            let id = try await fixture.runtime.createContainer(
                in: sandbox, config: fixture.containerConfig("main", .runUntilTerminated), sandboxConfig: config)
            #expect(try await fixture.runtime.containerStatus(id).state == .created)
            try await fixture.runtime.startContainer(id)
            #expect(try await fixture.runtime.containerStatus(id).state == .running)
            await #expect(throws: RuntimeError.self) { try await fixture.runtime.startContainer(id) }
            let listed = try await fixture.runtime.listContainers(ContainerFilter(podSandboxID: sandbox))
            #expect(listed.map(\.id) == [id])
        }
    }

    @Test("stdout and stderr are written to the log file in CRI format", arguments: RuntimeKind.allCases)
    func logsInCRIFormat(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("logs", [("main", .exit(code: 0, stdout: "to-stdout", stderr: "to-stderr"))])
            let status = try await fixture.waitForExit(ids[0])
            #expect(status.logPath == fixture.logDirectory + "/logs/main/0.log")
            let entries = CRILogEntry.parse(try String(contentsOfFile: status.logPath, encoding: .utf8))
            #expect(entries.contains { $0.stream == .stdout && $0.content == "to-stdout" && $0.isFullLine })
            #expect(entries.contains { $0.stream == .stderr && $0.content == "to-stderr" && $0.isFullLine })
            for entry in entries {
                #expect(entry.timestamp.hasSuffix("Z") && entry.timestamp.count == 30)
            }
        }
    }

    @Test("stop of a container that handles SIGTERM ends it within the grace period", arguments: RuntimeKind.allCases)
    func stopHandledTerm(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("term", [("main", .handleSigterm)])
            if kind == .runc { #expect(try await fixture.waitForLog(ids[0], containing: "trapped")) }
            try await fixture.runtime.stopContainer(ids[0], timeout: .seconds(30))
            let status = try await fixture.runtime.containerStatus(ids[0])
            #expect(status.state == .exited)
            #expect(status.exitCode != 137)
        }
    }

    @Test("stop kills a container that ignores SIGTERM once the grace period is over", arguments: RuntimeKind.allCases)
    func stopIgnoredTerm(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("stubborn", [("main", .ignoreSigterm)])
            try await fixture.runtime.stopContainer(ids[0], timeout: .milliseconds(300))
            let status = try await fixture.runtime.containerStatus(ids[0])
            #expect(status.state == .exited)
            #expect(status.exitCode == 137, "\((try? String(contentsOfFile: status.logPath, encoding: .utf8)) ?? "")")
            #expect(status.reason == .error)
        }
    }

    @Test("a container over its memory limit is OOMKilled", arguments: RuntimeKind.allCases)
    func oomKilled(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (_, ids) = try await fixture.runPod("oom", [("main", .exceedMemory)], memoryLimit: 32 << 20)
            let status = try await fixture.waitForExit(ids[0])
            #expect(status.state == .exited)
            #expect(status.exitCode == 137)
            #expect(status.reason == .oomKilled)
        }
    }

    @Test("creating a container from an unknown image throws notFound", arguments: RuntimeKind.allCases)
    func unknownImage(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let config = fixture.sandboxConfig("noimage")
            let sandbox = try await fixture.runtime.runPodSandbox(config)
            var container = fixture.containerConfig("main", .runUntilTerminated)
            container.image = "nowhere.invalid/missing:1"
            await #expect(throws: RuntimeError.notFound(kind: "image", id: "nowhere.invalid/missing:1")) {
                _ = try await fixture.runtime.createContainer(in: sandbox, config: container, sandboxConfig: config)
            }
            #expect(try await fixture.runtime.listContainers(nil).isEmpty)
        }
    }

    @Test("a duplicate sandbox or container name throws alreadyExists", arguments: RuntimeKind.allCases)
    func duplicates(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let config = fixture.sandboxConfig("dup")
            let sandbox = try await fixture.runtime.runPodSandbox(config)
            await #expect { _ = try await fixture.runtime.runPodSandbox(config) } throws: { error in
                if case RuntimeError.alreadyExists = error { true } else { false }
            }
            let container = fixture.containerConfig("main", .runUntilTerminated)
            _ = try await fixture.runtime.createContainer(in: sandbox, config: container, sandboxConfig: config)
            await #expect { _ = try await fixture.runtime.createContainer(in: sandbox, config: container, sandboxConfig: config) } throws: { error in
                if case RuntimeError.alreadyExists = error { true } else { false }
            }
        }
    }

    @Test("a new runtime object over the same state finds running and exited containers", arguments: RuntimeKind.allCases)
    func recovery(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (sandbox, ids) = try await fixture.runPod("recover", [("server", .runUntilTerminated), ("job", .exit(code: 7))])
            _ = try await fixture.waitForExit(ids[1])
            let restarted = try fixture.reopen()
            let sandboxes = try await restarted.listPodSandboxes(nil)
            #expect(sandboxes.map(\.id) == [sandbox])
            #expect(sandboxes.first?.state == .ready)
            #expect(try await restarted.containerStatus(ids[0]).state == .running)
            let job = try await restarted.containerStatus(ids[1])
            #expect(job.state == .exited && job.exitCode == 7)
            try await restarted.stopContainer(ids[0], timeout: .seconds(10))
            #expect(try await fixture.runtime.containerStatus(ids[0]).state == .exited)
        }
    }

    @Test("removing a sandbox removes its containers; unknown ids are notFound", arguments: RuntimeKind.allCases)
    func removeSandbox(kind: RuntimeKind) async throws {
        try await withFixture(kind) { fixture in
            let (sandbox, ids) = try await fixture.runPod("gone", [("main", .runUntilTerminated)])
            try await fixture.runtime.stopPodSandbox(sandbox)
            #expect(try await fixture.runtime.podSandboxStatus(sandbox).state == .notReady)
            #expect(try await fixture.runtime.containerStatus(ids[0]).state == .exited)
            try await fixture.runtime.removePodSandbox(sandbox)
            try await fixture.runtime.removePodSandbox(sandbox)
            #expect(try await fixture.runtime.listPodSandboxes(nil).isEmpty)
            #expect(try await fixture.runtime.listContainers(nil).isEmpty)
            await #expect(throws: RuntimeError.notFound(kind: "container", id: ids[0])) {
                _ = try await fixture.runtime.containerStatus(ids[0])
            }
        }
    }
}

