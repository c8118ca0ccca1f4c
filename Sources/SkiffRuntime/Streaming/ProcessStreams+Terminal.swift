import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension ProcessStreams {
    /// Starts `argv` (an OCI runtime `exec --tty` without a console socket, which runc only allows
    /// when detached) on a pseudo-terminal we own: runc copies between it and the container's terminal
    /// and, on SIGWINCH, copies its size over. Output is all `stdout` (a terminal merges streams).
    static func startWithTerminal(_ argv: [String]) async throws(RuntimeError) -> StreamSession {
        // posix_openpt/unlockpt/ptsname are not imported into Swift; these are their Linux ioctls.
        let tiocsptlck: UInt = 0x4004_5431, tiocgptn: UInt = 0x8004_5430
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0, number: UInt32 = 0
        guard master >= 0, ioctl(master, tiocsptlck, &unlock) == 0, ioctl(master, tiocgptn, &number) == 0 else {
            let code = errno
            if master >= 0 { close(master) }
            throw .system("allocate terminal", code)
        }
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slave >= 0 else { let code = errno; close(master); throw .system("open terminal", code) }
        try? Terminal.resize(master, TerminalSize(width: 80, height: 24))
        let pid: Int32
        do { pid = try Subprocess.spawn(argv, files: [(0, slave), (1, slave), (2, slave)]) } catch {
            close(slave); close(master)
            throw error
        }
        close(slave)
        let exit = ExitBox()
        Thread.detachNewThread { exit.set(Subprocess.waitForExit(pid)) }
        let terminal = Mutex<Int32>(master)
        let (output, continuation) = AsyncStream.makeStream(of: OutputChunk.self)
        let reader = dup(master)
        Thread.detachNewThread {
            // Reading a master whose slave side is closed fails with EIO: that is the end of output.
            pump(reader) { continuation.yield(OutputChunk(stream: .stdout, bytes: $0)) }
            close(reader)
            continuation.finish()
        }
        return StreamSession(output: output, operations: .init(
            write: { bytes in
                let fd = terminal.withLock { $0 }
                guard fd >= 0, writeAll(fd, bytes) else { throw RuntimeError.failedPrecondition("terminal is closed") }
            },
            // On a terminal, end-of-input is the EOF character at the start of a line.
            closeStdin: { let fd = terminal.withLock { $0 }; if fd >= 0 { writeAll(fd, [4]) } },
            resize: { size in
                let fd = terminal.withLock { $0 }
                guard fd >= 0 else { return }
                try Terminal.resize(fd, size)
                // Our terminal is not runc's controlling terminal, so tell it to copy the new size.
                if !exit.isSet { kill(pid, SIGWINCH) }
            },
            wait: { await exit.value() },
            close: {
                terminal.withLock { if $0 >= 0 { close($0); $0 = -1 } }
                if !exit.isSet { kill(pid, SIGHUP) }
            }))
    }
}
