import Foundation
import SkiffSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A `skiff shim` process started ahead of need (`skiff shim standby`), so creating a container or a
/// sandbox does not wait for a fresh `skiff` process to load: that start-up is off the pod start's
/// critical path. The standby blocks reading its assignment (one JSON line: the `skiff shim`
/// subcommand and arguments, the log path, and namespaces to join) on descriptor 0, joins the
/// namespaces, then becomes exactly the `skiff shim run` or `skiff shim pause` it was assigned,
/// reporting readiness on descriptor 3. When the runtime goes away, its end of the assignment pipe
/// closes and the standby exits.
package struct ShimAssignment: Codable, Sendable {
    /// `skiff shim` arguments: the subcommand first ("run", "pause").
    package var arguments: [String]
    package var logPath: String
    /// Namespace files (`/proc/…/ns/…` or bind mounts) to enter before running.
    package var namespaces: [String] = []
}

final class StandbyShimPool: Sendable {
    private struct Standby: Sendable {
        var pid: Int32
        var assignment: Int32
        var readiness: Int32
    }

    private let executable: String
    private let waiting = Mutex<Standby?>(nil)

    init(executable: String) { self.executable = executable }

    deinit {
        // Closing the assignment pipe ends a standby nobody will use.
        waiting.withLock { standby in
            if let standby { close(standby.assignment); close(standby.readiness) }
            standby = nil
        }
    }

    /// Starts a standby shim unless one is waiting already. Failures only mean the next container
    /// starts its shim the slow way.
    func refill() {
        guard waiting.withLock({ $0 == nil }) else { return }
        guard let assignment = try? Pipe2.make() else { return }
        guard let readiness = try? Pipe2.make() else { close(assignment.read); close(assignment.write); return }
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(devNull); close(assignment.read); close(readiness.write) }
        guard let pid = try? Subprocess.spawn(
            [executable, "shim", "standby"],
            files: [(0, assignment.read), (1, devNull), (2, devNull), (ContainerShim.readinessFD, readiness.write)],
            newSession: true)
        else { close(assignment.write); close(readiness.read); return }
        ChildProcess.reapInBackground(pid)
        let standby = Standby(pid: pid, assignment: assignment.write, readiness: readiness.read)
        let extra = waiting.withLock { current -> Standby? in
            if current == nil { current = standby; return nil }
            return standby
        }
        if let extra { close(extra.assignment); close(extra.readiness) }
    }

    /// Hands `assignment` to the waiting standby and returns its pid and readiness descriptor, or nil
    /// when no live standby took it (the caller then spawns the process the slow way).
    func assign(_ assignment: ShimAssignment) -> (pid: Int32, readiness: Int32)? {
        guard let standby = waiting.withLock({ current -> Standby? in defer { current = nil }; return current }) else { return nil }
        defer { close(standby.assignment) }
        guard kill(standby.pid, 0) == 0,
              let line = try? JSONEncoder().encode(assignment),
              writeAll(standby.assignment, Array(line) + [10])
        else {
            kill(standby.pid, SIGKILL)
            close(standby.readiness)
            return nil
        }
        return (standby.pid, standby.readiness)
    }
}

extension ShimAssignment {
    /// Standby side: waits for the assignment on descriptor 0, points stdio at the log and enters the
    /// namespaces. Returns nil when the runtime closed the pipe without assigning anything, or when a
    /// namespace could not be entered (reported on the readiness descriptor).
    package static func receive() -> ShimAssignment? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !bytes.contains(10) {
            let count = read(0, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            bytes += buffer[0..<count]
        }
        guard let newline = bytes.firstIndex(of: 10),
              let assignment = try? JSONDecoder().decode(ShimAssignment.self, from: Data(bytes[..<newline])) else { return nil }
        let devNull = open("/dev/null", O_RDWR)
        let log = open(assignment.logPath, O_WRONLY | O_CREAT | O_APPEND, 0o640)
        dup2(devNull, 0)
        dup2(log >= 0 ? log : devNull, 1)
        dup2(log >= 0 ? log : devNull, 2)
        if devNull > 2 { close(devNull) }
        if log > 2 { close(log) }
        for path in assignment.namespaces {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0, LinuxCalls.setns(fd, 0) == 0 else {
                _ = writeAll(ContainerShim.readinessFD, Array("error: join namespace \(path): \(LinuxCalls.errorText())\n".utf8))
                return nil
            }
            close(fd)
        }
        return assignment
    }
}
