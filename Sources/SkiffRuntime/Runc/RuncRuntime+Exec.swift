import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension RuncRuntime {
    func requireRunning(_ id: String) throws(RuntimeError) -> ContainerRecord {
        let record = try loadContainer(id)
        guard containerStatus(of: record).state == .running else {
            throw .failedPrecondition("container \(id) is not running")
        }
        return record
    }

    public func execSync(_ id: String, command: [String], timeout: Duration?) async throws -> ExecSyncResult {
        _ = try requireRunning(id)
        guard !command.isEmpty else { throw RuntimeError.invalidArgument("exec needs a command") }
        let output = try await Subprocess.run(
            [configuration.runtimeBinary, "--root", runtimeRoot, "exec", id] + command, timeout: timeout)
        if output.timedOut { throw RuntimeError.timeout("exec in \(id) exceeded \(timeout ?? .zero)") }
        return ExecSyncResult(stdout: output.stdout, stderr: output.stderr, exitCode: output.exitCode)
    }

    public func exec(_ request: ExecRequest) async throws -> StreamSession {
        _ = try requireRunning(request.containerID)
        guard !request.command.isEmpty else { throw RuntimeError.invalidArgument("exec needs a command") }
        if request.tty {
            let argv = [configuration.runtimeBinary, "--root", runtimeRoot, "exec", "--tty", request.containerID] + request.command
            return try await ProcessStreams.startWithTerminal(argv)
        }
        let argv = [configuration.runtimeBinary, "--root", runtimeRoot, "exec", request.containerID] + request.command
        return try ProcessStreams.start(argv, openStdin: request.stdin)
    }

    /// Attach follows the container's CRI log from its current end (output) and writes to the shim's
    /// stdin FIFO (input). The session ends when the container exits or the caller closes it.
    public func attach(_ request: AttachRequest) async throws -> StreamSession {
        let record = try requireRunning(request.containerID)
        guard !record.logPath.isEmpty else { throw RuntimeError.failedPrecondition("container has no log to attach to") }
        var stdinFD: Int32 = -1
        if request.stdin {
            guard record.config.stdin else { throw RuntimeError.failedPrecondition("container was created without stdin") }
            stdinFD = open(containerDirectory(record.id) + "/stdin.fifo", O_WRONLY | O_CLOEXEC)
            guard stdinFD >= 0 else { throw RuntimeError.system("open stdin", errno) }
        }
        let id = record.id
        let closed = Mutex(false)
        let input = Mutex(stdinFD)
        let (output, continuation) = AsyncStream.makeStream(of: OutputChunk.self)
        let logPath = record.logPath
        Thread.detachNewThread { [self] in
            let fd = open(logPath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continuation.finish(); return }
            defer { close(fd) }
            lseek(fd, 0, SEEK_END)
            var pending: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 32768)
            var exited = false
            while !closed.withLock({ $0 }) {
                let count = read(fd, &buffer, buffer.count)
                if count > 0 {
                    pending += buffer[0..<count]
                    while let newline = pending.firstIndex(of: 10) {
                        let line = String(decoding: pending[..<newline], as: UTF8.self)
                        pending.removeSubrange(...newline)
                        if let entry = CRILogEntry(line: line[...]) {
                            let bytes = Array(entry.content.utf8) + (entry.isFullLine ? [10] : [])
                            continuation.yield(OutputChunk(stream: entry.stream, bytes: bytes))
                        }
                    }
                    continue
                }
                if exited { break }
                // Drain what the shim flushed after the exit before finishing.
                if shimStatus(id)?.exitCode != nil { exited = true; continue }
                usleep(20_000)
            }
            continuation.finish()
        }
        return StreamSession(output: output, operations: .init(
            write: { bytes in
                let fd = input.withLock { $0 }
                guard fd >= 0 else { throw RuntimeError.failedPrecondition("stdin is not attached") }
                guard writeAll(fd, bytes) else { throw RuntimeError.system("write stdin", errno) }
            },
            closeStdin: { input.withLock { if $0 >= 0 { close($0); $0 = -1 } } },
            resize: { [self] size in
                // The shim owns the terminal and applies sizes written to its resize FIFO.
                guard record.config.tty else { return }
                let fd = open(containerDirectory(id) + "/resize.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC)
                guard fd >= 0 else { throw RuntimeError.system("open resize channel", errno) }
                defer { close(fd) }
                writeAll(fd, Array("\(size.width) \(size.height)\n".utf8))
            },
            wait: { [self] in
                while true {
                    if let code = shimStatus(id)?.exitCode { return code }
                    if closed.withLock({ $0 }) || shimStatus(id) == nil { return -1 }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            },
            close: {
                closed.withLock { $0 = true }
                input.withLock { if $0 >= 0 { close($0); $0 = -1 } }
            }))
    }

    public func portForward(podSandboxID: String, port: Int) async throws -> ByteStream {
        let record = try loadSandbox(podSandboxID)
        guard (1...65535).contains(port) else { throw RuntimeError.invalidArgument("port \(port)") }
        let netns = record.config.hostNetwork ? "/proc/1/ns/net" : namespacePath(record.id, "net")
        let fd = try await NetnsSocket.connect(netnsPath: netns, port: UInt16(port))
        return ProcessStreams.byteStream(fd: fd)
    }
}

/// Opens TCP connections from inside a network namespace: a dedicated thread enters the namespace,
/// creates and connects the socket (which stays bound to that namespace), and leaves.
enum NetnsSocket {
    static func connect(netnsPath: String, port: UInt16) async throws(RuntimeError) -> Int32 {
        let result: Result<Int32, RuntimeError> = await onThread {
            let target = open(netnsPath, O_RDONLY | O_CLOEXEC)
            guard target >= 0 else { return .failure(.system("open \(netnsPath)", errno)) }
            defer { close(target) }
            let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
            guard original >= 0 else { return .failure(.system("open own netns", errno)) }
            defer { close(original) }
            guard LinuxCalls.setns(target, LinuxCalls.cloneNewNet) == 0 else { return .failure(.system("setns", errno)) }
            defer { _ = LinuxCalls.setns(original, LinuxCalls.cloneNewNet) }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return .failure(.system("socket", errno)) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            let code = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard code == 0 else { let error = errno; close(fd); return .failure(.system("connect to port \(port)", error)) }
            return .success(fd)
        }
        return try result.get()
    }
}
