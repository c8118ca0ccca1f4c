import Foundation
import SkiffSystem
#if canImport(Glibc)
import Glibc
#endif

/// The per-container shim (`skiff shim run`), like containerd-shim: started detached in its own
/// session by the runtime, it runs `runc create` with stdio pipes it owns, becomes the reaper of the
/// container's init, writes the output in the CRI log format, serves it live to attached clients (`AttachHub`), and records the exit (code, time, OOM)
/// in `status.json`. It outlives the runtime object and the agent. Readiness ("ok" or an error line)
/// is reported on descriptor 3, which the runtime reads until EOF.
package enum ContainerShim {
    package struct Options: Sendable {
        package var id: String
        package var bundle: String
        package var containerDirectory: String
        package var runtimeBinary: String
        package var runtimeRoot: String
        package var logPath: String
        /// Path of the container's memory cgroup directory (for the OOM counter); may be empty.
        package var memoryCgroup: String
        package var openStdin: Bool
        /// Run the container on a pseudo-terminal (its output is all stdout; resize through `resize.fifo`).
        package var tty: Bool
        package init(id: String, bundle: String, containerDirectory: String, runtimeBinary: String, runtimeRoot: String,
                     logPath: String, memoryCgroup: String, openStdin: Bool, tty: Bool = false) {
            self.id = id; self.bundle = bundle; self.containerDirectory = containerDirectory; self.runtimeBinary = runtimeBinary
            self.runtimeRoot = runtimeRoot; self.logPath = logPath; self.memoryCgroup = memoryCgroup; self.openStdin = openStdin
            self.tty = tty
        }
    }

    static let readinessFD: Int32 = 3

    /// Runs the shim to completion; returns the process exit code for the shim itself.
    package static func run(_ options: Options) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let statusPath = options.containerDirectory + "/status.json"
        func fail(_ message: String) -> Int32 {
            _ = writeAll(readinessFD, Array(("error: " + message + "\n").utf8))
            close(readinessFD)
            return 1
        }
        guard LinuxCalls.becomeChildSubreaper() else { return fail("cannot become child subreaper") }
        var stdoutPipe: Pipe2, stderrPipe: Pipe2
        do { stdoutPipe = try Pipe2.make(); stderrPipe = try Pipe2.make() } catch { return fail("\(error)") }
        var stdinFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        if options.openStdin {
            let fifo = options.containerDirectory + "/stdin.fifo"
            if mkfifo(fifo, 0o600) != 0 && errno != EEXIST { return fail("mkfifo: \(LinuxCalls.errorText())") }
            // Read-write keeps the FIFO from reporting EOF when an attached writer goes away.
            stdinFD = open(fifo, O_RDWR | O_CLOEXEC)
        }
        let pidFile = options.containerDirectory + "/init.pid"
        let runcLog = options.containerDirectory + "/runtime.log"
        var argv = [options.runtimeBinary, "--root", options.runtimeRoot, "--log", runcLog, "create",
                    "--bundle", options.bundle, "--pid-file", pidFile]
        var console: ConsoleSocket?
        if options.tty {
            do { console = try ConsoleSocket(path: options.containerDirectory + "/console.sock") } catch { return fail("\(error)") }
            argv += ["--console-socket", options.containerDirectory + "/console.sock"]
        }
        argv.append(options.id)
        var master: Int32 = -1
        let createStatus: Int32
        do {
            let null = devNull()
            defer { close(null) }
            var files: [(child: Int32, parent: Int32)] = [(0, stdinFD), (1, stdoutPipe.write), (2, stderrPipe.write)]
            if options.tty { files = [(0, null), (1, null), (2, null)] }
            let pid = try Subprocess.spawn(argv, files: files)
            if let console { master = console.receiveMaster() ?? -1 }
            createStatus = ChildProcess.waitForExit(pid)
        } catch { return fail("\(error)") }
        close(stdoutPipe.write); close(stderrPipe.write)
        if !options.tty { close(stdinFD) }
        guard createStatus == 0, !options.tty || master >= 0,
              let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let initPID = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            let log = (try? String(contentsOfFile: runcLog, encoding: .utf8)) ?? ""
            let lastError = log.split(separator: "\n").last.map(String.init) ?? "exit \(createStatus)"
            return fail("runtime create failed: \(lastError)")
        }
        if options.tty {
            // The terminal replaces the pipes: its output is the container's stdout, stdin feeds it.
            close(stdoutPipe.read); close(stderrPipe.read)
            let output = dup(master)
            stdoutPipe = Pipe2(read: output, write: -1)
            stderrPipe = Pipe2(read: open("/dev/null", O_RDONLY | O_CLOEXEC), write: -1)
            if options.openStdin { forward(from: stdinFD, to: master) } else { close(stdinFD) }
            serveResize(options.containerDirectory + "/resize.fifo", master: master)
        }
        do { try JSONFile.write(ShimStatus(pid: initPID), to: statusPath) } catch { return fail("\(error)") }

        let log = CRILogWriter(path: options.logPath)
        let hub: AttachHub
        do { hub = try AttachHub(directory: options.containerDirectory) } catch { return fail("\(error)") }
        let readers = [(stdoutPipe.read, OutputStreamKind.stdout), (stderrPipe.read, .stderr)].map { fd, kind in
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 32768)
                while true {
                    let count = read(fd, &buffer, buffer.count)
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    log.write(kind, buffer[0..<count])
                    hub.broadcast(kind, buffer[0..<count])
                }
                log.finish(kind)
                close(fd)
                done.signal()
            }
            return done
        }
        _ = writeAll(readinessFD, Array("ok\n".utf8))
        close(readinessFD)

        // Reap every orphan handed to us; stop when the container's init has exited.
        let exitCode = ChildProcess.reapChildren(until: initPID) ?? -1
        // The pipes close once the init and everything in its PID namespace is gone.
        for reader in readers { reader.wait() }
        hub.closeAll()
        let oomKilled = exitCode == 137 && oomKillCount(options.memoryCgroup) > 0
        let record = ShimStatus(pid: initPID, exitCode: exitCode, finishedAt: Date(), oomKilled: oomKilled)
        do { try JSONFile.write(record, to: statusPath) } catch { return 1 }
        return 0
    }

    static func devNull() -> Int32 { open("/dev/null", O_RDWR | O_CLOEXEC) }

    /// Copies everything from `source` to `target` on a thread (stdin FIFO → terminal).
    static func forward(from source: Int32, to target: Int32) {
        Thread.detachNewThread {
            ProcessStreams.pump(source) { writeAll(target, $0) }
        }
    }

    /// Reads "<width> <height>" lines from a FIFO and resizes the terminal accordingly.
    static func serveResize(_ path: String, master: Int32) {
        guard mkfifo(path, 0o600) == 0 || errno == EEXIST else { return }
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return }
        Thread.detachNewThread {
            var pending: [UInt8] = []
            ProcessStreams.pump(fd) { bytes in
                pending += bytes
                while let newline = pending.firstIndex(of: 10) {
                    let fields = String(decoding: pending[..<newline], as: UTF8.self).split(separator: " ").compactMap { UInt16($0) }
                    pending.removeSubrange(...newline)
                    if fields.count == 2 { try? Terminal.resize(master, TerminalSize(width: fields[0], height: fields[1])) }
                }
            }
        }
    }

    /// The cgroup v1 `oom_kill` counter of a memory cgroup (0 when unreadable).
    static func oomKillCount(_ memoryCgroup: String) -> Int {
        guard !memoryCgroup.isEmpty,
              let text = try? String(contentsOfFile: memoryCgroup + "/memory.oom_control", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return Int(line.split(separator: " ").last ?? "0") ?? 0
        }
        return 0
    }
}

/// The sandbox's pause process (`skiff shim pause`): started inside the pod's fresh IPC and UTS
/// namespaces (and network namespace) by `unshare`, it sets the pod's hostname, reports readiness
/// on descriptor 3, then sleeps and reaps zombies until it is killed.
package enum PauseProcess {
    package static func run(hostname: String?) -> Int32 {
        if let hostname, !hostname.isEmpty {
            guard sethostname(hostname, hostname.utf8.count) == 0 else {
                _ = writeAll(ContainerShim.readinessFD, Array("error: sethostname: \(LinuxCalls.errorText())\n".utf8))
                return 1
            }
        }
        _ = writeAll(ContainerShim.readinessFD, Array("ok\n".utf8))
        close(ContainerShim.readinessFD)
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
        while true {
            if waitpid(-1, nil, 0) < 0 && errno == ECHILD { pause() }
        }
    }
}
