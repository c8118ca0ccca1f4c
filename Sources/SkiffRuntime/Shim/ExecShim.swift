import Foundation
import SkiffSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The process one streaming exec runs under (`skiff shim exec`), like containerd-shim's exec
/// handling. It is a child subreaper and starts `runc exec --detach`, so the exec'd process becomes
/// its child: it learns the process's exit code, kills exactly that process when the session is
/// closed (SIGTERM/SIGHUP to the shim), and for a TTY receives the terminal's master through runc's
/// console socket, so a resize is a `TIOCSWINSZ` on the real terminal rather than a signal to runc.
///
/// Descriptors: 0 input, 1 stdout, 2 stderr, 3 readiness ("ok" or "error: …", then EOF). Without a
/// TTY, 0–2 are handed to the process itself. With a TTY, input is framed (`ExecInputFrame`) so a
/// resize is applied in order with the bytes typed before and after it. The shim exits with the
/// process's exit code (128+signal when it was killed).
package enum ExecShim {
    package struct Options: Sendable {
        package var containerID: String
        package var containerDirectory: String
        package var runtimeBinary: String
        package var runtimeRoot: String
        package var tty: Bool
        package var command: [String]
        package init(containerID: String, containerDirectory: String, runtimeBinary: String, runtimeRoot: String,
                     tty: Bool, command: [String]) {
            self.containerID = containerID; self.containerDirectory = containerDirectory; self.runtimeBinary = runtimeBinary
            self.runtimeRoot = runtimeRoot; self.tty = tty; self.command = command
        }
    }

    /// The exec'd process once known, or -1 after a termination request arrived before it was.
    private static let target = Atomic<Int32>(0)

    package static func run(_ options: Options) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        for terminating in [SIGTERM, SIGHUP, SIGINT] {
            signal(terminating) { _ in
                // Async-signal-safe: an atomic exchange and kill(2).
                let pid = ExecShim.target.exchange(-1, ordering: .sequentiallyConsistent)
                if pid > 0 { kill(pid, SIGKILL) }
            }
        }
        func fail(_ message: String) -> Int32 {
            _ = writeAll(ContainerShim.readinessFD, Array(("error: " + message + "\n").utf8))
            close(ContainerShim.readinessFD)
            return 126
        }
        guard LinuxCalls.becomeChildSubreaper() else { return fail("cannot become child subreaper") }
        let token = String(newIdentifier().prefix(12))
        let pidFile = options.containerDirectory + "/exec-\(token).pid"
        let runtimeLog = options.containerDirectory + "/exec-\(token).log"
        defer { unlink(pidFile); unlink(runtimeLog) }
        var argv = [options.runtimeBinary, "--root", options.runtimeRoot, "--log", runtimeLog, "exec", "--detach",
                    "--pid-file", pidFile]
        var console: ConsoleSocket?
        if options.tty {
            let path = options.containerDirectory + "/exec-\(token).sock"
            do { console = try ConsoleSocket(path: path) } catch { return fail("\(error)") }
            argv += ["--tty", "--console-socket", path]
        }
        argv += [options.containerID] + options.command

        var master: Int32 = -1
        let status: Int32
        do {
            let null = ContainerShim.devNull()
            defer { close(null) }
            let standard: [Int32] = [0, 1, 2]
            let files = standard.map { (child: $0, parent: options.tty ? null : $0) }
            let runtime = try Subprocess.spawn(argv, files: files)
            if let console { master = console.receiveMaster() ?? -1 }
            status = ChildProcess.waitForExit(runtime)
        } catch { return fail("\(error)") }
        guard status == 0, !options.tty || master >= 0,
              let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return fail("exec failed: " + lastRuntimeError(runtimeLog, status: status))
        }
        if target.compareExchange(expected: 0, desired: pid, ordering: .sequentiallyConsistent).original == -1 {
            kill(pid, SIGKILL)
        }
        _ = writeAll(ContainerShim.readinessFD, Array("ok\n".utf8))
        close(ContainerShim.readinessFD)

        let outputDone = DispatchSemaphore(value: 0)
        if options.tty {
            let master = master
            Thread.detachNewThread {
                // Reading a master fails with EIO once every holder of the terminal is gone.
                ProcessStreams.pump(master) { _ = writeAll(1, $0) }
                outputDone.signal()
            }
            Thread.detachNewThread { ExecInputFrame.read(0) { frame in
                switch frame {
                case .data(let bytes): _ = writeAll(master, bytes)
                case .resize(let size): try? Terminal.resize(master, size)
                }
            } }
        } else {
            // The process holds the session's pipes now; the shim's copies would only delay EOF.
            let null = ContainerShim.devNull()
            for fd in Int32(0)...2 { dup2(null, fd) }
            close(null)
            outputDone.signal()
        }

        let exitCode = ChildProcess.reapChildren(until: pid) ?? 137
        // Output a background process still writes to the terminal is not waited for indefinitely.
        _ = outputDone.wait(timeout: .now() + .seconds(2))
        return exitCode
    }

    /// The last line runc logged (its error), or the exit status when it logged nothing.
    static func lastRuntimeError(_ path: String, status: Int32) -> String {
        let log = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        guard let line = log.split(separator: "\n").last else { return "runtime exited with \(status)" }
        // runc logs `time=… level=error msg="…"` (or JSON with --log-format json); show the message alone.
        if let data = line.data(using: .utf8),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let message = object["msg"] as? String {
            return message
        }
        if let start = line.range(of: "msg=\""), let end = line.range(of: "\"", options: .backwards), end.lowerBound > start.upperBound {
            return line[start.upperBound..<end.lowerBound].replacingOccurrences(of: "\\\"", with: "\"")
        }
        return String(line)
    }
}

/// Input to a TTY exec shim: `[0][length: 4 bytes BE][bytes]` carries typed bytes and
/// `[1][width: 2 bytes BE][height: 2 bytes BE]` a terminal resize, in one ordered channel.
enum ExecInputFrame: Equatable {
    case data([UInt8])
    case resize(TerminalSize)

    var encoded: [UInt8] {
        switch self {
        case .data(let bytes):
            let length = UInt32(bytes.count)
            return [0] + (0..<4).map { UInt8(truncatingIfNeeded: length >> (24 - 8 * $0)) } + bytes
        case .resize(let size):
            return [1, UInt8(size.width >> 8), UInt8(size.width & 0xff), UInt8(size.height >> 8), UInt8(size.height & 0xff)]
        }
    }

    /// Reads frames from `fd` until EOF; a malformed frame ends the stream.
    static func read(_ fd: Int32, _ deliver: (ExecInputFrame) -> Void) {
        var pending: [UInt8] = []
        var broken = false
        ProcessStreams.pump(fd) { bytes in
            guard !broken else { return }
            pending += bytes
            var start = 0
            while pending.count - start >= 5 {
                let kind = pending[start]
                if kind == 1 {
                    let width = UInt16(pending[start + 1]) << 8 | UInt16(pending[start + 2])
                    let height = UInt16(pending[start + 3]) << 8 | UInt16(pending[start + 4])
                    deliver(.resize(TerminalSize(width: width, height: height)))
                    start += 5
                } else if kind == 0 {
                    let length = (start + 1..<start + 5).reduce(0) { ($0 << 8) | Int(pending[$1]) }
                    guard pending.count - start - 5 >= length else { break }
                    deliver(.data(Array(pending[(start + 5)..<(start + 5 + length)])))
                    start += 5 + length
                } else {
                    broken = true
                    return
                }
            }
            pending.removeFirst(start)
        }
    }
}
