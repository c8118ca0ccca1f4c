import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The receiving end of runc's `--console-socket`: runc connects and sends the pseudo-terminal master
/// as SCM_RIGHTS ancillary data (the OCI runtime's terminal protocol).
struct ConsoleSocket: Sendable {
    let path: String
    private let listener: Int32

    init(path: String) throws(RuntimeError) {
        self.path = path
        listener = try UnixSocket.listen(path: path, backlog: 1)
    }

    /// Waits (blocking, up to `timeoutMilliseconds`) for the runtime to hand over the terminal master.
    func receiveMaster(timeoutMilliseconds: Int32 = 10_000) -> Int32? {
        defer { close(listener); unlink(path) }
        var waiting = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&waiting, 1, timeoutMilliseconds) == 1 else { return nil }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return nil }
        defer { close(connection) }
        var name = [UInt8](repeating: 0, count: 4096)
        // cmsghdr on 64-bit Linux: len (8) + level (4) + type (4), then the descriptor.
        var control = [UInt8](repeating: 0, count: 64)
        return name.withUnsafeMutableBytes { nameBuffer -> Int32? in
            control.withUnsafeMutableBytes { controlBuffer -> Int32? in
                var vector = iovec(iov_base: nameBuffer.baseAddress, iov_len: nameBuffer.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer -> Int32? in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBuffer.baseAddress
                    message.msg_controllen = controlBuffer.count
                    guard recvmsg(connection, &message, 0) >= 0, message.msg_controllen >= 20 else { return nil }
                    let level = controlBuffer.load(fromByteOffset: 8, as: Int32.self)
                    let type = controlBuffer.load(fromByteOffset: 12, as: Int32.self)
                    guard level == SOL_SOCKET, type == Int32(SCM_RIGHTS) else { return nil }
                    let fd = controlBuffer.load(fromByteOffset: 16, as: Int32.self)
                    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                    return fd
                }
            }
        }
    }
}

enum Terminal {
    /// Sets the window size of the terminal behind `master` (the process gets SIGWINCH).
    static func resize(_ master: Int32, _ size: TerminalSize) throws(RuntimeError) {
        var window = winsize(ws_row: size.height, ws_col: size.width, ws_xpixel: 0, ws_ypixel: 0)
        guard ioctl(master, UInt(TIOCSWINSZ), &window) == 0 else { throw .system("resize terminal", errno) }
    }
}
