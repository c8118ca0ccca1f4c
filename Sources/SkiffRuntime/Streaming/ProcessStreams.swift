import Foundation
import SkiffSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Builds stream sessions over OS descriptors: reader threads feed an AsyncStream, writes go straight
/// to the descriptor (on the caller's task; pipes to a live process rarely block for long).
enum ProcessStreams {
    /// Starts `argv` with piped stdio and returns a session over it. `wait()` returns its exit code.
    static func start(_ argv: [String], openStdin: Bool) throws(RuntimeError) -> StreamSession {
        let stdinPipe = try Pipe2.open(), stdoutPipe = try Pipe2.open(), stderrPipe = try Pipe2.open()
        let pid: Int32
        do {
            pid = try Subprocess.spawn(argv, files: [(0, stdinPipe.read), (1, stdoutPipe.write), (2, stderrPipe.write)])
        } catch {
            for fd in [stdinPipe.read, stdinPipe.write, stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write] { close(fd) }
            throw error
        }
        close(stdinPipe.read); close(stdoutPipe.write); close(stderrPipe.write)
        let input = Mutex<Int32>(stdinPipe.write)
        if !openStdin { input.withLock { close($0); $0 = -1 } }
        let output = outputStream(stdout: stdoutPipe.read, stderr: stderrPipe.read)
        let exit = ExitBox()
        Thread.detachNewThread { exit.set(ChildProcess.waitForExit(pid)) }
        return StreamSession(output: output, operations: .init(
            write: { bytes in
                let fd = input.withLock { $0 }
                guard fd >= 0 else { throw RuntimeError.failedPrecondition("stdin is closed or was not requested") }
                guard writeAll(fd, bytes) else { throw RuntimeError.system("write stdin", errno) }
            },
            closeStdin: { input.withLock { if $0 >= 0 { close($0); $0 = -1 } } },
            resize: { _ in },
            wait: { await exit.value() },
            close: {
                input.withLock { if $0 >= 0 { close($0); $0 = -1 } }
                if !exit.isSet { kill(pid, SIGKILL) }
            }))
    }

    /// Reads both descriptors on their own threads (closing each at EOF) into one stream of chunks,
    /// which finishes when both have ended.
    static func outputStream(stdout: Int32, stderr: Int32) -> AsyncStream<OutputChunk> {
        let (output, continuation) = AsyncStream.makeStream(of: OutputChunk.self)
        let remaining = Mutex(2)
        for (fd, kind) in [(stdout, OutputStreamKind.stdout), (stderr, .stderr)] {
            Thread.detachNewThread {
                pump(fd) { continuation.yield(OutputChunk(stream: kind, bytes: $0)) }
                close(fd)
                if remaining.withLock({ $0 -= 1; return $0 }) == 0 { continuation.finish() }
            }
        }
        return output
    }

    /// A bidirectional stream over a connected socket.
    static func byteStream(fd: Int32) -> ByteStream {
        let (inbound, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        let socketFD = Mutex(fd)
        Thread.detachNewThread {
            pump(fd) { continuation.yield($0) }
            continuation.finish()
        }
        return ByteStream(
            inbound: inbound,
            write: { bytes in
                let fd = socketFD.withLock { $0 }
                guard fd >= 0, writeAll(fd, bytes) else { throw RuntimeError.failedPrecondition("connection closed") }
            },
            close: {
                socketFD.withLock {
                    if $0 >= 0 { shutdown($0, Int32(SHUT_RDWR)); close($0); $0 = -1 }
                }
            })
    }

    /// Reads `fd` until EOF or error, handing each chunk to `deliver`.
    static func pump(_ fd: Int32, _ deliver: ([UInt8]) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 32768)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
            deliver(Array(buffer[0..<count]))
        }
    }
}

