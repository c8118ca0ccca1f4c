import CSkiffSpawn
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why starting or running a child process failed.
package enum ProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed (`errno`).
    case system(operation: String, errno: Int32)
    /// The command ran and exited non-zero; `output` is its stderr followed by its stdout.
    case commandFailed(command: String, exitCode: Int32, output: String)

    package var description: String {
        switch self {
        case .system(let operation, let code): "\(operation): \(LinuxCalls.errorText(code)) (errno \(code))"
        case .commandFailed(let command, let code, let output):
            "\(command) exited with \(code): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
        }
    }
}

/// What a finished child process left behind.
package struct ProcessOutput: Sendable {
    package var exitCode: Int32
    package var stdout: [UInt8]
    package var stderr: [UInt8]
    package var timedOut: Bool = false
    /// True when a stream wrote more than the capture limit; the excess was read and dropped.
    package var truncated: Bool = false
    /// The process wrote more than the caller's `outputLimit` and was killed; output is cut there.
    package var outputLimitExceeded: Bool = false
    package var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    package var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// The one way Skiff starts child processes: vfork+exec from one long-lived thread (`CSkiffSpawn`), exactly
/// the descriptors named in `files` (everything else is closed in the child, so a pipe of one
/// process never leaks into another, where a leaked write end would keep a reader from ever
/// seeing EOF), an explicit environment (`minimalEnvironment` unless the caller passes one),
/// bounded output capture, and waiting on a dedicated thread rather than by polling.
package enum ChildProcess {
    /// What a child sees unless the caller says otherwise: a PATH, nothing inherited.
    package static let minimalEnvironment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]

    /// Bytes kept per output stream by `run` unless the caller says otherwise.
    package static let defaultCaptureLimit = 16 << 20

    /// Starts `argv` (argv[0] an absolute path) with `files` mapping child descriptor → parent
    /// descriptor. With `newSession` the child leads a new session (it outlives our terminal).
    ///
    /// `diesWithParent` (the default, except for `newSession` children, which are the runtime's
    /// shims and pause processes and outlive the agent by design) has the kernel SIGKILL the child
    /// when this process ends, however it ends: a killed server or test leaves no etcd, registry,
    /// decompressor or plugin behind. The fork happens on one thread that lives as long as the
    /// process, because the kernel ties the signal to the forking thread (`CSkiffSpawn`).
    package static func spawn(
        _ argv: [String], environment: [String] = minimalEnvironment, files: [(child: Int32, parent: Int32)],
        newSession: Bool = false, diesWithParent: Bool? = nil
    ) throws(ProcessError) -> pid_t {
        try spawn(argv, environment: environment, files: files, newSession: newSession,
                  deathSignal: (diesWithParent ?? !newSession) ? SIGKILL : 0, onSpawnerThread: true)
    }

    /// `spawn` with the death signal and the forking thread explicit; tests use it to show the
    /// signal follows the forking thread.
    package static func spawn(
        _ argv: [String], environment: [String] = minimalEnvironment, files: [(child: Int32, parent: Int32)],
        newSession: Bool, deathSignal: Int32, onSpawnerThread: Bool
    ) throws(ProcessError) -> pid_t {
        guard let executable = argv.first else { throw .system(operation: "start an empty command", errno: EINVAL) }
        let children = files.map(\.child)
        let parents = files.map(\.parent)
        var pid: pid_t = 0
        let code = withCStrings(argv) { cArgv in
            withCStrings(environment) { cEnv in
                skiff_spawn(executable, cArgv, cEnv, children, parents, Int32(files.count),
                            newSession ? 1 : 0, deathSignal, onSpawnerThread ? 1 : 0, &pid)
            }
        }
        guard code == 0 else { throw .system(operation: "start \(executable)", errno: code) }
        return pid
    }

    /// Runs `argv` to completion, feeding `input` to its stdin and collecting up to `captureLimit`
    /// bytes of stdout and of stderr. After `timeout`, `onTimeout` runs (to kill what the process
    /// started), the process is killed and `timedOut` is set. With `outputLimit`, a process writing
    /// more than that many bytes (stdout and stderr together) is killed and `outputLimitExceeded`
    /// set, so a broken or hostile helper cannot keep us reading. Blocking work runs on its own thread.
    package static func run(
        _ argv: [String], input: [UInt8] = [], environment: [String] = minimalEnvironment, timeout: Duration? = nil,
        captureLimit: Int = defaultCaptureLimit, outputLimit: Int? = nil, onTimeout: (@Sendable () -> Void)? = nil
    ) async throws(ProcessError) -> ProcessOutput {
        let result = await onThread {
            Result { () throws(ProcessError) -> ProcessOutput in
                try runBlocking(argv, input: input, environment: environment, timeout: timeout,
                                captureLimit: captureLimit, outputLimit: outputLimit, onTimeout: onTimeout)
            }
        }
        return try result.get()
    }

    /// `run` on the calling thread, for callers that are synchronous already (test fixtures).
    package static func runBlocking(
        _ argv: [String], input: [UInt8] = [], environment: [String] = minimalEnvironment, timeout: Duration? = nil,
        captureLimit: Int = defaultCaptureLimit, outputLimit: Int? = nil, onTimeout: (@Sendable () -> Void)? = nil
    ) throws(ProcessError) -> ProcessOutput {
        var pipes: [Pipe2] = []
        let pid: pid_t
        do throws(ProcessError) {
            for _ in 0..<3 { pipes.append(try Pipe2.make()) }
            pid = try spawn(argv, environment: environment, files: [
                (0, pipes[0].read), (1, pipes[1].write), (2, pipes[2].write),
            ])
        } catch {
            for pipe in pipes { pipe.closeBoth() }
            throw error
        }
        let (stdinPipe, stdoutPipe, stderrPipe) = (pipes[0], pipes[1], pipes[2])
        close(stdinPipe.read); close(stdoutPipe.write); close(stderrPipe.write)
        // The writer has its own thread so a child that fills its output before reading all of
        // its input cannot deadlock with us.
        let writer = Thread {
            _ = writeAll(stdinPipe.write, input)
            close(stdinPipe.write)
        }
        writer.start()
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var out: [UInt8] = [], err: [UInt8] = []
        var open: [Int32: Bool] = [stdoutPipe.read: true, stderrPipe.read: true]
        var timedOut = false, truncated = false, limitExceeded = false, written = 0
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
                let isStdout = entry.fd == stdoutPipe.read
                let kept = isStdout ? out.count : err.count
                let room = max(0, captureLimit - kept)
                if count > room { truncated = true }
                let taken = buffer[0..<min(count, room)]
                if isStdout { out += taken } else { err += taken }
                written += count
                if let outputLimit, written > outputLimit, !limitExceeded {
                    limitExceeded = true
                    kill(pid, SIGKILL)
                }
            }
            // Stop reading at once: closing our ends below makes any descendant still holding
            // the pipes fail with EPIPE instead of keeping us waiting for EOF.
            if limitExceeded { break }
        }
        close(stdoutPipe.read); close(stderrPipe.read)
        let status = waitForExit(pid)
        return ProcessOutput(exitCode: status, stdout: out, stderr: err, timedOut: timedOut, truncated: truncated,
                             outputLimitExceeded: limitExceeded)
    }

    /// Runs `argv` with all stdio on /dev/null and returns its exit code. For commands that leave
    /// descendants holding their stdio (`runc run -d`), where waiting for EOF would never end.
    package static func runQuietly(_ argv: [String], environment: [String] = minimalEnvironment) async throws(ProcessError) -> Int32 {
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard devNull >= 0 else { throw .system(operation: "open /dev/null", errno: errno) }
        defer { close(devNull) }
        let pid = try spawn(argv, environment: environment, files: [(0, devNull), (1, devNull), (2, devNull)])
        return await onThread { waitForExit(pid) }
    }

    /// Runs a command and throws `commandFailed` unless it exits 0.
    @discardableResult
    package static func check(
        _ argv: [String], input: [UInt8] = [], environment: [String] = minimalEnvironment
    ) async throws(ProcessError) -> ProcessOutput {
        let output = try await run(argv, input: input, environment: environment)
        guard output.exitCode == 0 else {
            throw .commandFailed(command: argv.prefix(3).joined(separator: " "), exitCode: output.exitCode,
                                 output: output.stderrText + output.stdoutText)
        }
        return output
    }

    /// Blocks until `pid` exits; returns its exit code, or 128+signal when it was killed.
    package static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        return decode(status)
    }

    /// For a child subreaper: reaps every child (orphans handed to it included) until `pid` exits, and
    /// returns its exit code; nil when no children are left without `pid` having been seen.
    package static func reapChildren(until pid: pid_t) -> Int32? {
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

    /// A wait status as an exit code: the code itself, or 128+signal.
    package static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Reaps `pid` on a background thread so a detached child never lingers as a zombie.
    package static func reapInBackground(_ pid: pid_t) {
        Thread.detachNewThread { _ = waitForExit(pid) }
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}
