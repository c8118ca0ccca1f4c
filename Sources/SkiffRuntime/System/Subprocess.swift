import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a finished child process left behind.
struct ProcessOutput: Sendable {
    var exitCode: Int32
    var stdout: [UInt8]
    var stderr: [UInt8]
    var timedOut: Bool = false
    /// The process wrote more than the caller's `outputLimit` and was killed; output is cut there.
    var outputLimitExceeded: Bool = false
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Starting processes with exact control over their descriptors (posix_spawn; no fork in a threaded
/// process). Every descriptor not named in `files` is closed in the child, so pipes of one process
/// never leak into another (a leaked write end would keep a reader from ever seeing EOF).
enum Subprocess {
    /// Starts `argv` (argv[0] an absolute path) with `files` mapping child descriptor → parent descriptor.
    static func spawn(
        _ argv: [String], environment: [String]? = nil, files: [(child: Int32, parent: Int32)],
        newSession: Bool = false
    ) throws(RuntimeError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Move sources above every child slot first so one mapping never clobbers another's source.
        var staged: [(child: Int32, temp: Int32)] = []
        for (child, parent) in files {
            let temp = fcntl(parent, F_DUPFD_CLOEXEC, 100)
            guard temp >= 0 else { throw .system("dup descriptor", errno) }
            staged.append((child, temp))
        }
        defer { for entry in staged { close(entry.temp) } }
        for (child, temp) in staged { posix_spawn_file_actions_adddup2(&actions, temp, child) }
        let highest = staged.map(\.child).max() ?? 2
        _ = LinuxCalls.addCloseFrom(&actions, max(3, highest + 1))
        var flags: Int16 = Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newSession { flags |= LinuxCalls.posixSpawnSetsid }
        posix_spawnattr_setflags(&attr, flags)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attr, &defaults)

        let env = environment ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let code = withCStrings(argv) { cArgv in
            withCStrings(env) { cEnv in posix_spawn(&pid, argv[0], &actions, &attr, cArgv, cEnv) }
        }
        guard code == 0 else { throw .system("start \(argv[0])", code) }
        return pid
    }

    /// Runs `argv` to completion, feeding `input` to its stdin and collecting stdout and stderr.
    /// After `timeout`, `onTimeout` runs (to kill what the process started), the process is killed and
    /// `timedOut` is set. With `outputLimit`, a process writing more than that many bytes (stdout
    /// and stderr together) is killed and `outputLimitExceeded` set, so a broken or hostile helper
    /// cannot grow our memory without bound. Blocking work runs on its own thread.
    static func run(
        _ argv: [String], input: [UInt8] = [], environment: [String]? = nil, timeout: Duration? = nil,
        outputLimit: Int? = nil, onTimeout: (@Sendable () -> Void)? = nil
    ) async throws(RuntimeError) -> ProcessOutput {
        let stdinPipe = try Pipe2.make(), stdoutPipe = try Pipe2.make(), stderrPipe = try Pipe2.make()
        let pid: pid_t
        do {
            pid = try spawn(argv, environment: environment, files: [
                (0, stdinPipe.read), (1, stdoutPipe.write), (2, stderrPipe.write),
            ])
        } catch {
            for fd in [stdinPipe.read, stdinPipe.write, stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write] { close(fd) }
            throw error
        }
        close(stdinPipe.read); close(stdoutPipe.write); close(stderrPipe.write)
        let deadline = timeout.map { ContinuousClock.now + $0 }
        return await onThread {
            let writer = Thread {
                _ = writeAll(stdinPipe.write, input)
                close(stdinPipe.write)
            }
            writer.start()
            var out: [UInt8] = [], err: [UInt8] = []
            var open: [Int32: Bool] = [stdoutPipe.read: true, stderrPipe.read: true]
            var timedOut = false
            var limitExceeded = false
            var buffer = [UInt8](repeating: 0, count: 65536)
            while open.values.contains(true) {
                var fds = open.filter(\.value).map { pollfd(fd: $0.key, events: Int16(POLLIN), revents: 0) }
                var wait: Int32 = -1
                if let deadline {
                    let left = ContinuousClock.now.duration(to: deadline)
                    if left <= .zero {
                        if !timedOut { onTimeout?(); kill(pid, SIGKILL); timedOut = true }
                        wait = 100
                    } else {
                        wait = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
                    }
                }
                let ready = poll(&fds, nfds_t(fds.count), wait)
                if ready < 0 && errno == EINTR { continue }
                for entry in fds where entry.revents != 0 {
                    let count = read(entry.fd, &buffer, buffer.count)
                    if count <= 0 { open[entry.fd] = false; continue }
                    if entry.fd == stdoutPipe.read { out += buffer[0..<count] } else { err += buffer[0..<count] }
                    if let outputLimit, out.count + err.count > outputLimit {
                        limitExceeded = true
                        kill(pid, SIGKILL)
                    }
                }
                // Stop reading at once: closing our ends below makes any descendant still
                // holding the pipes fail with EPIPE instead of keeping us waiting for EOF.
                if limitExceeded { break }
            }
            close(stdoutPipe.read); close(stderrPipe.read)
            let status = waitForExit(pid)
            return ProcessOutput(exitCode: status, stdout: out, stderr: err, timedOut: timedOut, outputLimitExceeded: limitExceeded)
        }
    }

    /// Runs `argv` with all stdio on /dev/null and returns its exit code. For commands that leave
    /// descendants holding their stdio (`runc run -d`), where waiting for EOF would never end.
    static func runQuietly(_ argv: [String]) async throws(RuntimeError) -> Int32 {
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(devNull) }
        let pid = try spawn(argv, files: [(0, devNull), (1, devNull), (2, devNull)])
        return await onThread { waitForExit(pid) }
    }

    /// Runs a helper and throws `RuntimeError.commandFailed` unless it exits 0.
    @discardableResult
    static func check(_ argv: [String], input: [UInt8] = [], environment: [String]? = nil) async throws(RuntimeError) -> ProcessOutput {
        let output = try await run(argv, input: input, environment: environment)
        guard output.exitCode == 0 else {
            throw .commandFailed(argv.prefix(3).joined(separator: " "), output.exitCode, output.stderrText + output.stdoutText)
        }
        return output
    }

    /// Blocks until `pid` exits; returns its exit code, or 128+signal when it was killed.
    static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        return decode(status)
    }

    /// For a child subreaper: reaps every child (orphans handed to it included) until `pid` exits, and
    /// returns its exit code; nil when no children are left without `pid` having been seen.
    static func reapChildren(until pid: pid_t) -> Int32? {
        while true {
            var status: Int32 = 0
            let reaped = waitpid(-1, &status, 0)
            if reaped < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if reaped == pid { return decode(status) }
        }
    }

    static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Reaps `pid` on a background thread so a detached child never lingers as a zombie.
    static func reapInBackground(_ pid: pid_t) {
        Thread.detachNewThread { _ = waitForExit(pid) }
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}

/// A pipe whose ends are close-on-exec in this process.
struct Pipe2: Sendable {
    var read: Int32
    var write: Int32
    static func make() throws(RuntimeError) -> Pipe2 {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .system("pipe", errno) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return Pipe2(read: fds[0], write: fds[1])
    }
}

/// Writes every byte unless the reader went away; returns false on error.
@discardableResult
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += written
    }
    return true
}

/// Runs blocking work on a dedicated thread (never on the cooperative pool or an event loop).
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}

func onThrowingThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
