import Foundation
import Testing
import SkiffSystem
#if canImport(Glibc)
import Glibc
#endif

/// Children die with their parent (PR_SET_PDEATHSIG), so a killed server or test leaves no
/// etcd, registry or plugin behind, and the signal is not sent early when a pool thread retires.
@Suite("Child processes die with their parent", .timeLimit(.minutes(2)))
struct ChildProcessDeathTests {
    @Test("killing a process with SIGKILL kills the children it started")
    func killedParentTakesChildren() throws {
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        let output = try Pipe2.make()
        defer { close(devNull); close(output.read) }
        let parent = try ProcessHandle.start([try skiffBinary(), "debug", "spawn", "--", "/bin/sleep", "1000"],
                                             files: [(0, devNull), (1, output.write), (2, devNull)])
        close(output.write)
        defer { parent.signal(SIGKILL) }
        let child = try #require(readChildPid(output.read))
        defer { kill(child, SIGKILL) }
        #expect(isAlive(child))
        parent.signal(SIGKILL)
        #expect(waitUntilGone(child), "the child \(child) outlived its killed parent")
    }

    @Test("a child whose death signal follows its forking thread is killed when that thread ends")
    func signalFollowsForkingThread() throws {
        let box = PidBox()
        let thread = Thread {
            box.pid = try? ChildProcess.spawn(["/bin/sleep", "1000"], files: [], newSession: false,
                                              deathSignal: SIGKILL, onSpawnerThread: false)
        }
        thread.start()
        let pid = try #require(waitFor { box.pid })
        defer { kill(pid, SIGKILL); _ = ChildProcess.waitForExit(pid) }
        // Our own child: reaped here, with the signal that ended it.
        #expect(waitForExitCode(pid) == 128 + SIGKILL)
    }

    @Test("a child started by spawn outlives the thread that asked for it")
    func spawnerThreadOutlivesCallers() throws {
        let box = PidBox()
        let thread = Thread { box.pid = try? ChildProcess.spawn(["/bin/sleep", "1000"], files: []) }
        thread.start()
        let pid = try #require(waitFor { box.pid })
        defer { kill(pid, SIGKILL); _ = ChildProcess.waitForExit(pid) }
        // The asking thread has finished; a death signal tied to it would arrive within moments.
        // There is no event for "not killed", so give it a bounded moment and check it is still there.
        _ = waitFor(timeout: .milliseconds(500)) { thread.isFinished ? nil : () }
        usleep(300_000)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, WNOHANG) == 0, "the child was killed when the asking thread ended")
    }

    @Test("descriptors not named are closed in the child and exec failures are reported")
    func descriptorsAndErrors() throws {
        let output = try ChildProcess.runBlocking(["/bin/sh", "-c", "ls /proc/self/fd | wc -l"])
        // 0, 1, 2 and the directory ls opens to list them.
        #expect(output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "4")
        #expect(throws: ProcessError.system(operation: "start /nonexistent/program", errno: ENOENT)) {
            try ChildProcess.spawn(["/nonexistent/program"], files: [])
        }
    }
}

final class PidBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: pid_t?
    var pid: pid_t? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

func waitFor<T>(timeout: Duration = .seconds(30), _ condition: () -> T?) -> T? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = condition() { return value }
        usleep(10_000)
    }
    return condition()
}

/// Gone, or a zombie nobody reaps (an orphan under a PID 1 that does not reap).
func isAlive(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return !stat[close...].hasPrefix(") Z")
}

func waitUntilGone(_ pid: pid_t) -> Bool { waitFor { isAlive(pid) ? nil : () } != nil }

func waitForExitCode(_ pid: pid_t) -> Int32? {
    waitFor { () -> Int32? in
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? ChildProcess.decode(status) : nil
    }
}

/// Reads the helper's `child PID` line (the helper writes it in one write(2)).
func readChildPid(_ fd: Int32) -> pid_t? {
    var line: [UInt8] = []
    var byte: UInt8 = 0
    var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline, !line.contains(0x0a) {
        guard poll(&poller, 1, 1000) >= 0 else { if errno == EINTR { continue } else { return nil } }
        if poller.revents == 0 { continue }
        guard read(fd, &byte, 1) == 1 else { return nil }
        line.append(byte)
    }
    let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard text.hasPrefix("child ") else { return nil }
    return pid_t(text.dropFirst(6))
}

/// The `skiff` binary built beside the test bundle (`swift build` builds both), or $SKIFF_BIN.
func skiffBinary() throws -> String {
    if let path = ProcessInfo.processInfo.environment["SKIFF_BIN"], FileManager.default.isExecutableFile(atPath: path) {
        return path
    }
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("skiff")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        directory = directory.deletingLastPathComponent()
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "skiff (run `swift build` first or set SKIFF_BIN)"])
}
