import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A pipe whose ends are close-on-exec in this process.
package struct Pipe2: Sendable {
    package var read: Int32
    package var write: Int32

    package init(read: Int32, write: Int32) { self.read = read; self.write = write }

    package static func make() throws(ProcessError) -> Pipe2 {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .system(operation: "pipe", errno: errno) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return Pipe2(read: fds[0], write: fds[1])
    }

    /// Closes whichever ends are open.
    package func closeBoth() {
        if read >= 0 { close(read) }
        if write >= 0 { close(write) }
    }
}

/// Writes every byte unless the reader went away; returns false on error.
@discardableResult
package func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += written
    }
    return true
}

/// Runs blocking work on a dedicated thread (never on the cooperative pool or an event loop).
package func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}
