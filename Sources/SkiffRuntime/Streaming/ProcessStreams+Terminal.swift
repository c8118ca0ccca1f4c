import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension ProcessStreams {
    /// Starts `argv` (an OCI runtime command that takes `--console-socket <socket.path>`) and returns a
    /// session over the terminal master it hands back. Output is all `stdout` (a terminal merges streams).
    static func startWithTerminal(_ argv: [String], socket: ConsoleSocket) async throws(RuntimeError) -> StreamSession {
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(devNull) }
        let pid = try Subprocess.spawn(argv, files: [(0, devNull), (1, devNull), (2, devNull)])
        let exit = ExitBox()
        Thread.detachNewThread { exit.set(Subprocess.waitForExit(pid)) }
        guard let master = await onThread({ socket.receiveMaster() }) else {
            kill(pid, SIGKILL)
            throw .commandFailed(argv.prefix(4).joined(separator: " "), await exit.value(), "no terminal received")
        }
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
                if fd >= 0 { try Terminal.resize(fd, size) }
            },
            wait: { await exit.value() },
            close: {
                // Closing the last master descriptor hangs up the terminal (SIGHUP to the session).
                terminal.withLock { if $0 >= 0 { close($0); $0 = -1 } }
                if !exit.isSet { kill(pid, SIGTERM) }
            }))
    }
}
