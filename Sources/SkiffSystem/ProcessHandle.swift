import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A started child that runs until it exits or is stopped (a server under test: etcd, a
/// registry). One thread per child blocks in `waitid` and wakes the waiters when it exits, so
/// nothing polls. Signals are race-free: the child is reaped only under the same lock that
/// `signal` takes, so its pid cannot have been reused by the time it is signalled.
package final class ProcessHandle: Sendable {
    package let pid: pid_t
    private let exit = ExitBox()
    private let reaped = Mutex(false)

    /// Starts `argv` (see `ChildProcess.spawn`) and begins watching for its exit.
    package static func start(
        _ argv: [String], environment: [String] = ChildProcess.minimalEnvironment,
        files: [(child: Int32, parent: Int32)], newSession: Bool = false, diesWithParent: Bool? = nil
    ) throws(ProcessError) -> ProcessHandle {
        let pid = try ChildProcess.spawn(argv, environment: environment, files: files, newSession: newSession,
                                         diesWithParent: diesWithParent)
        return ProcessHandle(watching: pid)
    }

    private init(watching pid: pid_t) {
        self.pid = pid
        // The thread holds the handle until the child exits.
        Thread.detachNewThread { [self] in
            // Wait without reaping first, so `signal` can never hit a recycled pid.
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            let code = reaped.withLock { done -> Int32 in
                done = true
                return ChildProcess.waitForExit(pid)
            }
            exit.set(code)
        }
    }

    package var isRunning: Bool { !exit.isSet }

    /// The exit code (128+signal when killed), once the child has exited.
    package var exitCode: Int32? { exit.current }

    /// Waits for the child to exit and returns its exit code.
    package func wait() async -> Int32 { await exit.value() }

    /// Sends `signal` unless the child has already been reaped.
    package func signal(_ signal: Int32) {
        reaped.withLock { done in
            if !done { _ = kill(pid, signal) }
        }
    }

    /// SIGTERM, then SIGKILL if the child is still there after `grace`; returns the exit code.
    @discardableResult
    package func terminate(grace: Duration = .seconds(5)) async -> Int32 {
        signal(SIGTERM)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = await self.wait() }
            group.addTask {
                // Cancelled as soon as the child exits; only a child that outlives the grace is killed.
                guard (try? await Task.sleep(for: grace)) != nil else { return }
                self.signal(SIGKILL)
            }
            _ = await group.next()
            group.cancelAll()
        }
        return await wait()
    }
}
