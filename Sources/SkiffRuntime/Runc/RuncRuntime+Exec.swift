import Foundation
import SkiffSystem
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

    /// Runs a command to completion (exec probes). runc runs in the foreground and records the
    /// process's host PID, so a timeout kills the process itself and not only runc.
    public func execSync(_ id: String, command: [String], timeout: Duration?) async throws -> ExecSyncResult {
        _ = try requireRunning(id)
        guard !command.isEmpty else { throw RuntimeError.invalidArgument("exec needs a command") }
        let pidFile = containerDirectory(id) + "/exec-\(newIdentifier().prefix(12)).pid"
        defer { unlink(pidFile) }
        let output = try await Subprocess.run(
            [configuration.runtimeBinary, "--root", runtimeRoot, "exec", "--pid-file", pidFile, id] + command, timeout: timeout,
            onTimeout: {
                if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
                   let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 {
                    kill(pid, SIGKILL)
                }
            })
        if output.timedOut { throw RuntimeError.timeout("exec in \(id) exceeded \(timeout ?? .zero)") }
        return ExecSyncResult(stdout: output.stdout, stderr: output.stderr, exitCode: output.exitCode)
    }

    /// Streaming exec runs under its own `skiff shim exec` (see `ExecShim`): the process's exit code,
    /// a kill on close that reaches the process itself, and terminal resizes applied to the real terminal.
    public func exec(_ request: ExecRequest) async throws -> StreamSession {
        _ = try requireRunning(request.containerID)
        guard !request.command.isEmpty else { throw RuntimeError.invalidArgument("exec needs a command") }
        let argv = [configuration.shimExecutable, "shim", "exec", "--id", request.containerID,
                    "--directory", containerDirectory(request.containerID), "--runtime", configuration.runtimeBinary,
                    "--runtime-root", runtimeRoot] + (request.tty ? ["--tty"] : []) + ["--"] + request.command
        return try await ProcessStreams.startExecShim(argv, tty: request.tty, openStdin: request.stdin)
    }

    /// Attach connects to the shim's live output socket (output as produced, stdout and stderr kept
    /// apart) and writes to the shim's stdin FIFO (input). The session ends when the container exits
    /// or the caller closes it.
    public func attach(_ request: AttachRequest) async throws -> StreamSession {
        let record = try requireRunning(request.containerID)
        var stdinFD: Int32 = -1
        if request.stdin {
            guard record.config.stdin else { throw RuntimeError.failedPrecondition("container was created without stdin") }
            stdinFD = open(containerDirectory(record.id) + "/stdin.fifo", O_WRONLY | O_CLOEXEC)
            guard stdinFD >= 0 else { throw RuntimeError.system("open stdin", errno) }
        }
        let socketFD: Int32
        do { socketFD = try UnixSocket.connect(path: containerDirectory(record.id) + "/" + AttachHub.socketName) } catch {
            if stdinFD >= 0 { close(stdinFD) }
            // The shim removes its socket when the container's output has ended.
            throw RuntimeError.failedPrecondition("container \(record.id) is not running (\(error))")
        }
        guard await onThread({ AttachHub.awaitHello(socketFD) }) else {
            close(socketFD)
            if stdinFD >= 0 { close(stdinFD) }
            throw RuntimeError.failedPrecondition("container \(record.id) is not running (its shim did not accept the attachment)")
        }
        let id = record.id
        let closed = Mutex(false)
        let input = Mutex(stdinFD)
        let connection = Mutex(socketFD)
        let (output, continuation) = AsyncStream.makeStream(of: OutputChunk.self)
        let reader = dup(socketFD)
        Thread.detachNewThread {
            AttachHub.readFrames(reader) { continuation.yield($0) }
            close(reader)
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
                connection.withLock { if $0 >= 0 { shutdown($0, Int32(SHUT_RDWR)); close($0); $0 = -1 } }
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
