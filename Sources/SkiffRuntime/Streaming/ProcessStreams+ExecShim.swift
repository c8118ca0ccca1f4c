import Foundation
import SkiffSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension ProcessStreams {
    /// Starts a `skiff shim exec` (see `ExecShim`) and returns a session over it once the exec'd
    /// process runs; an exec that could not start throws with runc's message. Closing the session
    /// asks the shim to kill the process; `wait()` returns the process's exit code.
    static func startExecShim(_ argv: [String], tty: Bool, openStdin: Bool) async throws(RuntimeError) -> StreamSession {
        let stdinPipe = try Pipe2.open(), stdoutPipe = try Pipe2.open(), stderrPipe = try Pipe2.open()
        let readiness = try Pipe2.open()
        let all = [stdinPipe.read, stdinPipe.write, stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write,
                   readiness.read, readiness.write]
        let pid: Int32
        do {
            pid = try Subprocess.spawn(argv, files: [
                (0, stdinPipe.read), (1, stdoutPipe.write), (2, stderrPipe.write), (ContainerShim.readinessFD, readiness.write),
            ])
        } catch {
            for fd in all { close(fd) }
            throw error
        }
        close(stdinPipe.read); close(stdoutPipe.write); close(stderrPipe.write); close(readiness.write)
        let exit = ExitBox()
        Thread.detachNewThread { exit.set(ChildProcess.waitForExit(pid)) }
        let report: [UInt8] = await onThread {
            var bytes: [UInt8] = []
            pump(readiness.read) { bytes += $0 }
            close(readiness.read)
            return bytes
        }
        let line = String(decoding: report, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard line == "ok" else {
            for fd in [stdinPipe.write, stdoutPipe.read, stderrPipe.read] { close(fd) }
            let message = line.hasPrefix("error: ") ? String(line.dropFirst(7)) : "exec shim exited with \(await exit.value())"
            throw .commandFailed("exec", 126, message)
        }

        let input = Mutex<Int32>(stdinPipe.write)
        // A TTY session keeps the channel open without stdin: resizes travel on it too.
        if !openStdin && !tty { input.withLock { close($0); $0 = -1 } }
        let output = outputStream(stdout: stdoutPipe.read, stderr: stderrPipe.read)
        @Sendable func send(_ bytes: [UInt8]) throws {
            let fd = input.withLock { $0 }
            guard fd >= 0 else { throw RuntimeError.failedPrecondition("stdin is closed or was not requested") }
            guard writeAll(fd, bytes) else { throw RuntimeError.system("write stdin", errno) }
        }
        return StreamSession(output: output, operations: .init(
            write: { bytes in
                guard openStdin else { throw RuntimeError.failedPrecondition("stdin was not requested") }
                try send(tty ? ExecInputFrame.data(bytes).encoded : bytes)
            },
            // On a terminal, end-of-input is the EOF character at the start of a line.
            closeStdin: {
                if tty { if openStdin { try? send(ExecInputFrame.data([4]).encoded) } } else { input.withLock { if $0 >= 0 { close($0); $0 = -1 } } }
            },
            resize: { size in
                guard tty else { return }
                // A session without stdin still owns the channel for resizes.
                try send(ExecInputFrame.resize(size).encoded)
            },
            wait: { await exit.value() },
            close: {
                input.withLock { if $0 >= 0 { close($0); $0 = -1 } }
                if !exit.isSet { kill(pid, SIGTERM) }
            }))
    }
}
